//! OIDC check components: the badge on environment cards, the "Check OIDC"
//! button, the rule matrix, the latency chart and the comparison.

mod badge;
mod chart;
mod check_button;
mod compare;
mod matrix;

pub use badge::{OidcBadge, VerdictPill};
pub use chart::{latency_svg, LatencyChart, Window};
pub use check_button::CheckButton;
pub use compare::ComparisonTable;
pub use matrix::RuleMatrix;

/// `2025-03-01 14:05 UTC` from Unix milliseconds; the same text on the
/// server and in the browser.
pub use domain::time::format_minute as utc_minute;

/// The CSS class and the words for a status (`pass`, `warn`, `fail`,
/// `skip`, anything else: unknown).
pub fn status_text(status: &str) -> (&'static str, &'static str) {
    match status {
        "pass" => ("pass", "✓ pass"),
        "warn" => ("warn", "! warn"),
        "fail" => ("fail", "✗ fail"),
        "skip" => ("skip", "– skip"),
        _ => ("unknown", "? unknown"),
    }
}
