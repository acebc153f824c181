//! Rules on the discovery document (OpenID Connect Discovery 1.0 §3, §4).

use serde_json::Value;
use url::Url;

use super::{
    list, show, show_str, str_array, type_name, Policy, StrArray, DISCOVERY_JSON, ENDPOINTS_HTTPS,
    ISSUER_MATCH, OPENID_SCOPE, PKCE_S256, REQUIRED_METADATA, RESPONSE_TYPES, SIGNING_ALGS,
};
use crate::report::RuleResult;

/// The rules evaluated by [`evaluate_discovery`], in report order.
pub const DOCUMENT_RULES: &[&str] = &[
    ISSUER_MATCH,
    REQUIRED_METADATA,
    ENDPOINTS_HTTPS,
    SIGNING_ALGS,
    RESPONSE_TYPES,
    OPENID_SCOPE,
    PKCE_S256,
];

/// `discovery-json`: the body must be a JSON object; a Content-Type other
/// than `application/json` (parameters allowed) is a warning. Returns the
/// object when there is one.
pub fn evaluate_discovery_body(
    body: &[u8],
    content_type: Option<&str>,
) -> (RuleResult, Option<Value>) {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return (
                RuleResult::fail(DISCOVERY_JSON, format!("body is not JSON: {e}")),
                None,
            )
        }
    };
    if !value.is_object() {
        let detail = format!("body is {}, not a JSON object", type_name(&value));
        return (RuleResult::fail(DISCOVERY_JSON, detail), None);
    }
    let media = content_type
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let result = match content_type {
        _ if media == "application/json" => {
            RuleResult::pass(DISCOVERY_JSON, "JSON object served as application/json")
        }
        None => RuleResult::warn(
            DISCOVERY_JSON,
            "JSON object, but no Content-Type (want application/json)",
        ),
        Some(ct) => RuleResult::warn(
            DISCOVERY_JSON,
            format!(
                "JSON object, but Content-Type is {} (want application/json)",
                show_str(ct)
            ),
        ),
    };
    (result, Some(value))
}

/// The document rules ([`DOCUMENT_RULES`]) for the issuer checked.
pub fn evaluate_discovery(issuer: &str, doc: &Value, policy: &Policy) -> Vec<RuleResult> {
    if !doc.is_object() {
        let why = "discovery document is not a JSON object";
        return DOCUMENT_RULES
            .iter()
            .map(|id| RuleResult::skip(id, why))
            .collect();
    }
    vec![
        super::issuer::issuer_match(issuer, doc),
        required_metadata(doc),
        endpoints_https(doc, policy),
        signing_algs(doc),
        response_types(doc),
        openid_scope(doc),
        pkce_s256(doc),
    ]
}

const REQUIRED_STRINGS: &[&str] = &[
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
];
const REQUIRED_ARRAYS: &[&str] = &[
    "response_types_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
];

fn required_metadata(doc: &Value) -> RuleResult {
    let mut problems = Vec::new();
    for key in REQUIRED_STRINGS {
        match doc.get(*key) {
            None => problems.push(format!("{key} missing")),
            Some(Value::String(s)) if s.is_empty() => problems.push(format!("{key} is empty")),
            Some(Value::String(_)) => {}
            Some(other) => problems.push(format!("{key} is {}, not a string", type_name(other))),
        }
    }
    for key in REQUIRED_ARRAYS {
        match str_array(doc, key) {
            StrArray::Absent => problems.push(format!("{key} missing")),
            StrArray::Wrong(why) => problems.push(why),
            StrArray::Present(items) if items.is_empty() => {
                problems.push(format!("{key} is empty"))
            }
            StrArray::Present(items) if *key == "subject_types_supported" => {
                for bad in items
                    .iter()
                    .filter(|s| !matches!(**s, "public" | "pairwise"))
                {
                    problems.push(format!(
                        "subject_types_supported has {} (only public, pairwise)",
                        show_str(bad)
                    ));
                }
            }
            StrArray::Present(_) => {}
        }
    }
    if problems.is_empty() {
        RuleResult::pass(
            REQUIRED_METADATA,
            "all 7 REQUIRED members present with the right types",
        )
    } else {
        RuleResult::fail(REQUIRED_METADATA, list(&problems, 4))
    }
}

/// Every endpoint member: `jwks_uri`, `check_session_iframe`, `*_endpoint`,
/// and the values of `mtls_endpoint_aliases` (RFC 8705).
fn endpoint_members(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    let Some(map) = doc.as_object() else {
        return out;
    };
    for (key, value) in map {
        if key == "jwks_uri" || key == "check_session_iframe" || key.ends_with("_endpoint") {
            out.push((key.clone(), value));
        }
    }
    if let Some(aliases) = map.get("mtls_endpoint_aliases").and_then(Value::as_object) {
        for (key, value) in aliases {
            out.push((format!("mtls_endpoint_aliases.{key}"), value));
        }
    }
    out
}

fn endpoints_https(doc: &Value, policy: &Policy) -> RuleResult {
    let members = endpoint_members(doc);
    let mut problems = Vec::new();
    for (key, value) in &members {
        let Some(text) = value.as_str() else {
            problems.push(format!("{key} is {}, not a string", type_name(value)));
            continue;
        };
        match Url::parse(text) {
            Err(_) => problems.push(format!("{key} {} is not an absolute URL", show(value))),
            Ok(url) => match url.scheme() {
                "https" if url.host().is_some() => {}
                "http" if policy.allow_http && url.host().is_some() => {}
                "https" | "http" if url.host().is_none() => {
                    problems.push(format!("{key} has no host"))
                }
                other => problems.push(format!("{key} uses {other}: (https required)")),
            },
        }
    }
    if !problems.is_empty() {
        return RuleResult::fail(ENDPOINTS_HTTPS, list(&problems, 3));
    }
    let scheme = if policy.allow_http {
        "http(s) (http allowed)"
    } else {
        "https"
    };
    RuleResult::pass(
        ENDPOINTS_HTTPS,
        format!("{} endpoint URLs are absolute {scheme}", members.len()),
    )
}

fn signing_algs(doc: &Value) -> RuleResult {
    let key = "id_token_signing_alg_values_supported";
    let algs = match str_array(doc, key) {
        StrArray::Present(algs) => algs,
        StrArray::Absent => return RuleResult::fail(SIGNING_ALGS, format!("{key} missing")),
        StrArray::Wrong(why) => return RuleResult::fail(SIGNING_ALGS, why),
    };
    let shown: Vec<String> = algs.iter().map(|a| show_str(a)).collect();
    if !algs.contains(&"RS256") {
        RuleResult::fail(
            SIGNING_ALGS,
            format!("RS256 is not listed (have {})", list(&shown, 8)),
        )
    } else if algs.contains(&"none") {
        RuleResult::warn(
            SIGNING_ALGS,
            "RS256 listed, but so is none (unsigned ID tokens)",
        )
    } else {
        RuleResult::pass(SIGNING_ALGS, format!("RS256 listed ({})", list(&shown, 8)))
    }
}

fn response_types(doc: &Value) -> RuleResult {
    match str_array(doc, "response_types_supported") {
        StrArray::Present(types) if types.contains(&"code") => {
            RuleResult::pass(RESPONSE_TYPES, "code is supported")
        }
        StrArray::Present(_) => {
            RuleResult::fail(RESPONSE_TYPES, "code is not in response_types_supported")
        }
        StrArray::Absent => RuleResult::fail(RESPONSE_TYPES, "response_types_supported missing"),
        StrArray::Wrong(why) => RuleResult::fail(RESPONSE_TYPES, why),
    }
}

fn openid_scope(doc: &Value) -> RuleResult {
    match str_array(doc, "scopes_supported") {
        StrArray::Absent => {
            RuleResult::pass(OPENID_SCOPE, "scopes_supported not advertised (optional)")
        }
        StrArray::Present(scopes) if scopes.contains(&"openid") => {
            RuleResult::pass(OPENID_SCOPE, "scopes_supported includes openid")
        }
        StrArray::Present(_) => {
            RuleResult::fail(OPENID_SCOPE, "scopes_supported does not include openid")
        }
        StrArray::Wrong(why) => RuleResult::fail(OPENID_SCOPE, why),
    }
}

fn pkce_s256(doc: &Value) -> RuleResult {
    match str_array(doc, "code_challenge_methods_supported") {
        StrArray::Present(methods) if methods.contains(&"S256") => {
            RuleResult::pass(PKCE_S256, "PKCE S256 advertised")
        }
        StrArray::Present(_) => {
            RuleResult::warn(PKCE_S256, "code_challenge_methods_supported lacks S256")
        }
        StrArray::Absent => RuleResult::warn(
            PKCE_S256,
            "code_challenge_methods_supported absent (PKCE S256 not advertised)",
        ),
        StrArray::Wrong(why) => RuleResult::warn(PKCE_S256, why),
    }
}
