//! Run updates from any process, to every open live page: one `LISTEN run_updated` connection
//! per process, fanned out to subscribers through a broadcast channel. Each update carries a
//! sequence number, so that every page watching a run can share one read per update.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::db::ingest::RUN_UPDATED_CHANNEL;

/// Updates buffered per subscriber; a slow page that falls further behind just re-reads the
/// run, so losing the oldest is harmless.
const CHANNEL_CAPACITY: usize = 256;

/// Pause before re-listening after the connection broke.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// One run was stored again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunUpdate {
    /// The run.
    pub run_id: Uuid,
    /// This process's count of updates so far (of any run), this one included: a read of the
    /// run made for an update with a number at least this high is up to date.
    pub seq: u64,
}

/// A handle to subscribe to run updates.
#[derive(Clone)]
pub struct RunUpdates {
    sender: broadcast::Sender<RunUpdate>,
    seq: Arc<AtomicU64>,
    snapshots: Arc<super::snapshots::Snapshots>,
}

impl RunUpdates {
    /// Starts listening on the database in a background task.
    pub fn listen(db: PgPool) -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        let updates = Self {
            sender,
            seq: Arc::new(AtomicU64::new(0)),
            snapshots: Arc::default(),
        };
        let forward = updates.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = forward_notifications(&db, &forward).await {
                    if db.is_closed() {
                        return;
                    }
                    tracing::warn!(%error, "LISTEN run_updated failed; reconnecting");
                }
                tokio::time::sleep(RECONNECT_DELAY).await;
            }
        });
        updates
    }

    /// Receives every run update from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RunUpdate> {
        self.sender.subscribe()
    }

    /// The number of the latest update (of any run) so far.
    pub fn latest(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }

    /// The shared reads of runs for the open pages of this process.
    pub fn snapshots(&self) -> &super::snapshots::Snapshots {
        &self.snapshots
    }

    /// Passes on an update of `run_id` to every subscriber.
    pub fn publish(&self, run_id: Uuid) {
        let seq = self.seq.fetch_add(1, Ordering::AcqRel) + 1;
        // No subscribers is fine: nobody is watching.
        let _ = self.sender.send(RunUpdate { run_id, seq });
    }
}

async fn forward_notifications(db: &PgPool, forward: &RunUpdates) -> sqlx::Result<()> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.listen(RUN_UPDATED_CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        if let Ok(run_id) = notification.payload().parse::<Uuid>() {
            forward.publish(run_id);
        }
    }
}
