//! Pure rule evaluation: no I/O, so every rule can be tested (and fuzzed)
//! on plain JSON values.

pub mod coverage;
pub mod discovery;
pub mod issuer;
pub mod jwks;
pub mod keys;

use serde_json::Value;

use crate::report::RuleResult;

pub const DISCOVERY_FETCH: &str = "discovery-fetch";
pub const DISCOVERY_JSON: &str = "discovery-json";
pub const ISSUER_MATCH: &str = "issuer-match";
pub const ISSUER_FORMAT: &str = "issuer-format";
pub const REQUIRED_METADATA: &str = "required-metadata";
pub const ENDPOINTS_HTTPS: &str = "endpoints-https";
pub const SIGNING_ALGS: &str = "signing-algs";
pub const RESPONSE_TYPES: &str = "response-types";
pub const OPENID_SCOPE: &str = "openid-scope";
pub const PKCE_S256: &str = "pkce-s256";
pub const JWKS_FETCH: &str = "jwks-fetch";
pub const JWKS_KEYS: &str = "jwks-keys";
pub const JWKS_KID_UNIQUE: &str = "jwks-kid-unique";
pub const JWKS_PRIVATE_MATERIAL: &str = "jwks-private-material";
pub const JWKS_KEY_STRENGTH: &str = "jwks-key-strength";
pub const JWKS_ALG_COVERAGE: &str = "jwks-alg-coverage";
/// Extra rule, appended after [`RULE_IDS`] only when the server
/// certificate's expiry is known (https): warn under 14 days, fail when
/// expired.
pub const TLS_CERT_EXPIRY: &str = "tls-cert-expiry";

/// Every rule id, in report order.
pub const RULE_IDS: &[&str] = &[
    DISCOVERY_FETCH,
    DISCOVERY_JSON,
    ISSUER_MATCH,
    ISSUER_FORMAT,
    REQUIRED_METADATA,
    ENDPOINTS_HTTPS,
    SIGNING_ALGS,
    RESPONSE_TYPES,
    OPENID_SCOPE,
    PKCE_S256,
    JWKS_FETCH,
    JWKS_KEYS,
    JWKS_KID_UNIQUE,
    JWKS_PRIVATE_MATERIAL,
    JWKS_KEY_STRENGTH,
    JWKS_ALG_COVERAGE,
];

/// What the evaluation may accept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Accept `http` issuers and endpoints (development only).
    pub allow_http: bool,
}

/// Collects results in any order and hands them back in [`RULE_IDS`]
/// order, any rule never set being `skip`.
#[derive(Debug, Default)]
pub struct RuleSet {
    results: Vec<RuleResult>,
}

impl RuleSet {
    /// Records a result (a later one for the same id replaces it).
    pub fn set(&mut self, result: RuleResult) {
        self.results.retain(|r| r.id != result.id);
        self.results.push(result);
    }

    pub fn extend(&mut self, results: impl IntoIterator<Item = RuleResult>) {
        for r in results {
            self.set(r);
        }
    }

    /// Marks every id of `ids` not yet set as `skip` with `why`.
    pub fn skip_unset(&mut self, ids: &[&str], why: &str) {
        for id in ids {
            if !self.results.iter().any(|r| r.id == *id) {
                self.results.push(RuleResult::skip(id, why));
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<&RuleResult> {
        self.results.iter().find(|r| r.id == id)
    }

    /// Every rule of [`RULE_IDS`] in order, then any extra rules.
    pub fn into_ordered(mut self) -> Vec<RuleResult> {
        let mut out = Vec::with_capacity(RULE_IDS.len() + 1);
        for id in RULE_IDS {
            match self.results.iter().position(|r| r.id == *id) {
                Some(i) => out.push(self.results.swap_remove(i)),
                None => out.push(RuleResult::skip(id, "not evaluated")),
            }
        }
        out.extend(self.results);
        out
    }
}

/// A JSON value for a detail line: JSON-quoted (so control characters are
/// escaped) and cut to 60 characters.
pub fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 60 {
        text
    } else {
        let cut: String = text.chars().take(59).collect();
        format!("{cut}…")
    }
}

/// A string for a detail line, like [`show`].
pub fn show_str(s: &str) -> String {
    show(&Value::String(s.to_owned()))
}

/// The JSON type name of a value.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A member that should be an array of strings.
#[derive(Debug)]
pub enum StrArray<'a> {
    Absent,
    Present(Vec<&'a str>),
    /// Present with the wrong type; says what it is.
    Wrong(String),
}

pub fn str_array<'a>(doc: &'a Value, key: &str) -> StrArray<'a> {
    match doc.get(key) {
        None => StrArray::Absent,
        Some(Value::Array(items)) => {
            let strings: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            match strings {
                Some(s) => StrArray::Present(s),
                None => StrArray::Wrong(format!("{key} is an array with non-string items")),
            }
        }
        Some(other) => StrArray::Wrong(format!("{key} is {}, not an array", type_name(other))),
    }
}

/// Joins items for a detail line, at most `max` of them.
pub fn list<T: AsRef<str>>(items: &[T], max: usize) -> String {
    let mut out: Vec<&str> = items.iter().take(max).map(AsRef::as_ref).collect();
    let more;
    if items.len() > max {
        more = format!("and {} more", items.len() - max);
        out.push(&more);
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruleset_orders_rules_and_skips_unset_ones() {
        let mut set = RuleSet::default();
        set.set(RuleResult::pass(JWKS_KEYS, "ok"));
        set.set(RuleResult::pass(crate::rules::TLS_CERT_EXPIRY, "ok"));
        set.set(RuleResult::fail(DISCOVERY_FETCH, "no"));
        let out = set.into_ordered();
        let ids: Vec<&str> = out.iter().map(|r| r.id.as_str()).collect();
        let mut want = RULE_IDS.to_vec();
        want.push(TLS_CERT_EXPIRY);
        assert_eq!(ids, want);
        assert_eq!(out[1].status, crate::Status::Skip);
    }

    #[test]
    fn show_escapes_control_characters_and_truncates() {
        assert_eq!(show_str("a\nb"), "\"a\\nb\"");
        assert_eq!(show_str(&"x".repeat(100)).chars().count(), 60);
    }
}
