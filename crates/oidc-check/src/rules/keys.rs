//! Parsing one JWK (RFC 7517, RFC 7518 §6, RFC 8037) far enough to judge it:
//! type, curve, use, kid, RSA modulus size and base64url well-formedness.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{Map, Value};

use super::{show_str, type_name};

/// Key type and curve, e.g. `RSA`, `EC P-256`, `OKP Ed25519`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyKind {
    Rsa,
    Ec(String),
    Okp(String),
    Oct,
    /// A `kty` this checker does not know (ignored, RFC 7517 §5).
    Other(String),
}

impl KeyKind {
    /// `RSA`, `EC P-256`, `OKP Ed25519`, `oct`, or the unknown kty.
    pub fn label(&self) -> String {
        match self {
            KeyKind::Rsa => "RSA".to_owned(),
            KeyKind::Ec(crv) => format!("EC {crv}"),
            KeyKind::Okp(crv) => format!("OKP {crv}"),
            KeyKind::Oct => "oct".to_owned(),
            KeyKind::Other(kty) => kty.clone(),
        }
    }
}

/// A key that parsed.
#[derive(Debug, Clone)]
pub struct ParsedKey {
    pub kid: Option<String>,
    pub kind: KeyKind,
    /// `use` absent or `sig`, and `key_ops` (if any) allows `verify`.
    pub for_signing: bool,
    /// Size of an RSA modulus, leading zero bytes ignored.
    pub rsa_bits: Option<usize>,
}

impl ParsedKey {
    /// A key a relying party can verify ID token signatures with.
    pub fn usable_for_signing(&self) -> bool {
        self.for_signing
            && match &self.kind {
                KeyKind::Rsa | KeyKind::Ec(_) => true,
                KeyKind::Okp(crv) => crv == "Ed25519" || crv == "Ed448",
                KeyKind::Oct | KeyKind::Other(_) => false,
            }
    }
}

/// How a key is named in detail lines: `key 2 (kid "abc")`.
pub fn key_name(index: usize, key: &Value) -> String {
    match key.get("kid").and_then(Value::as_str) {
        Some(kid) => format!("key {} (kid {})", index + 1, show_str(kid)),
        None => format!("key {}", index + 1),
    }
}

/// Decodes an unpadded base64url member (RFC 7515 §2), naming what is wrong.
pub fn decode_b64url(name: &str, value: &Value) -> Result<Vec<u8>, String> {
    let Some(text) = value.as_str() else {
        return Err(format!("{name} is {}, not a string", type_name(value)));
    };
    if text.is_empty() {
        return Err(format!("{name} is empty"));
    }
    if text.contains('=') {
        return Err(format!(
            "{name} has '=' padding (base64url must be unpadded)"
        ));
    }
    if text.contains(['+', '/']) {
        return Err(format!(
            "{name} uses standard base64 '+' or '/' (base64url needed)"
        ));
    }
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| format!("{name} is not valid base64url ({e})"))
}

fn member<'a>(map: &'a Map<String, Value>, name: &str) -> Result<&'a Value, String> {
    map.get(name).ok_or_else(|| format!("{name} missing"))
}

fn optional_str<'a>(map: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{name} is {}, not a string", type_name(other))),
    }
}

/// Byte length of a coordinate for a curve, when the curve is known.
fn coordinate_len(kty: &str, crv: &str) -> Option<usize> {
    match (kty, crv) {
        ("EC", "P-256" | "secp256k1") | ("OKP", "Ed25519" | "X25519") => Some(32),
        ("EC", "P-384") => Some(48),
        ("EC", "P-521") => Some(66),
        ("OKP", "Ed448") => Some(57),
        ("OKP", "X448") => Some(56),
        _ => None,
    }
}

fn coordinate(map: &Map<String, Value>, name: &str, len: usize) -> Result<(), String> {
    let bytes = decode_b64url(name, member(map, name)?)?;
    if bytes.len() == len {
        Ok(())
    } else {
        Err(format!(
            "{name} is {} bytes, the curve needs {len}",
            bytes.len()
        ))
    }
}

/// Parses one key of a JWKS; `Err` says why it does not parse.
pub fn parse_key(key: &Value) -> Result<ParsedKey, String> {
    let Some(map) = key.as_object() else {
        return Err(format!("is {}, not an object", type_name(key)));
    };
    let kty = optional_str(map, "kty")?.ok_or("kty missing")?;
    let kid = optional_str(map, "kid")?.map(str::to_owned);
    let key_use = optional_str(map, "use")?;
    optional_str(map, "alg")?;
    let ops_allow_verify = match map.get("key_ops") {
        None => true,
        Some(Value::Array(ops)) => ops.iter().any(|op| op.as_str() == Some("verify")),
        Some(other) => return Err(format!("key_ops is {}, not an array", type_name(other))),
    };
    for name in ["x5t", "x5t#S256"] {
        if let Some(value) = map.get(name) {
            decode_b64url(name, value)?;
        }
    }
    if let Some(chain) = map.get("x5c") {
        let certs = chain.as_array().ok_or("x5c is not an array")?;
        for cert in certs {
            // RFC 7517 §4.7: standard base64 (padding allowed), not base64url.
            let text = cert.as_str().ok_or("x5c has a non-string item")?;
            STANDARD
                .decode(text)
                .map_err(|e| format!("x5c item is not standard base64 ({e})"))?;
        }
    }
    let mut rsa_bits = None;
    let kind = match kty {
        "RSA" => {
            let n = decode_b64url("n", member(map, "n")?)?;
            decode_b64url("e", member(map, "e")?)?;
            let significant = n.iter().skip_while(|b| **b == 0).count();
            let top = n.iter().find(|b| **b != 0).copied().unwrap_or(0);
            rsa_bits = Some(significant.saturating_sub(1) * 8 + (8 - top.leading_zeros() as usize));
            KeyKind::Rsa
        }
        "EC" | "OKP" => {
            let crv = optional_str(map, "crv")?.ok_or("crv missing")?;
            let len = coordinate_len(kty, crv)
                .ok_or_else(|| format!("unsupported {kty} curve {}", show_str(crv)))?;
            coordinate(map, "x", len)?;
            if kty == "EC" {
                coordinate(map, "y", len)?;
                KeyKind::Ec(crv.to_owned())
            } else {
                KeyKind::Okp(crv.to_owned())
            }
        }
        "oct" => KeyKind::Oct,
        other => KeyKind::Other(other.to_owned()),
    };
    Ok(ParsedKey {
        kid,
        kind,
        for_signing: key_use.is_none_or(|u| u == "sig") && ops_allow_verify,
        rsa_bits,
    })
}
