//! How checks run: what the checker may fetch and how often the scheduler
//! queues them. The server maps `PALETTE_OIDC_CHECK_*` onto these.

use std::path::PathBuf;
use std::time::Duration;

use palette_oidc_check::{CheckOptions, Checker, CheckerError};

/// Settings of the `oidc.check` handler and the scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSettings {
    /// Accept `http` issuers (development only).
    pub allow_http: bool,
    /// Connect to loopback and private addresses (refused by default).
    pub allow_private_network: bool,
    /// Extra trusted CA certificates (PEM).
    pub ca_file: Option<PathBuf>,
    /// How often every environment is checked; zero turns the scheduler off.
    pub interval: Duration,
}

impl Default for CheckSettings {
    fn default() -> Self {
        Self {
            allow_http: false,
            allow_private_network: false,
            ca_file: None,
            interval: Duration::from_secs(300),
        }
    }
}

impl CheckSettings {
    pub fn options(&self) -> CheckOptions {
        CheckOptions {
            allow_http: self.allow_http,
            allow_private_network: self.allow_private_network,
            ca_file: self.ca_file.clone(),
            ..CheckOptions::default()
        }
    }

    /// The checker the handler runs (reads the CA file now).
    pub fn checker(&self) -> Result<Checker, CheckerError> {
        Checker::new(self.options())
    }
}

/// Parses an interval: `300` or `300s` (seconds), `5m`, `1h`; `0` is off.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 300, 300s or 5m"))?;
    let secs = match unit.trim() {
        "s" => Some(value),
        "m" => value.checked_mul(60),
        "h" => value.checked_mul(3600),
        _ => None,
    };
    secs.map(Duration::from_secs)
        .ok_or_else(|| format!("{text:?} is not a duration such as 300, 300s or 5m"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_take_seconds_minutes_and_hours() {
        assert_eq!(parse_interval("300"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_interval("300s"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_interval("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_interval("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_interval("0"), Ok(Duration::ZERO));
        for bad in ["", "m", "5 minutes", "-1", "1.5m", "5d"] {
            assert!(parse_interval(bad).is_err(), "{bad:?} accepted");
        }
    }
}
