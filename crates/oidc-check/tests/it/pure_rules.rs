//! Rules evaluated on plain JSON, without HTTP.

use palette_oidc_check::Status::{Fail, Pass, Skip, Warn};
use palette_oidc_check::{
    evaluate_discovery, evaluate_issuer_format, evaluate_jwks, evaluate_jwks_body, Policy,
};
use serde_json::{json, Value};

use crate::server::{HYDRA_JWKS, KEYCLOAK_DISCOVERY, KEYCLOAK_JWKS};

const HTTPS: Policy = Policy { allow_http: false };

fn find(results: &[palette_oidc_check::RuleResult], id: &str) -> palette_oidc_check::RuleResult {
    results.iter().find(|r| r.id == id).unwrap().clone()
}

fn keycloak_https() -> (String, Value) {
    let text = KEYCLOAK_DISCOVERY.replace("{{BASE}}", "https://id.example.com");
    (
        "https://id.example.com/realms/palette".into(),
        serde_json::from_str(&text).unwrap(),
    )
}

#[test]
fn https_keycloak_document_passes_every_document_rule_without_allow_http() {
    let (issuer, doc) = keycloak_https();
    for r in evaluate_discovery(&issuer, &doc, &HTTPS) {
        assert_eq!(r.status, Pass, "{r:?}");
    }
    assert_eq!(evaluate_issuer_format(&issuer, &HTTPS).status, Pass);
}

#[test]
fn http_endpoint_fails_endpoints_https_unless_http_is_allowed() {
    let (issuer, mut doc) = keycloak_https();
    doc["mtls_endpoint_aliases"]["token_endpoint"] = json!("http://id.example.com/token");
    let r = find(
        &evaluate_discovery(&issuer, &doc, &HTTPS),
        "endpoints-https",
    );
    assert_eq!(r.status, Fail);
    assert!(
        r.detail
            .contains("mtls_endpoint_aliases.token_endpoint uses http"),
        "{}",
        r.detail
    );
    let allowed = Policy { allow_http: true };
    assert_eq!(
        find(
            &evaluate_discovery(&issuer, &doc, &allowed),
            "endpoints-https"
        )
        .status,
        Pass
    );
}

#[test]
fn http_issuer_and_fragment_fail_issuer_format() {
    assert_eq!(
        evaluate_issuer_format("http://id.example.com", &HTTPS).status,
        Fail
    );
    let r = evaluate_issuer_format("https://id.example.com/#frag", &HTTPS);
    assert!(r.status == Fail && r.detail.contains("fragment"), "{r:?}");
    assert_eq!(evaluate_issuer_format("not a url", &HTTPS).status, Fail);
}

#[test]
fn non_object_discovery_skips_every_document_rule() {
    for r in evaluate_discovery("https://x", &json!("str"), &HTTPS) {
        assert_eq!(r.status, Skip, "{r:?}");
    }
}

#[test]
fn keycloak_jwks_with_standard_base64_x5c_passes() {
    let (_, doc) = keycloak_https();
    let jwks: Value = serde_json::from_str(KEYCLOAK_JWKS).unwrap();
    let x5c = jwks["keys"][0]["x5c"][0].as_str().unwrap();
    assert!(
        x5c.contains(['+', '/']),
        "x5c uses the standard base64 alphabet"
    );
    for r in evaluate_jwks(&jwks, Some(&doc)) {
        assert_eq!(r.status, Pass, "{r:?}");
    }
}

#[test]
fn ec_key_with_short_coordinate_fails_jwks_keys() {
    let jwks: Value = serde_json::from_str(KEYCLOAK_JWKS).unwrap();
    let mut jwks = jwks;
    jwks["keys"][2]["y"] = json!("AAAA");
    let r = find(&evaluate_jwks(&jwks, None), "jwks-keys");
    assert_eq!(r.status, Fail);
    assert!(
        r.detail.contains("y is 3 bytes, the curve needs 32"),
        "{}",
        r.detail
    );
}

#[test]
fn key_without_kty_fails_jwks_keys_and_unknown_kty_is_ignored() {
    let mut jwks: Value = serde_json::from_str(HYDRA_JWKS).unwrap();
    jwks["keys"]
        .as_array_mut()
        .unwrap()
        .push(json!({"kty": "PQC", "pub": "x"}));
    let r = find(&evaluate_jwks(&jwks, None), "jwks-keys");
    assert_eq!(r.status, Pass, "{r:?}");
    assert!(r.detail.contains("1 of unknown kty ignored"));
    jwks["keys"]
        .as_array_mut()
        .unwrap()
        .push(json!({"n": "AQAB"}));
    assert_eq!(find(&evaluate_jwks(&jwks, None), "jwks-keys").status, Fail);
}

#[test]
fn empty_key_set_fails_jwks_keys_and_passes_fetch() {
    let (fetch, value) = evaluate_jwks_body(br#"{"keys": []}"#);
    assert_eq!(fetch.status, Pass);
    let r = find(&evaluate_jwks(&value.unwrap(), None), "jwks-keys");
    assert!(r.status == Fail && r.detail.contains("empty set"), "{r:?}");
}

#[test]
fn eddsa_is_covered_by_an_ed25519_key_and_unknown_algs_only_warn() {
    let doc = json!({"id_token_signing_alg_values_supported": ["EdDSA", "XYZ1"]});
    let jwks = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]});
    let r = find(&evaluate_jwks(&jwks, Some(&doc)), "jwks-alg-coverage");
    assert_eq!(r.status, Warn, "{r:?}");
    assert!(r.detail.contains("XYZ1"));
}
