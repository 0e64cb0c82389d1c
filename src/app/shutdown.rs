//! The one place that knows which signals ask Ringside to stop.

/// Resolves when the process receives Ctrl-C (SIGINT) or SIGTERM.
///
/// Servers pass this to `axum::serve(..).with_graceful_shutdown(..)` so in-flight requests finish
/// before the process exits.
pub async fn signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}

/// Tells long-lived responses (the event streams of live pages) that the server is stopping, so
/// that a graceful shutdown does not wait for them forever.
#[derive(Clone, Debug)]
pub struct Stopping(std::sync::Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Stopping {
    fn default() -> Self {
        Self(std::sync::Arc::new(tokio::sync::watch::Sender::new(false)))
    }
}

impl Stopping {
    /// Marks the server as stopping; every [`Stopping::wait`] resolves.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    /// Resolves once the server is stopping (at once if it already is).
    pub async fn wait(&self) {
        let mut receiver = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = receiver.wait_for(|stopping| *stopping).await;
    }
}
