//! Run updates from any process, to every open live page: one `LISTEN run_updated` connection
//! per process, fanned out to subscribers through a broadcast channel.

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

/// A handle to subscribe to run updates.
#[derive(Clone)]
pub struct RunUpdates {
    sender: broadcast::Sender<Uuid>,
}

impl RunUpdates {
    /// Starts listening on the database in a background task.
    pub fn listen(db: PgPool) -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        let updates = Self { sender };
        let forward = updates.sender.clone();
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

    /// Receives the id of every run stored from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Uuid> {
        self.sender.subscribe()
    }
}

async fn forward_notifications(db: &PgPool, forward: &broadcast::Sender<Uuid>) -> sqlx::Result<()> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.listen(RUN_UPDATED_CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        if let Ok(run_id) = notification.payload().parse::<Uuid>() {
            // No subscribers is fine: nobody is watching.
            let _ = forward.send(run_id);
        }
    }
}
