//! The result of one check: rule results in a fixed order, timings and the
//! fetched documents. Stored by the app (serde) and printed by the CLI.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Longest detail line kept, in characters (longer ones end with `…`).
pub const MAX_DETAIL_CHARS: usize = 300;

/// The outcome of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule's result: a rule id from [`crate::RULE_IDS`] (or
/// [`crate::TLS_CERT_EXPIRY`]), a status and a one-line detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleResult {
    pub id: String,
    pub status: Status,
    pub detail: String,
}

impl RuleResult {
    /// Builds a result; the detail is made one line and truncated to
    /// [`MAX_DETAIL_CHARS`].
    pub fn new(id: &str, status: Status, detail: impl AsRef<str>) -> Self {
        Self {
            id: id.to_owned(),
            status,
            detail: one_line(detail.as_ref()),
        }
    }
    pub fn pass(id: &str, detail: impl AsRef<str>) -> Self {
        Self::new(id, Status::Pass, detail)
    }
    pub fn warn(id: &str, detail: impl AsRef<str>) -> Self {
        Self::new(id, Status::Warn, detail)
    }
    pub fn fail(id: &str, detail: impl AsRef<str>) -> Self {
        Self::new(id, Status::Fail, detail)
    }
    pub fn skip(id: &str, detail: impl AsRef<str>) -> Self {
        Self::new(id, Status::Skip, detail)
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

/// Wall-clock times in milliseconds; `None` when that fetch did not run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timings {
    pub discovery: Option<u64>,
    pub jwks: Option<u64>,
    pub total: u64,
}

/// The report of one issuer check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The issuer as checked (the caller's string, trimmed).
    pub issuer: String,
    /// True when no rule is `fail` (warnings allowed).
    pub ok: bool,
    /// Every rule of [`crate::RULE_IDS`] in that order, then
    /// `tls-cert-expiry` when the certificate's expiry is known.
    pub rules: Vec<RuleResult>,
    pub timings_ms: Timings,
    /// Days until the earliest-expiring server certificate seen (discovery
    /// and JWKS hosts) expires; `None` for http or when unknown.
    pub cert_days_left: Option<i64>,
    /// The discovery document when it was a JSON object.
    pub discovery: Option<Value>,
    /// The JWKS when it was a JSON object.
    pub jwks: Option<Value>,
}

impl Report {
    /// Builds a report, computing `ok` from the rules.
    pub fn new(
        issuer: String,
        rules: Vec<RuleResult>,
        timings_ms: Timings,
        cert_days_left: Option<i64>,
        discovery: Option<Value>,
        jwks: Option<Value>,
    ) -> Self {
        let ok = !rules.iter().any(|r| r.status == Status::Fail);
        Self {
            issuer,
            ok,
            rules,
            timings_ms,
            cert_days_left,
            discovery,
            jwks,
        }
    }

    /// The result of one rule, if present.
    pub fn rule(&self, id: &str) -> Option<&RuleResult> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The `--json` document of `palette check-oidc`: exactly
    /// `{"issuer", "ok", "rules": [{"id", "status", "detail"}], "timings_ms"}`.
    pub fn to_cli_json(&self) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|r| json!({"id": r.id, "status": r.status.as_str(), "detail": r.detail}))
            .collect();
        json!({
            "issuer": self.issuer,
            "ok": self.ok,
            "rules": rules,
            "timings_ms": {
                "discovery": self.timings_ms.discovery,
                "jwks": self.timings_ms.jwks,
                "total": self.timings_ms.total,
            },
        })
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
}
