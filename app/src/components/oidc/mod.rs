//! OIDC check components: the badge on environment cards, the "Check OIDC"
//! button, the rule matrix, the latency chart and the comparison.

mod badge;
mod chart;
mod check_button;
mod compare;
mod matrix;

pub use badge::OidcBadge;
pub use chart::{latency_svg, LatencyChart, Window};
pub use check_button::CheckButton;
pub use compare::ComparisonTable;
pub use matrix::RuleMatrix;

/// `2025-03-01 14:05 UTC` from Unix milliseconds; the same text on the
/// server and in the browser.
pub fn utc_minute(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_minutes() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(1_709_301_900_000), "2024-03-01 14:05 UTC");
        assert_eq!(utc_minute(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}
