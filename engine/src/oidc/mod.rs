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
    domain::oidc::overall(report.ok, &report.rules)
}

/// A rule status as a Prometheus gauge value: 1 pass, 0.5 warn, 0 fail,
/// -1 skip.
pub fn gauge_value(status: Status) -> f64 {
    status.gauge_value()
}

/// The matrix's columns: every rule id, in report order.
pub fn rule_columns() -> Vec<String> {
    RULE_IDS
        .iter()
        .copied()
        .chain([TLS_CERT_EXPIRY])
        .map(str::to_owned)
        .collect()
}
