//! The result of one check: rule results in a fixed order, timings and the
//! fetched documents. Stored by the app (serde) and printed by the CLI.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use domain::oidc::{one_line, RuleResult, RuleStatus as Status, Timings, MAX_DETAIL_CHARS};

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
