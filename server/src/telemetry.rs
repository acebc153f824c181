//! Log output: human-readable by default, JSON with `PALETTE_LOG_FORMAT=json`.
//! The filter comes from `PALETTE_LOG` (then `RUST_LOG`), default `info`.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = std::env::var("PALETTE_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info,sqlx=warn".to_owned());
    let builder = tracing_subscriber::fmt().with_env_filter(EnvFilter::new(filter));
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
    // Already initialised (tests start several servers): keep the first.
    drop(result);
}
