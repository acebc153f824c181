//! OIDC endpoint checks inside Palette: the `oidc.check` job handler that
//! runs [`palette_oidc_check::Checker`] on an environment's issuer and
//! stores the report, the settings it runs with, and the [`Scheduler`] that
//! queues a check of every environment periodically without duplicates.
//!
//! Workers run checks once the handler is registered:
//! `engine::oidc::register(registry, settings.checker()?)`.

mod job;
mod scheduler;
mod settings;

pub use job::{register, OidcCheckJob};
pub use palette_oidc_check::{
    compare, CheckOptions, Checker, CheckerError, Comparison, MemberDiff, Report, RuleResult,
    Status, Timings, RULE_IDS, TLS_CERT_EXPIRY,
};
pub use scheduler::{schedule_due_checks, Scheduler};
pub use settings::{parse_interval, CheckSettings};

pub use crate::store::oidc_checks::{LatencyPoint, OidcCheckRecord, Trigger};

/// The overall verdict of one check: `fail` when a rule failed, `warn` when
/// one warned, `pass` otherwise.
pub fn overall(report: &Report) -> Status {
    if !report.ok || report.rules.iter().any(|r| r.status == Status::Fail) {
        Status::Fail
    } else if report.rules.iter().any(|r| r.status == Status::Warn) {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// A rule status as a Prometheus gauge value: 1 pass, 0.5 warn, 0 fail,
/// -1 skip.
pub fn gauge_value(status: Status) -> f64 {
    match status {
        Status::Pass => 1.0,
        Status::Warn => 0.5,
        Status::Fail => 0.0,
        Status::Skip => -1.0,
    }
}
