//! What the daily pages read (dashboard, suite trend, case history, flaky tests, the runs and
//! suites lists, a suite's page, search, a run's page, an attempt's page, a test case's page),
//! shared between every request that would read exactly the same thing. Members' requests key
//! it with the snapshot their sign-in check read; share links with the one their link's lookup
//! read.
//!
//! A page's data is kept under the database's current snapshot (`pg_current_snapshot()`):
//! two requests that see the same snapshot see the same committed data, so the second is
//! served what the first read. Any write that commits anywhere changes the snapshot, so a
//! change is visible on the very next request, in every process on the database: nothing is
//! served stale, and there is nothing to invalidate by hand. The snapshot is read before the
//! page's queries, so what is kept is never older than its key says.
//!
//! What depends on the clock (this week, the last 30 days) is read again at least every
//! [`FRESH_FOR_SECS`]. Concurrent requests for a page being read wait for that one read
//! instead of running the same queries side by side; when it fails, they all get its answer at
//! once, and the next request reads again.

use std::any::{Any, TypeId};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use uuid::Uuid;

use crate::web::kit::error::AppError;

/// Longest that data read under one snapshot is served, in seconds: time windows such as
/// "this week" move on even when no data changes.
pub const FRESH_FOR_SECS: u64 = 10;

/// Pages' data kept at once (each a few kilobytes; a wide case grid a few hundred). Entries
/// of older snapshots are simply never asked for again and make room.
pub const CAPACITY: usize = 48;

/// One page's data, read under one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    team_id: Uuid,
    /// Which page, with every parameter that changes what it reads.
    page: String,
    /// The Rust type read: one page name can never be served as another type.
    kind: TypeId,
    snapshot: String,
    period: u64,
}

type Shared = Arc<dyn Any + Send + Sync>;

/// The shared page data of one process.
#[derive(Clone)]
pub struct PageData {
    kept: Arc<quick_cache::sync::Cache<Key, Kept>>,
}

impl Default for PageData {
    fn default() -> Self {
        Self {
            kept: Arc::new(quick_cache::sync::Cache::new(CAPACITY)),
        }
    }
}

impl PageData {
    /// The team's data for `page` as the database holds it in `snapshot` (or later): what
    /// another request read under the same snapshot, or else what `read` reads. `snapshot`
    /// must have been read before `read` starts (the sign-in check reads it, see
    /// `CurrentMember::snapshot`); `page` must name every parameter that changes what `read`
    /// returns (the team aside).
    pub async fn get<T, F>(
        &self,
        team_id: Uuid,
        snapshot: &str,
        page: String,
        read: F,
    ) -> Result<T, AppError>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = Result<T, AppError>>,
    {
        let key = Key {
            team_id,
            page,
            kind: TypeId::of::<T>(),
            snapshot: snapshot.to_owned(),
            period: period(),
        };
        let asked = Instant::now();
        let mut read = Some(read);
        loop {
            let mut failed = None;
            let kept = self
                .kept
                .get_or_insert_async(&key, async {
                    let Some(read) = read.take() else {
                        return Err(AppError::Internal(anyhow::anyhow!("a page read twice")));
                    };
                    Ok(match read.await {
                        Ok(data) => Kept::Read(Arc::new(data)),
                        Err(error) => {
                            let kept = Kept::Failed {
                                at: Instant::now(),
                                error: Arc::new(echo(&error)),
                            };
                            failed = Some(error);
                            kept
                        }
                    })
                })
                .await?;
            // This request read, and failed.
            if let Some(error) = failed {
                return Err(error);
            }
            match kept {
                Kept::Read(shared) => {
                    return shared.downcast_ref::<T>().cloned().ok_or_else(|| {
                        AppError::Internal(anyhow::anyhow!("page data of another type"))
                    });
                }
                // It waited for a read that failed: the same answer, at once, rather than
                // each waiting request trying in turn (a stuck database would hold them all).
                Kept::Failed { at, error } if at >= asked => return Err(echo(&error)),
                // The read failed before this request came: it reads again.
                Kept::Failed { .. } => {
                    self.kept.remove(&key);
                }
            }
        }
    }
}

/// What is kept for one key: the data read, or the failure of the read, which answers only
/// the requests that were waiting for it.
#[derive(Clone)]
enum Kept {
    Read(Shared),
    Failed { at: Instant, error: Arc<AppError> },
}

/// The same answer as `error`, for another request that waited for the failed read.
fn echo(error: &AppError) -> AppError {
    match error {
        AppError::NotFound => AppError::NotFound,
        AppError::BadRequest(message) => AppError::BadRequest(message.clone()),
        AppError::Forbidden => AppError::Forbidden,
        AppError::Gone(message) => AppError::Gone(message.clone()),
        AppError::Unavailable(message) => AppError::Unavailable(message.clone()),
        AppError::Internal(cause) => {
            AppError::Internal(anyhow::anyhow!("a shared read failed: {cause:#}"))
        }
    }
}

/// Which [`FRESH_FOR_SECS`] window of the clock this is.
fn period() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.as_secs() / FRESH_FOR_SECS
}
