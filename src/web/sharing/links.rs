//! Creating, listing and revoking share links (members). The links themselves are served by
//! [`crate::web::sharing::public`]. Trend pages add a "Share" button with `{% call m::share_form(...) %}`.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, Redirect};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::{Role, token};
use crate::db::audit::AuditAction;
use crate::db::share_links::{self, ShareLinkRow};
use crate::db::{runs, suites};
use crate::web::kit::audited::record;
use crate::web::kit::confirm::{self, Question};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Path;
use crate::web::kit::format::base_url;
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::CurrentMember;

/// Session key holding a just-created share link until `/shares` shows it once.
const NEW_LINK_KEY: &str = "share.new";

/// What a share link shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShareKind {
    /// One run, its attempts and their recordings.
    Run,
    /// One suite's run history, and those runs.
    Suite,
    /// One suite's trend page (issue 7's `web::trends::shared_suite_trend`).
    SuiteTrend,
}

impl ShareKind {
    /// Parses the stored or submitted name.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "run" => Some(Self::Run),
            "suite" => Some(Self::Suite),
            "suite_trend" => Some(Self::SuiteTrend),
            _ => None,
        }
    }

    /// The stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Run => "run",
            Self::Suite => "suite",
            Self::SuiteTrend => "suite_trend",
        }
    }

    /// What the link shows, in words.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Run => "Run",
            Self::Suite => "Suite run history",
            Self::SuiteTrend => "Suite trends",
        }
    }

    /// The members' page of the target.
    pub(crate) fn internal_href(self, target_id: Uuid) -> String {
        match self {
            Self::Run => format!("/runs/{target_id}"),
            Self::Suite => format!("/suites/{target_id}"),
            Self::SuiteTrend => format!("/suites/{target_id}/trend"),
        }
    }
}

/// How long a new link works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// 24 hours.
    OneDay,
    /// 7 days.
    SevenDays,
    /// 30 days.
    ThirtyDays,
    /// Until revoked.
    Never,
}

impl Expiry {
    /// Parses the form value (`1d`, `7d`, `30d`, `never`).
    pub(crate) fn parse(value: &str) -> Option<Self> {
        match value {
            "1d" => Some(Self::OneDay),
            "7d" => Some(Self::SevenDays),
            "30d" => Some(Self::ThirtyDays),
            "never" => Some(Self::Never),
            _ => None,
        }
    }

    /// When a link created at `now` stops working, at most `max_days` later (the operator's
    /// maximum lifetime: "never" then means that maximum).
    pub(crate) fn from(self, now: OffsetDateTime, max_days: Option<u32>) -> Option<OffsetDateTime> {
        let chosen = match self {
            Self::OneDay => Some(now + Duration::days(1)),
            Self::SevenDays => Some(now + Duration::days(7)),
            Self::ThirtyDays => Some(now + Duration::days(30)),
            Self::Never => None,
        };
        let Some(max) = max_days.map(|days| now + Duration::days(i64::from(days))) else {
            return chosen;
        };
        Some(chosen.map_or(max, |at| at.min(max)))
    }
}

/// The share form.
#[derive(Debug, Deserialize)]
pub(crate) struct ShareForm {
    target_kind: String,
    target_id: Uuid,
    expires: String,
}

/// `POST /share`: creates a link (members and admins) and shows it once on `/shares`.
pub(crate) async fn create(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    headers: HeaderMap,
    Form(form): Form<ShareForm>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let kind = ShareKind::parse(&form.target_kind)
        .ok_or_else(|| AppError::BadRequest("That page cannot be shared.".into()))?;
    let expiry = Expiry::parse(&form.expires)
        .ok_or_else(|| AppError::BadRequest("Choose 1, 7 or 30 days, or never.".into()))?;
    let target_name = target_name(&state, member.team_id, kind, form.target_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let secret = token::generate();
    share_links::insert(
        &state.db,
        member.team_id,
        &token::hash(&secret),
        kind.as_str(),
        form.target_id,
        member.user_id,
        expiry.from(OffsetDateTime::now_utc(), state.settings.share_max_days),
    )
    .await?;
    record(
        &state.db,
        &member,
        AuditAction::ShareCreated,
        &format!("{} “{target_name}”", kind.describe().to_lowercase()),
    )
    .await?;
    let link = format!("{}/s/{secret}", base_url(&state, &headers));
    session.insert(NEW_LINK_KEY, link).await?;
    Ok(Redirect::to("/shares"))
}

/// The name of a link's target in `team_id`, as the audit log and pages say it.
async fn target_name(
    state: &AppState,
    team_id: Uuid,
    kind: ShareKind,
    target_id: Uuid,
) -> Result<Option<String>, AppError> {
    Ok(match kind {
        ShareKind::Run => runs::get(&state.db, team_id, target_id)
            .await?
            .map(|run| crate::web::runs::line::RunLine::from(run).title()),
        ShareKind::Suite | ShareKind::SuiteTrend => suites::get(&state.db, team_id, target_id)
            .await?
            .map(|suite| suite.name),
    })
}

/// A link's target in words: `run “Nightly”`, `suite trends “Billing”`.
async fn describe_target(
    state: &AppState,
    team_id: Uuid,
    link: &ShareLinkRow,
) -> Result<String, AppError> {
    Ok(match ShareKind::parse(&link.target_kind) {
        Some(kind) => match target_name(state, team_id, kind, link.target_id).await? {
            Some(name) => format!("{} “{name}”", kind.describe().to_lowercase()),
            None => format!("a {} that no longer exists", kind.describe().to_lowercase()),
        },
        None => "a page this version does not know".to_owned(),
    })
}

/// A link as listed.
pub(crate) struct LinkLine {
    row: ShareLinkRow,
    kind: Option<ShareKind>,
    can_revoke: bool,
}

impl LinkLine {
    fn state(&self) -> &'static str {
        if self.row.revoked_at.is_some() {
            "revoked"
        } else if self
            .row
            .expires_at
            .is_some_and(|at| at <= OffsetDateTime::now_utc())
        {
            "expired"
        } else {
            "active"
        }
    }

    fn state_class(&self) -> &'static str {
        match self.state() {
            "active" => "badge-pass",
            _ => "badge-cancelled",
        }
    }

    fn describe(&self) -> &'static str {
        self.kind.map_or("Unknown", ShareKind::describe)
    }

    fn href(&self) -> Option<String> {
        self.kind.map(|kind| kind.internal_href(self.row.target_id))
    }
}

#[derive(Template)]
#[template(path = "sharing/links.html")]
struct SharesPage {
    layout: Layout,
    links: Vec<LinkLine>,
    new_link: Option<String>,
    all: bool,
    /// For admins: only the links this person created (e.g. a member just removed), with a
    /// button that revokes every one still working.
    creator: Option<Uuid>,
}

impl SharesPage {
    fn active_count(&self) -> usize {
        self.links
            .iter()
            .filter(|link| link.state() == "active")
            .count()
    }
}

/// `?created_by=` of the links page.
#[derive(Debug, Deserialize)]
pub(crate) struct LinksQuery {
    created_by: Option<String>,
}

/// `GET /shares`: the member's links; admins see every link of the team, or one person's
/// (`?created_by=`).
pub(crate) async fn index(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Query(query): Query<LinksQuery>,
) -> Result<Html<String>, AppError> {
    let all = member.role >= Role::Admin;
    let creator = query
        .created_by
        .as_deref()
        .and_then(|id| Uuid::parse_str(id).ok())
        .filter(|_| all);
    let only = if all { creator } else { Some(member.user_id) };
    let rows = share_links::list(&state.db, member.team_id, only).await?;
    let links = rows
        .into_iter()
        .map(|row| LinkLine {
            kind: ShareKind::parse(&row.target_kind),
            can_revoke: member.role >= Role::Member
                && (all || row.created_by == Some(member.user_id)),
            row,
        })
        .collect();
    let page = SharesPage {
        new_link: session.remove::<String>(NEW_LINK_KEY).await?,
        layout: Layout::for_member("Share links", "shares", &member, &session).await,
        links,
        all,
        creator,
    };
    Ok(Html(page.render()?))
}

/// `GET /shares/{id}/revoke`: asks the link's creator or an admin before ending it.
pub(crate) async fn confirm_revoke(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Html<String>, AppError> {
    member.require(Role::Member)?;
    let link = share_links::get(&state.db, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if member.role < Role::Admin && link.created_by != Some(member.user_id) {
        return Err(AppError::Forbidden);
    }
    let target = describe_target(&state, member.team_id, &link).await?;
    let question = Question {
        question: "Revoke this share link?".into(),
        detail: format!(
            "Anyone who opens the link to {target} is told it is gone, at once.              This cannot be undone; you can create a new link later."
        ),
        action: format!("/shares/{id}/revoke"),
        button: "Revoke link",
        back: "/shares".into(),
    };
    confirm::page(&member, &session, "shares", question).await
}

/// `POST /shares/{id}/revoke`: the link's creator or an admin ends it at once.
pub(crate) async fn revoke(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let link = share_links::get(&state.db, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if member.role < Role::Admin && link.created_by != Some(member.user_id) {
        return Err(AppError::Forbidden);
    }
    if share_links::revoke(&state.db, member.team_id, id).await? {
        let target = describe_target(&state, member.team_id, &link).await?;
        record(&state.db, &member, AuditAction::ShareRevoked, &target).await?;
        push_flash(
            &session,
            FlashKind::Success,
            "Revoked. The link now answers “gone”.",
        )
        .await;
    }
    Ok(Redirect::to("/shares"))
}

/// `POST /shares/by/{user_id}/revoke` (admins): revokes every working link that person made in
/// this team, e.g. right after removing them.
pub(crate) async fn revoke_all_by(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(user_id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin)?;
    // Someone who never made a link here is nobody this team knows: 404, like any other id.
    if !share_links::any_created_by(&state.db, member.team_id, user_id).await? {
        return Err(AppError::NotFound);
    }
    let revoked = share_links::revoke_all_by(&state.db, member.team_id, user_id).await?;
    if revoked > 0 {
        let target = format!("{revoked} link(s) created by {user_id}");
        record(&state.db, &member, AuditAction::ShareRevoked, &target).await?;
    }
    let message = match revoked {
        0 => "No working links were left to revoke.".to_owned(),
        1 => "Revoked 1 link. It now answers “gone”.".to_owned(),
        n => format!("Revoked {n} links. They now answer “gone”."),
    };
    push_flash(&session, FlashKind::Success, message).await;
    Ok(Redirect::to(&format!("/shares?created_by={user_id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_expiries_parse() {
        for kind in [ShareKind::Run, ShareKind::Suite, ShareKind::SuiteTrend] {
            assert_eq!(ShareKind::parse(kind.as_str()), Some(kind));
        }
        let now = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(
            Expiry::parse("7d").unwrap().from(now, None),
            Some(now + Duration::days(7))
        );
        assert_eq!(Expiry::parse("never").unwrap().from(now, None), None);
        // The operator's maximum caps every choice, "never" included.
        let capped = Some(now + Duration::days(3));
        assert_eq!(Expiry::parse("never").unwrap().from(now, Some(3)), capped);
        assert_eq!(Expiry::parse("30d").unwrap().from(now, Some(3)), capped);
        assert_eq!(
            Expiry::parse("1d").unwrap().from(now, Some(3)),
            Some(now + Duration::days(1))
        );
        assert_eq!(Expiry::parse("2d"), None);
    }
}
