//! Rules on the JWK Set (RFC 7517 §5).

use std::collections::BTreeMap;

use serde_json::Value;

use super::keys::{key_name, parse_key, ParsedKey};
use super::{
    coverage, list, show_str, type_name, JWKS_ALG_COVERAGE, JWKS_FETCH, JWKS_KEYS,
    JWKS_KEY_STRENGTH, JWKS_KID_UNIQUE, JWKS_PRIVATE_MATERIAL,
};
use crate::report::RuleResult;

/// The rules evaluated by [`evaluate_jwks`], in report order.
pub const KEY_RULES: &[&str] = &[
    JWKS_KEYS,
    JWKS_KID_UNIQUE,
    JWKS_PRIVATE_MATERIAL,
    JWKS_KEY_STRENGTH,
    JWKS_ALG_COVERAGE,
];

/// Private (RSA, EC, OKP) and symmetric (`k`) members (RFC 7518 §6).
pub const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Smallest acceptable RSA modulus.
pub const MIN_RSA_BITS: usize = 2048;

/// `jwks-fetch` (body part): the body must be a JSON object with a `keys`
/// array. Any Content-Type is accepted (`application/jwk-set+json` is the
/// registered one). Returns the object when there is one.
pub fn evaluate_jwks_body(body: &[u8]) -> (RuleResult, Option<Value>) {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return (
                RuleResult::fail(JWKS_FETCH, format!("JWKS is not JSON: {e}")),
                None,
            )
        }
    };
    if !value.is_object() {
        let detail = format!("JWKS is {}, not a JSON object", type_name(&value));
        return (RuleResult::fail(JWKS_FETCH, detail), None);
    }
    let result = match value.get("keys") {
        Some(Value::Array(keys)) => {
            RuleResult::pass(JWKS_FETCH, format!("JWKS with {} keys", keys.len()))
        }
        Some(other) => RuleResult::fail(
            JWKS_FETCH,
            format!("keys is {}, not an array", type_name(other)),
        ),
        None => RuleResult::fail(JWKS_FETCH, "JWKS has no keys array"),
    };
    (result, Some(value))
}

/// The key rules ([`KEY_RULES`]) for a JWKS and, for algorithm coverage,
/// the discovery document.
pub fn evaluate_jwks(jwks: &Value, discovery: Option<&Value>) -> Vec<RuleResult> {
    let Some(keys) = jwks.get("keys").and_then(Value::as_array) else {
        return KEY_RULES
            .iter()
            .map(|id| RuleResult::skip(id, "JWKS has no keys array"))
            .collect();
    };
    let parsed: Vec<Result<ParsedKey, String>> = keys.iter().map(parse_key).collect();
    vec![
        jwks_keys(keys, &parsed),
        kid_unique(keys),
        private_material(keys),
        key_strength(keys, &parsed),
        coverage::evaluate(&parsed, discovery),
    ]
}

fn jwks_keys(keys: &[Value], parsed: &[Result<ParsedKey, String>]) -> RuleResult {
    let errors: Vec<String> = parsed
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.as_ref()
                .err()
                .map(|e| format!("{} {e}", key_name(i, &keys[i])))
        })
        .collect();
    if !errors.is_empty() {
        return RuleResult::fail(
            JWKS_KEYS,
            format!("key does not parse: {}", list(&errors, 2)),
        );
    }
    let usable = parsed
        .iter()
        .flatten()
        .filter(|k| k.usable_for_signing())
        .count();
    let ignored = parsed
        .iter()
        .flatten()
        .filter(|k| matches!(k.kind, super::keys::KeyKind::Other(_)))
        .count();
    let note = if ignored > 0 {
        format!(", {ignored} of unknown kty ignored")
    } else {
        String::new()
    };
    if usable == 0 {
        let kinds: Vec<String> = parsed.iter().flatten().map(|k| k.kind.label()).collect();
        let have = if kinds.is_empty() {
            "empty set".to_owned()
        } else {
            list(&kinds, 4)
        };
        return RuleResult::fail(JWKS_KEYS, format!("no usable signing key ({have}{note})"));
    }
    RuleResult::pass(
        JWKS_KEYS,
        format!(
            "{} keys parse, {usable} usable for signing{note}",
            keys.len()
        ),
    )
}

fn kid_unique(keys: &[Value]) -> RuleResult {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let Some(kid) = key.get("kid").and_then(Value::as_str) else {
            continue;
        };
        if let Some(first) = seen.insert(kid, i) {
            problems.push(format!(
                "kid {} is shared by keys {} and {}",
                show_str(kid),
                first + 1,
                i + 1
            ));
        }
    }
    if !problems.is_empty() {
        return RuleResult::fail(JWKS_KID_UNIQUE, list(&problems, 2));
    }
    let without = keys.len() - seen.len();
    match (keys.len(), without) {
        (0, _) => RuleResult::pass(JWKS_KID_UNIQUE, "no keys"),
        (1, 1) => RuleResult::pass(JWKS_KID_UNIQUE, "single key without kid"),
        (_, 0) => RuleResult::pass(JWKS_KID_UNIQUE, format!("{} distinct kids", seen.len())),
        _ => RuleResult::pass(
            JWKS_KID_UNIQUE,
            format!("{} distinct kids, {without} keys without kid", seen.len()),
        ),
    }
}

fn private_material(keys: &[Value]) -> RuleResult {
    let mut problems = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let found: Vec<&str> = PRIVATE_MEMBERS
            .iter()
            .copied()
            .filter(|m| key.get(m).is_some())
            .collect();
        if !found.is_empty() {
            problems.push(format!("{} has {}", key_name(i, key), found.join(", ")));
        }
    }
    if problems.is_empty() {
        RuleResult::pass(JWKS_PRIVATE_MATERIAL, "no private or symmetric key members")
    } else {
        RuleResult::fail(
            JWKS_PRIVATE_MATERIAL,
            format!("private key material published: {}", list(&problems, 2)),
        )
    }
}

fn key_strength(keys: &[Value], parsed: &[Result<ParsedKey, String>]) -> RuleResult {
    let rsa: Vec<(usize, usize)> = parsed
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.as_ref()
                .ok()
                .and_then(|k| k.rsa_bits)
                .map(|bits| (i, bits))
        })
        .collect();
    let weak: Vec<String> = rsa
        .iter()
        .filter(|(_, bits)| *bits < MIN_RSA_BITS)
        .map(|(i, bits)| format!("{} has a {bits}-bit RSA modulus", key_name(*i, &keys[*i])))
        .collect();
    if !weak.is_empty() {
        return RuleResult::fail(
            JWKS_KEY_STRENGTH,
            format!("{} (minimum {MIN_RSA_BITS})", list(&weak, 2)),
        );
    }
    match rsa.iter().map(|(_, bits)| *bits).min() {
        None => RuleResult::pass(JWKS_KEY_STRENGTH, "no RSA keys to measure"),
        Some(min) => RuleResult::pass(
            JWKS_KEY_STRENGTH,
            format!("{} RSA keys, smallest modulus {min} bits", rsa.len()),
        ),
    }
}
