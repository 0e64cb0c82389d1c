//! The one place that sets up logging.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Default log filter when `RUST_LOG` is unset.
const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_sessions=warn";

/// Installs the global subscriber: human-readable lines on a terminal, JSON lines when
/// `RINGSIDE_LOG_FORMAT=json` (for log collectors). Safe to call more than once.
pub fn init() {
    init_with_default(DEFAULT_FILTER);
}

/// Like [`init`], with `default_filter` when `RUST_LOG` is unset.
pub fn init_with_default(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("RINGSIDE_LOG_FORMAT").is_ok_and(|format| format == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_target(false);
    let result = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
    // A second call (tests) finds a subscriber already installed; that is fine.
    drop(result);
}
