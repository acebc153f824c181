//! Side-by-side comparison of two environments' discovery documents and
//! keys (e.g. staging vs production).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::report::Report;
use crate::rules::keys::parse_key;
use crate::rules::{str_array, StrArray};

pub use domain::oidc::{Comparison, MemberDiff};

/// Compares two reports' discovery documents and JWKS.
pub fn compare(a: &Report, b: &Report) -> Comparison {
    let empty = serde_json::Map::new();
    let doc_a = a
        .discovery
        .as_ref()
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let doc_b = b
        .discovery
        .as_ref()
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let keys_a: BTreeSet<&String> = doc_a.keys().collect();
    let keys_b: BTreeSet<&String> = doc_b.keys().collect();
    let mut members_differing = Vec::new();
    for key in keys_a.intersection(&keys_b) {
        let (va, vb) = (&doc_a[key.as_str()], &doc_b[key.as_str()]);
        if normalize(va, &a.issuer) != normalize(vb, &b.issuer) {
            members_differing.push(MemberDiff {
                member: (*key).clone(),
                a: va.clone(),
                b: vb.clone(),
            });
        }
    }
    let (algs_a, algs_b) = (signing_algs(a), signing_algs(b));
    let (types_a, types_b) = (
        key_set(a, |k| k.kind.label().into()),
        key_set(b, |k| k.kind.label().into()),
    );
    let (kids_a, kids_b) = (key_set(a, |k| k.kid.clone()), key_set(b, |k| k.kid.clone()));
    Comparison {
        a_issuer: a.issuer.clone(),
        b_issuer: b.issuer.clone(),
        members_only_in_a: only(&keys_a, &keys_b),
        members_only_in_b: only(&keys_b, &keys_a),
        members_differing,
        signing_algs_only_in_a: only(&algs_a, &algs_b),
        signing_algs_only_in_b: only(&algs_b, &algs_a),
        key_types_only_in_a: only(&types_a, &types_b),
        key_types_only_in_b: only(&types_b, &types_a),
        kids_only_in_a: only(&kids_a, &kids_b),
        kids_only_in_b: only(&kids_b, &kids_a),
    }
}

fn only<T: Ord + ToString>(x: &BTreeSet<T>, y: &BTreeSet<T>) -> Vec<String> {
    x.difference(y).map(ToString::to_string).collect()
}

fn signing_algs(report: &Report) -> BTreeSet<String> {
    match report
        .discovery
        .as_ref()
        .map(|d| str_array(d, "id_token_signing_alg_values_supported"))
    {
        Some(StrArray::Present(algs)) => algs.into_iter().map(str::to_owned).collect(),
        _ => BTreeSet::new(),
    }
}

fn key_set(
    report: &Report,
    pick: impl Fn(&crate::rules::keys::ParsedKey) -> Option<String>,
) -> BTreeSet<String> {
    report
        .jwks
        .as_ref()
        .and_then(|j| j.get("keys"))
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(|k| parse_key(k).ok())
                .filter_map(|k| pick(&k))
                .collect()
        })
        .unwrap_or_default()
}

/// Replaces the issuer (without a trailing slash) in every string by
/// `{issuer}`.
fn normalize(value: &Value, issuer: &str) -> Value {
    let issuer = issuer.trim_end_matches('/');
    match value {
        Value::String(s) if !issuer.is_empty() => Value::String(s.replace(issuer, "{issuer}")),
        Value::Array(items) => Value::Array(items.iter().map(|v| normalize(v, issuer)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalize(v, issuer)))
                .collect(),
        ),
        other => other.clone(),
    }
}
