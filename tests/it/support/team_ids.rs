//! One team with one of everything that has an id (suite, key, run, attempt, member,
//! invitation, share link), to fill route patterns with: tests of every route use two.

use ringside::auth::{Role, token};
use uuid::Uuid;

use super::TestApp;
use super::accounts::create_member;
use super::built::{self, BuiltSuite};

/// One team's ids, to fill path placeholders and form values with.
pub(crate) struct Ids {
    pub team_id: Uuid,
    pub suite: BuiltSuite,
    pub run: Uuid,
    pub attempt: Uuid,
    pub member: Uuid,
    pub invitation: Uuid,
    pub invite_token: String,
    pub share: Uuid,
    pub token: Uuid,
    pub known_issue: Uuid,
    pub schedule: Uuid,
    pub channel: Uuid,
    pub rule: Uuid,
}

impl Ids {
    /// A team with a suite, a finished run, a second member, an invitation and a share link.
    pub(crate) async fn create(app: &TestApp, team_id: Uuid, admin: Uuid, name: &str) -> Self {
        let db = &app.db;
        let suite = built::suite(db, team_id, &format!("{name} suite"), &["a"]).await;
        let run = built::run(
            db,
            &suite,
            &format!("{name}-run"),
            1,
            &[("a", 1, Some("pass"))],
        )
        .await;
        let attempt = sqlx::query_scalar("SELECT id FROM attempts WHERE run_id = $1")
            .bind(run)
            .fetch_one(db)
            .await
            .unwrap();
        let email = format!("member.{}@example.com", name.to_lowercase());
        let member = create_member(db, &email, team_id, Role::Viewer).await;
        let invite_token = token::generate();
        let invitation = ringside::db::invitations::create(
            db,
            team_id,
            Role::Viewer,
            None,
            admin,
            &token::hash(&invite_token),
        )
        .await
        .unwrap();
        let share = ringside::db::share_links::insert(
            db,
            team_id,
            &token::hash(&token::generate()),
            "run",
            run,
            admin,
            None,
        )
        .await
        .unwrap();
        // Stands for SHA-256 of a secret: 32 bytes, unique per team.
        let hash: Vec<u8> = format!("{name:-<32}").bytes().take(32).collect();
        let token = ringside::db::api_tokens::create(
            db,
            &ringside::db::api_tokens::NewToken {
                team_id,
                name: &format!("{name} CI"),
                prefix: "rst_test",
                token_hash: &hash,
                scope: ringside::auth::Scope::Run,
                created_by: Some(admin),
                from_command_line: false,
                expires_at: None,
            },
        )
        .await
        .unwrap();
        let scalar = |sql: &'static str| {
            sqlx::query_scalar::<_, Uuid>(sql)
                .bind(team_id)
                .bind(suite.suite_id)
        };
        let known_issue = scalar(
            "INSERT INTO known_issues (team_id, title) SELECT $1, 'Hangs up early' \
             WHERE $2::uuid IS NOT NULL RETURNING id",
        )
        .fetch_one(db)
        .await
        .unwrap();
        let schedule = scalar(
            "INSERT INTO schedules (team_id, suite_id, name, cron, timezone) \
             VALUES ($1, $2, 'Nightly', '0 3 * * *', 'UTC') RETURNING id",
        )
        .fetch_one(db)
        .await
        .unwrap();
        let channel = scalar(
            "INSERT INTO alert_channels (team_id, kind, name, email_to) \
             SELECT $1, 'email', 'QA mail', 'qa@example.com' WHERE $2::uuid IS NOT NULL \
             RETURNING id",
        )
        .fetch_one(db)
        .await
        .unwrap();
        let rule = sqlx::query_scalar::<_, Uuid>(
            "INSERT INTO alert_rules (team_id, suite_id, channel_id, kind) \
             VALUES ($1, $2, $3, 'new_failures') RETURNING id",
        )
        .bind(team_id)
        .bind(suite.suite_id)
        .bind(channel)
        .fetch_one(db)
        .await
        .unwrap();
        Self {
            known_issue,
            schedule,
            channel,
            rule,
            team_id,
            suite,
            run,
            attempt,
            member,
            invitation,
            invite_token,
            share,
            token,
        }
    }

    /// `pattern` with each `{placeholder}` replaced by the id it names here; the segment
    /// before a bare `{id}` says what kind of id it is.
    pub(crate) fn fill(&self, pattern: &str) -> String {
        let mut previous = "";
        let mut filled = Vec::new();
        for segment in pattern.split('/') {
            let value = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                None => segment.to_owned(),
                Some(name) => match (previous, name) {
                    ("suites", "id") => self.suite.suite_id.to_string(),
                    ("keys", "id") => self.suite.key_id.to_string(),
                    ("invitations", "id") => self.invitation.to_string(),
                    ("shares", "id") => self.share.to_string(),
                    ("tokens", "id") => self.token.to_string(),
                    ("known-issues", "id") => self.known_issue.to_string(),
                    ("schedules", "id") => self.schedule.to_string(),
                    ("channels", "id") => self.channel.to_string(),
                    ("rules", "id") => self.rule.to_string(),
                    (_, "suite_id") => self.suite.suite_id.to_string(),
                    ("cases", "case_id") => "a".to_owned(),
                    (_, "run_id") => self.run.to_string(),
                    (_, "attempt_id") => self.attempt.to_string(),
                    (_, "user_id") => self.member.to_string(),
                    (_, "team_id") => self.team_id.to_string(),
                    (_, "channel_id") => self.channel.to_string(),
                    ("invite", "token") => self.invite_token.clone(),
                    (_, "form_token") => Uuid::new_v4().to_string(),
                    _ => {
                        panic!("no id for {segment} after /{previous}/ in {pattern}: add it to Ids")
                    }
                },
            };
            previous = segment;
            filled.push(value);
        }
        filled.join("/")
    }

    /// The form fields of a route with their `{placeholders}` filled.
    pub(crate) fn form(&self, fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(name, value)| ((*name).to_owned(), self.fill(value)))
            .collect()
    }
}
