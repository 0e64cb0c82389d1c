//! One read per run update, shared by every open page of that run: the first stream to ask
//! for a run's state as of an update reads it; the others wait for that read and share it.
//! 500 people watching one run cost one read per update, not 500.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;
use uuid::Uuid;

/// Snapshots kept before unused ones are swept out.
const SWEEP_ABOVE: usize = 64;

/// A snapshot nobody has asked for in this long goes at the next sweep.
const KEEP_FOR: Duration = Duration::from_secs(30);

/// What one read of a run gave, as the pages will show it.
#[derive(Debug, Clone)]
pub enum Snapshot {
    /// The rendered state, and whether the run is finished (no more updates will come).
    Ready {
        /// The rendering (HTML, for live pages).
        html: Arc<str>,
        /// The run is no longer polled.
        done: bool,
    },
    /// The run is gone, or could not be read.
    Gone,
}

struct Entry {
    seq: u64,
    cell: Arc<OnceCell<Snapshot>>,
    used: Instant,
}

/// Snapshots by run and variant (one run renders differently with filters or permissions;
/// the caller numbers its variants).
#[derive(Default)]
pub struct Snapshots {
    entries: Mutex<HashMap<(Uuid, u8), Entry>>,
}

impl Snapshots {
    /// The snapshot of `run_id` (in `variant`) as of update `seq` or later: made by `load` for
    /// the first caller that needs a fresher one than stored, awaited by the others.
    pub async fn get<F, Fut>(&self, run_id: Uuid, variant: u8, seq: u64, load: F) -> Snapshot
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Snapshot>,
    {
        let cell = {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            match entries.get_mut(&(run_id, variant)) {
                Some(entry) if entry.seq >= seq => {
                    entry.used = now;
                    entry.cell.clone()
                }
                _ => {
                    if entries.len() >= SWEEP_ABOVE {
                        entries.retain(|_, entry| now.duration_since(entry.used) < KEEP_FOR);
                    }
                    let cell = Arc::new(OnceCell::new());
                    let entry = Entry {
                        seq,
                        cell: cell.clone(),
                        used: now,
                    };
                    entries.insert((run_id, variant), entry);
                    cell
                }
            }
        };
        cell.get_or_init(load).await.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn ready(text: &str) -> Snapshot {
        Snapshot::Ready {
            html: text.into(),
            done: false,
        }
    }

    #[tokio::test]
    async fn one_read_serves_every_caller_of_an_update() {
        let snapshots = Snapshots::default();
        let reads = AtomicUsize::new(0);
        let run = Uuid::new_v4();
        let load = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            ready("v1")
        };
        let all = futures_util::future::join_all((0..500).map(|_| snapshots.get(run, 0, 1, load)));
        assert_eq!(all.await.len(), 500);
        assert_eq!(reads.load(Ordering::SeqCst), 1, "500 streams, one read");
        // An older update is served by the fresher read; a newer one reads again.
        snapshots.get(run, 0, 0, load).await;
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        snapshots.get(run, 0, 2, load).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        // Another variant is another read.
        snapshots.get(run, 1, 2, load).await;
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }
}
