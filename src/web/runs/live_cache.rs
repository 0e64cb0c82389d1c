//! The live section of a run page as shared by every open stream of the run (see
//! [`crate::sync::snapshots`]): read and rendered once per update with a stand-in for the CSRF
//! token, which each stream then replaces with its viewer's own.

use std::sync::OnceLock;

use askama::Template;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::runs;
use crate::sync::snapshots::Snapshot;
use crate::web::runs::body::RunBody;
use crate::web::runs::live::LiveSection;

/// Which rendering of a run: the same run looks different with the failures-only filter and
/// to a viewer who may cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SectionKey {
    /// The run's team (each stream checked its viewer belongs to it when it opened).
    pub(crate) team_id: Uuid,
    /// The run.
    pub(crate) run_id: Uuid,
    /// Only failed attempts.
    pub(crate) failures_only: bool,
    /// Whether the cancel button and the review controls show.
    pub(crate) can_cancel: bool,
    /// Counts are the judge's alone, without reviews.
    pub(crate) judged_only: bool,
}

impl SectionKey {
    /// The variant number of this rendering among a run's.
    pub(crate) fn variant(&self) -> u8 {
        u8::from(self.failures_only)
            | (u8::from(self.can_cancel) << 1)
            | (u8::from(self.judged_only) << 2)
    }
}

/// The text standing for the viewer's CSRF token in shared HTML: random per process, so no
/// text in a run can spell it.
pub(crate) fn token_slot() -> &'static str {
    static SLOT: OnceLock<String> = OnceLock::new();
    SLOT.get_or_init(|| format!("csrf-{}", Uuid::new_v4().simple()))
}

/// Reads and renders the live section of `key`'s run.
pub(crate) async fn load(db: &PgPool, key: SectionKey) -> Snapshot {
    let run = match runs::get(db, key.team_id, key.run_id).await {
        Ok(Some(run)) => run,
        Ok(None) => return Snapshot::Gone,
        Err(error) => {
            tracing::warn!(%error, run = %key.run_id, "live section: reading the run failed");
            return Snapshot::Gone;
        }
    };
    let base = format!("/runs/{}", key.run_id);
    let loaded = RunBody::load(
        db,
        key.team_id,
        run,
        base,
        key.failures_only,
        key.judged_only,
    )
    .await;
    let mut body = match loaded {
        Ok(body) => body,
        Err(error) => {
            tracing::warn!(%error, run = %key.run_id, "live section: reading attempts failed");
            return Snapshot::Gone;
        }
    };
    body.can_review = key.can_cancel;
    let done = !body.line.run.polling;
    let section = LiveSection {
        body,
        csrf_token: token_slot().to_owned(),
        can_cancel: key.can_cancel,
    };
    match section.render() {
        Ok(html) => Snapshot::Ready {
            html: html.into(),
            done,
        },
        Err(error) => {
            tracing::warn!(%error, run = %key.run_id, "live section: rendering failed");
            Snapshot::Gone
        }
    }
}
