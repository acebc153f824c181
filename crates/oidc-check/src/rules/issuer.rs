//! Rules on the issuer identifier (Discovery §2 "Issuer", §4.3).

use serde_json::Value;
use url::Url;

use super::{show_str, type_name, Policy, ISSUER_FORMAT, ISSUER_MATCH};
use crate::report::RuleResult;

/// `issuer-format`: the checked issuer must be an absolute https URL (http
/// when allowed) without query or fragment (§2 of Discovery, "Issuer").
pub fn evaluate_issuer_format(issuer: &str, policy: &Policy) -> RuleResult {
    let url = match Url::parse(issuer) {
        Ok(url) => url,
        Err(e) => {
            return RuleResult::fail(
                ISSUER_FORMAT,
                format!("{} is not an absolute URL ({e})", show_str(issuer)),
            )
        }
    };
    let mut problems = Vec::new();
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        other => problems.push(format!("scheme is {other:?}, https is required")),
    }
    if url.host().is_none() {
        problems.push("has no host".to_owned());
    }
    if url.query().is_some() {
        problems.push("has a query component".to_owned());
    }
    if url.fragment().is_some() {
        problems.push("has a fragment component".to_owned());
    }
    if !problems.is_empty() {
        return RuleResult::fail(ISSUER_FORMAT, format!("issuer {}", problems.join("; ")));
    }
    if url.scheme() == "http" {
        RuleResult::pass(
            ISSUER_FORMAT,
            "absolute http URL (http allowed), no query or fragment",
        )
    } else {
        RuleResult::pass(ISSUER_FORMAT, "absolute https URL, no query or fragment")
    }
}

/// `issuer-format` again, on the `issuer` member of the fetched document
/// when it is not the issuer that was asked for: it must pass the same rule
/// (no query, no fragment; Discovery §3). `None` when it does, or when it
/// is the asked issuer (judged already) or not a string (`issuer-match`
/// reports that).
pub fn document_issuer_format(issuer: &str, doc: &Value, policy: &Policy) -> Option<RuleResult> {
    let found = doc.get("issuer")?.as_str()?;
    if found == issuer {
        return None;
    }
    let rule = evaluate_issuer_format(found, policy);
    (rule.status == crate::Status::Fail).then(|| {
        RuleResult::fail(
            ISSUER_FORMAT,
            format!("the document's issuer {}: {}", show_str(found), rule.detail),
        )
    })
}

pub(super) fn issuer_match(issuer: &str, doc: &Value) -> RuleResult {
    let found = match doc.get("issuer") {
        None => return RuleResult::fail(ISSUER_MATCH, "document has no issuer member"),
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return RuleResult::fail(
                ISSUER_MATCH,
                format!("issuer is {}, not a string", type_name(other)),
            )
        }
    };
    if found == issuer {
        RuleResult::pass(
            ISSUER_MATCH,
            format!("issuer {} matches exactly", show_str(found)),
        )
    } else if found.trim_end_matches('/') == issuer.trim_end_matches('/') {
        RuleResult::fail(
            ISSUER_MATCH,
            format!(
                "issuer differs by a trailing slash: document has {}, checked {}",
                show_str(found),
                show_str(issuer)
            ),
        )
    } else {
        RuleResult::fail(
            ISSUER_MATCH,
            format!(
                "document issuer {} is not the checked issuer {}",
                show_str(found),
                show_str(issuer)
            ),
        )
    }
}
