//! OIDC endpoint checks as everyone sees them: rule results, stored checks,
//! latency points, the matrix and comparisons. The checker
//! (`palette-oidc-check`) produces these types; the store keeps them; the
//! REST API and the pages show them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest detail line kept, in characters (longer ones end with `…`).
pub const MAX_DETAIL_CHARS: usize = 300;

crate::string_enum!(
    /// The outcome of one rule, or of a whole check.
    RuleStatus, "status" { Pass => "pass", Warn => "warn", Fail => "fail", Skip => "skip" }
);

impl RuleStatus {
    /// As a Prometheus gauge value: 1 pass, 0.5 warn, 0 fail, -1 skip.
    pub fn gauge_value(self) -> f64 {
        match self {
            Self::Pass => 1.0,
            Self::Warn => 0.5,
            Self::Fail => 0.0,
            Self::Skip => -1.0,
        }
    }
}

/// One rule's result: a rule id, a status and a one-line detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleResult {
    pub id: String,
    pub status: RuleStatus,
    pub detail: String,
}

impl RuleResult {
    /// Builds a result; the detail is made one line and truncated to
    /// [`MAX_DETAIL_CHARS`].
    pub fn new(id: &str, status: RuleStatus, detail: impl AsRef<str>) -> Self {
        Self {
            id: id.to_owned(),
            status,
            detail: one_line(detail.as_ref()),
        }
    }
    pub fn pass(id: &str, detail: impl AsRef<str>) -> Self {
        Self::new(id, RuleStatus::Pass, detail)
    }
    pub fn warn(id: &str, detail: impl AsRef<str>) -> Self {
        Self::new(id, RuleStatus::Warn, detail)
    }
    pub fn fail(id: &str, detail: impl AsRef<str>) -> Self {
        Self::new(id, RuleStatus::Fail, detail)
    }
    pub fn skip(id: &str, detail: impl AsRef<str>) -> Self {
        Self::new(id, RuleStatus::Skip, detail)
    }
}

/// Replaces control characters (newlines, ANSI escapes) with spaces and
/// truncates to [`MAX_DETAIL_CHARS`] characters.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_DETAIL_CHARS * 4));
    let mut chars = s.chars().peekable();
    let mut count = 0;
    while let Some(c) = chars.next() {
        if count + 1 == MAX_DETAIL_CHARS && chars.peek().is_some() {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
        count += 1;
    }
    out
}

/// The verdict of a whole check: `fail` when it is not ok or a rule failed,
/// `warn` when one warned, `pass` otherwise.
pub fn overall(ok: bool, rules: &[RuleResult]) -> RuleStatus {
    if !ok || rules.iter().any(|r| r.status == RuleStatus::Fail) {
        RuleStatus::Fail
    } else if rules.iter().any(|r| r.status == RuleStatus::Warn) {
        RuleStatus::Warn
    } else {
        RuleStatus::Pass
    }
}

/// An environment's newest check in brief: its verdict, when, and the job
/// that ran it (none for checks a promotion's verification stored before
/// jobs were recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OidcVerdict {
    pub status: RuleStatus,
    /// Unix milliseconds.
    pub at: i64,
    pub job: Option<crate::JobId>,
}

/// Wall-clock times in milliseconds; `None` when that fetch did not run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timings {
    pub discovery: Option<u64>,
    pub jwks: Option<u64>,
    pub total: u64,
}

crate::string_enum!(
    /// Why a check ran.
    Trigger, "trigger" { Manual => "manual", Schedule => "schedule", Promotion => "promotion" }
);

/// One stored check of an environment's issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OidcCheck {
    /// Unix milliseconds.
    pub at: i64,
    /// True when no rule failed.
    pub ok: bool,
    /// The verdict: `pass`, `warn` or `fail`.
    pub status: RuleStatus,
    pub rules: Vec<RuleResult>,
    pub timings_ms: Timings,
    pub trigger: Trigger,
}

/// An environment's check results, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OidcCheckList {
    pub items: Vec<OidcCheck>,
}

/// One check's timings, for latency charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatencyPoint {
    pub at: i64,
    pub ok: bool,
    pub discovery_ms: Option<i64>,
    pub jwks_ms: Option<i64>,
    pub total_ms: i64,
}

/// An environment's timings since some time, oldest first, with the
/// server's clock so the browser draws the chart the server drew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencySeries {
    pub now: i64,
    pub points: Vec<LatencyPoint>,
}

/// One row of the OIDC matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRow {
    pub environment: crate::EnvironmentName,
    pub check: Option<OidcCheck>,
}

/// Every visible environment with its newest check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcMatrix {
    /// The rule ids, in report order (the matrix columns).
    pub rules: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

/// A member present on both sides with different values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberDiff {
    pub member: String,
    pub a: Value,
    pub b: Value,
}

/// What differs between two checks' discovery documents and keys. Lists
/// are sorted; an empty list means no difference of that kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub a_issuer: String,
    pub b_issuer: String,
    pub members_only_in_a: Vec<String>,
    pub members_only_in_b: Vec<String>,
    /// Values compared after replacing each side's own issuer in strings by
    /// `{issuer}`, so endpoints that differ only by host are equal; the raw
    /// values are kept.
    pub members_differing: Vec<MemberDiff>,
    pub signing_algs_only_in_a: Vec<String>,
    pub signing_algs_only_in_b: Vec<String>,
    /// Key types and curves, e.g. `RSA`, `EC P-256`.
    pub key_types_only_in_a: Vec<String>,
    pub key_types_only_in_b: Vec<String>,
    pub kids_only_in_a: Vec<String>,
    pub kids_only_in_b: Vec<String>,
}

impl Comparison {
    /// True when nothing differs.
    pub fn is_same(&self) -> bool {
        self.members_only_in_a.is_empty()
            && self.members_only_in_b.is_empty()
            && self.members_differing.is_empty()
            && self.signing_algs_only_in_a.is_empty()
            && self.signing_algs_only_in_b.is_empty()
            && self.key_types_only_in_a.is_empty()
            && self.key_types_only_in_b.is_empty()
            && self.kids_only_in_a.is_empty()
            && self.kids_only_in_b.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_strips_control_characters_and_truncates() {
        assert_eq!(one_line("a\nb\x1b[31mc"), "a b [31mc");
        let long = "é".repeat(1000);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), MAX_DETAIL_CHARS);
        assert!(cut.ends_with('…'));
        let exact = "x".repeat(MAX_DETAIL_CHARS);
        assert_eq!(one_line(&exact), exact);
    }

    #[test]
    fn the_verdict_is_the_worst_rule() {
        let rules = [RuleResult::pass("a", ""), RuleResult::warn("b", "")];
        assert_eq!(overall(true, &rules), RuleStatus::Warn);
        assert_eq!(overall(true, &rules[..1]), RuleStatus::Pass);
        assert_eq!(overall(false, &rules[..1]), RuleStatus::Fail);
    }
}
