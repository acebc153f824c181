//! Tracing output for tests: silent unless `TEST_LOG` is set.
//!
//! - `TEST_LOG` unset, empty or `0`: no subscriber, nothing printed.
//! - `TEST_LOG=1` (or `true`): the filter from `RUST_LOG`, else
//!   [`DEFAULT_FILTER`].
//! - any other value is the filter itself: `TEST_LOG=engine::queue=debug`.
//!
//! Events go through libtest's output capture: shown for failing tests, or
//! for every test with `--nocapture`.

use std::io::IsTerminal;
use std::sync::Once;

use tracing_subscriber::EnvFilter;

/// The filter `TEST_LOG=1` uses when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// Installs the test subscriber once per process when `TEST_LOG` asks for
/// it; later calls do nothing. Panics when the filter does not parse.
pub fn init_tracing() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let test_log = std::env::var("TEST_LOG").ok();
        let rust_log = std::env::var("RUST_LOG").ok();
        let Some(directives) = filter(test_log.as_deref(), rust_log.as_deref()) else {
            return;
        };
        let filter = EnvFilter::try_new(&directives)
            .unwrap_or_else(|e| panic!("TEST_LOG: {directives:?} is not a tracing filter: {e}"));
        // Another subscriber may already be global (a test that called the
        // server's own telemetry): keep that one.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(std::io::stdout().is_terminal())
            .with_test_writer()
            .try_init();
    });
}

/// The filter directives for these `TEST_LOG` and `RUST_LOG` values, or
/// `None` for silence.
fn filter(test_log: Option<&str>, rust_log: Option<&str>) -> Option<String> {
    match test_log.map(str::trim) {
        None | Some("" | "0" | "false") => None,
        Some("1" | "true") => Some(
            rust_log
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .unwrap_or(DEFAULT_FILTER)
                .to_owned(),
        ),
        Some(directives) => Some(directives.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::{filter, DEFAULT_FILTER};

    #[test]
    fn unset_empty_or_zero_test_log_is_silent_whatever_rust_log_says() {
        for test_log in [None, Some(""), Some("0"), Some("false"), Some("  ")] {
            assert_eq!(filter(test_log, Some("debug")), None, "{test_log:?}");
        }
    }

    #[test]
    fn test_log_1_takes_rust_log_or_the_default() {
        assert_eq!(filter(Some("1"), None).as_deref(), Some(DEFAULT_FILTER));
        assert_eq!(
            filter(Some("true"), Some("")).as_deref(),
            Some(DEFAULT_FILTER)
        );
        assert_eq!(
            filter(Some("1"), Some("engine=trace")).as_deref(),
            Some("engine=trace")
        );
    }

    #[test]
    fn any_other_test_log_is_the_filter_itself() {
        assert_eq!(
            filter(Some("engine::queue=debug"), Some("warn")).as_deref(),
            Some("engine::queue=debug")
        );
    }

    #[test]
    fn the_default_filter_parses() {
        assert!(tracing_subscriber::EnvFilter::try_new(DEFAULT_FILTER).is_ok());
    }
}
