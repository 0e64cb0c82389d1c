//! One team with one of everything the API names by id (a suite RevRing knows, a finished run
//! with an attempt, a run still going, a schedule, an alert channel with a rule and a delivery,
//! a known issue), to fill the API's paths with; and every row a team owns, to prove that a
//! refused request changed nothing of it.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

use super::accounts::ADMIN_EMAIL;
use super::runs::{DENTAL, RunsWorld};
use super::team_ids::Ids;

/// The world's team's ids for API paths and bodies.
pub(crate) struct ApiIds {
    /// Everything the page routes name (finished run, attempt, schedule, channel, rule…).
    pub ids: Ids,
    /// A suite imported from the simulator, so it can be started.
    pub suite: Uuid,
    /// A run started from the start form and never synced: still going, so it can be cancelled.
    pub live_run: Uuid,
    /// The test delivery of `ids.channel`.
    pub delivery: Uuid,
}

impl ApiIds {
    /// Creates them in the world's team (the world should run without the sync worker, so
    /// nothing changes them behind the test's back).
    pub(crate) async fn create(world: &RunsWorld) -> Self {
        let db = &world.app.db;
        let admin: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(ADMIN_EMAIL)
            .fetch_one(db)
            .await
            .unwrap();
        let ids = Ids::create(&world.app, world.team_id, admin, "Home").await;
        let suite = world.suite_id(DENTAL).await;
        let run_path = world.start_run(&[]).await;
        let live_run = run_path
            .strip_prefix("/runs/")
            .and_then(|id| Uuid::parse_str(id).ok())
            .unwrap_or_else(|| panic!("the start form led to a run page: {run_path}"));
        let tested = world
            .admin
            .post(&format!("/alerts/channels/{}/test", ids.channel), &[])
            .await;
        assert_eq!(
            tested.status(),
            StatusCode::SEE_OTHER,
            "the channel was tested"
        );
        let delivery = sqlx::query_scalar(
            "SELECT id FROM alert_deliveries WHERE team_id = $1 AND channel_id = $2",
        )
        .bind(world.team_id)
        .bind(ids.channel)
        .fetch_one(db)
        .await
        .unwrap();
        Self {
            ids,
            suite,
            live_run,
            delivery,
        }
    }

    /// `template` with each `{name}` replaced by the id it names (see [`fill_placeholders`]).
    pub(crate) fn fill(&self, template: &str) -> String {
        fill_placeholders(template, |name| self.id(name, template))
    }

    fn id(&self, name: &str, template: &str) -> String {
        match name {
            "suite" => self.suite,
            "run" => self.ids.run,
            "live_run" => self.live_run,
            "attempt" => self.ids.attempt,
            "schedule" => self.ids.schedule,
            "channel" => self.ids.channel,
            "rule" => self.ids.rule,
            "known_issue" => self.ids.known_issue,
            "delivery" => self.delivery,
            _ => panic!("no id for {{{name}}} in {template}: add it to ApiIds::id"),
        }
        .to_string()
    }

    /// Every id of the team's objects as text: no other team may ever see one.
    pub(crate) fn all(&self) -> Vec<String> {
        let ids = &self.ids;
        [
            self.suite,
            ids.suite.suite_id,
            ids.suite.key_id,
            ids.run,
            self.live_run,
            ids.attempt,
            ids.member,
            ids.invitation,
            ids.share,
            ids.token,
            ids.known_issue,
            ids.schedule,
            ids.channel,
            ids.rule,
            self.delivery,
        ]
        .iter()
        .map(Uuid::to_string)
        .collect()
    }
}

/// `template` with each `{name}` (lowercase letters and `_`) replaced by `value(name)`; other
/// braces (JSON's) stay as they are.
pub(crate) fn fill_placeholders(template: &str, value: impl Fn(&str) -> String) -> String {
    let mut filled = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name = after.find('}').map(|close| &after[..close]);
        let is_name =
            |n: &&str| !n.is_empty() && n.chars().all(|c| c == '_' || c.is_ascii_lowercase());
        match name.filter(is_name) {
            Some(name) => {
                filled.push_str(&value(name));
                rest = &after[name.len() + 1..];
            }
            None => {
                filled.push('{');
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// Every row of every table with a `team_id` column that belongs to `team_id` (and the team's
/// own row), as text: the same set before and after a request means it changed nothing.
pub(crate) async fn team_rows(db: &PgPool, team_id: Uuid) -> BTreeSet<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.table_name::text FROM information_schema.columns c
         JOIN information_schema.tables t USING (table_schema, table_name)
         WHERE c.table_schema = current_schema() AND c.column_name = 'team_id'
           AND t.table_type = 'BASE TABLE'
         ORDER BY 1",
    )
    .fetch_all(db)
    .await
    .unwrap();
    assert!(tables.len() >= 10, "team tables found: {tables:?}");
    let mut selects = vec!["SELECT 'teams ' || r::text FROM teams r WHERE r.id = $1".to_owned()];
    selects.extend(
        tables.iter().map(|table| {
            format!("SELECT '{table} ' || r::text FROM {table} r WHERE r.team_id = $1")
        }),
    );
    sqlx::query_scalar::<_, String>(&selects.join(" UNION ALL "))
        .bind(team_id)
        .fetch_all(db)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// Rows in one set and not the other, for an assertion's message.
pub(crate) fn changed_rows(before: &BTreeSet<String>, after: &BTreeSet<String>) -> Vec<String> {
    let gone = before.difference(after).map(|row| format!("- {row}"));
    let new = after.difference(before).map(|row| format!("+ {row}"));
    gone.chain(new).collect()
}
