//! The alerts page: the team's channels and rules with their forms, and the words for the
//! stored kinds.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use tower_sessions::Session;

use super::channels::ChannelForm;
use super::rules::RuleForm;
use crate::app::state::AppState;
use crate::db::alert_channels::{self, Channel};
use crate::db::alert_rules::{self, RuleRow};
use crate::db::suites::{self, SuiteSummary};
use crate::web::kit::error::AppError;
use crate::web::kit::forms::FieldErrors;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;

/// How a channel kind reads.
pub(crate) fn channel_kind_words(kind: &str) -> &'static str {
    match kind {
        "slack" => "Slack",
        "webhook" => "Webhook",
        "email" => "E-mail",
        _ => "Other",
    }
}

/// How a rule reads.
pub(crate) fn rule_words(kind: &str, threshold: Option<i32>) -> String {
    match kind {
        "new_failures" => "New failures".to_owned(),
        "recovered" => "Recovered".to_owned(),
        "pass_rate_below" => format!("Pass rate under {}%", threshold.unwrap_or(0)),
        "errored_or_cancelled" => "Run errored or cancelled".to_owned(),
        "newly_flaky" => "A case newly flaky".to_owned(),
        "test" => "Test alert".to_owned(),
        _ => "Other".to_owned(),
    }
}

/// The rule kinds a form offers: (stored name, words).
pub(crate) const RULE_KINDS: [(&str, &str); 5] = [
    (
        "new_failures",
        "New failures (a case that passed last time fails)",
    ),
    (
        "recovered",
        "Recovered (every case that failed last time passes)",
    ),
    ("pass_rate_below", "Pass rate under a threshold"),
    ("errored_or_cancelled", "Run errored or cancelled"),
    ("newly_flaky", "A case newly classified flaky"),
];

#[derive(Template)]
#[template(path = "alerts/index.html")]
pub(super) struct AlertsPage {
    pub(super) layout: Layout,
    pub(super) channels: Vec<Channel>,
    pub(super) rules: Vec<RuleRow>,
    pub(super) suites: Vec<SuiteSummary>,
    pub(super) channel_form: ChannelForm,
    pub(super) channel_errors: FieldErrors,
    pub(super) rule_form: RuleForm,
    pub(super) rule_errors: FieldErrors,
    /// A webhook just added: its name and signing secret, shown this once.
    pub(super) new_secret: Option<(String, String)>,
}

impl AlertsPage {
    pub(super) async fn load(
        state: &AppState,
        session: &Session,
        member: &CurrentMember,
    ) -> Result<Self, AppError> {
        Ok(Self {
            layout: Layout::for_member("Alerts", "alerts", member, session).await,
            channels: alert_channels::list(&state.db, member.team_id).await?,
            rules: alert_rules::list(&state.db, member.team_id).await?,
            suites: suites::list(&state.db, member.team_id).await?,
            channel_form: ChannelForm {
                kind: "slack".into(),
                ..ChannelForm::default()
            },
            channel_errors: FieldErrors::new(),
            rule_form: RuleForm::default(),
            rule_errors: FieldErrors::new(),
            new_secret: None,
        })
    }

    fn kind_words(&self, kind: &str) -> &'static str {
        channel_kind_words(kind)
    }

    fn rule_text(&self, rule: &RuleRow) -> String {
        rule_words(&rule.kind, rule.threshold)
    }
}

pub(super) fn render(page: AlertsPage) -> Result<String, AppError> {
    Ok(page.render()?)
}

/// `GET /alerts`
pub(super) async fn index(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Html<String>, AppError> {
    let page = AlertsPage::load(&state, &session, &member).await?;
    Ok(Html(render(page)?))
}
