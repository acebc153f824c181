//! `jwks-alg-coverage`: every advertised ID token signing algorithm (other
//! than `none` and HS*, which need no published key) has a key of a matching
//! type and curve.

use serde_json::Value;

use super::keys::{KeyKind, ParsedKey};
use super::{list, show_str, str_array, StrArray, JWKS_ALG_COVERAGE};
use crate::report::RuleResult;

/// The key kinds that can verify `alg`; `None` for an algorithm this
/// checker does not know.
pub fn kinds_for(alg: &str) -> Option<Vec<KeyKind>> {
    let ec = |crv: &str| vec![KeyKind::Ec(crv.to_owned())];
    let okp = |crv: &str| KeyKind::Okp(crv.to_owned());
    Some(match alg {
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => vec![KeyKind::Rsa],
        "ES256" => ec("P-256"),
        "ES384" => ec("P-384"),
        "ES512" => ec("P-521"),
        "ES256K" => ec("secp256k1"),
        "EdDSA" => vec![okp("Ed25519"), okp("Ed448")],
        "Ed25519" => vec![okp("Ed25519")],
        "Ed448" => vec![okp("Ed448")],
        _ => return None,
    })
}

/// Whether `alg` needs no published key.
pub fn needs_no_key(alg: &str) -> bool {
    alg == "none" || alg.starts_with("HS")
}

pub fn evaluate(parsed: &[Result<ParsedKey, String>], discovery: Option<&Value>) -> RuleResult {
    let Some(doc) = discovery else {
        return RuleResult::skip(JWKS_ALG_COVERAGE, "no discovery document");
    };
    let algs = match str_array(doc, "id_token_signing_alg_values_supported") {
        StrArray::Present(algs) => algs,
        _ => {
            return RuleResult::skip(
                JWKS_ALG_COVERAGE,
                "id_token_signing_alg_values_supported missing or malformed",
            )
        }
    };
    let kinds: Vec<&KeyKind> = parsed
        .iter()
        .flatten()
        .filter(|k| k.usable_for_signing())
        .map(|k| &k.kind)
        .collect();
    let mut covered = Vec::new();
    let mut missing = Vec::new();
    let mut unknown = Vec::new();
    for alg in algs.iter().copied().filter(|a| !needs_no_key(a)) {
        match kinds_for(alg) {
            None => unknown.push(show_str(alg)),
            Some(wanted) => match wanted.iter().find(|w| kinds.contains(w)) {
                Some(kind) => covered.push(format!("{alg} ({})", kind.label())),
                None => missing.push(format!("{alg} (needs {})", wanted[0].label())),
            },
        }
    }
    if !missing.is_empty() {
        RuleResult::fail(
            JWKS_ALG_COVERAGE,
            format!("no key for {}", list(&missing, 4)),
        )
    } else if !unknown.is_empty() {
        RuleResult::warn(
            JWKS_ALG_COVERAGE,
            format!("unknown algorithms {}", list(&unknown, 4)),
        )
    } else if covered.is_empty() {
        RuleResult::pass(
            JWKS_ALG_COVERAGE,
            "no advertised algorithm needs a published key",
        )
    } else {
        RuleResult::pass(
            JWKS_ALG_COVERAGE,
            format!("keys cover {}", list(&covered, 6)),
        )
    }
}
