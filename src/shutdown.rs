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
