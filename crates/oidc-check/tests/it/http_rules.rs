//! Each rule through real HTTP: real-world-shaped providers pass, and a
//! broken variant of each fails (or warns) that rule.

use palette_oidc_check::Status::{Fail, Pass, Skip, Warn};
use serde_json::{json, Value};

use crate::server::{check, Route, TestServer, HYDRA_DISCOVERY_PATH, HYDRA_JWKS_PATH, RSA1024_JWK};
use crate::{assert_all_pass, assert_rule};

fn nothing(_: &mut Value) {}

/// The first key of a JWKS, mutably.
fn key0(jwks: &mut Value) -> &mut Value {
    &mut jwks["keys"][0]
}

#[tokio::test]
async fn hydra_like_provider_passes_every_rule() {
    let server = TestServer::start().await;
    let report = check(&server.hydra_issuer()).await;
    assert_all_pass(&report);
    assert!(report.timings_ms.discovery.is_some() && report.timings_ms.jwks.is_some());
    assert_eq!(report.cert_days_left, None, "http has no certificate");
    assert_eq!(
        report.discovery.as_ref().unwrap()["issuer"],
        json!(server.hydra_issuer())
    );
    assert_eq!(
        report.jwks.as_ref().unwrap()["keys"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn keycloak_like_provider_with_charset_and_jwk_set_content_type_passes_every_rule() {
    let server = TestServer::start().await;
    let report = check(&server.keycloak_issuer()).await;
    assert_all_pass(&report);
    assert_rule(&report, "jwks-alg-coverage", Pass, "ES256 (EC P-256)");
    assert_rule(&report, "jwks-keys", Pass, "3 keys parse, 2 usable");
}

#[tokio::test]
async fn single_key_without_kid_and_extra_members_pass() {
    let server = TestServer::start().await;
    server.hydra_with(
        |d| d["x_vendor_extension"] = json!({"nested": [1, 2, 3]}),
        |j| {
            key0(j).as_object_mut().unwrap().remove("kid");
            j["x_extra"] = json!(true);
        },
    );
    let report = check(&server.hydra_issuer()).await;
    assert_all_pass(&report);
    assert_rule(&report, "jwks-kid-unique", Pass, "single key without kid");
}

#[tokio::test]
async fn not_found_discovery_fails_fetch_and_skips_the_rest_with_a_reason() {
    let server = TestServer::start().await;
    let report = check(&format!("{}/nowhere", server.base)).await;
    assert_rule(&report, "discovery-fetch", Fail, "HTTP 404");
    assert_rule(&report, "issuer-format", Pass, "");
    assert_rule(
        &report,
        "required-metadata",
        Skip,
        "discovery document unavailable",
    );
    assert_rule(&report, "jwks-keys", Skip, "unavailable");
    assert!(!report.ok);
}

#[tokio::test]
async fn json_array_body_fails_discovery_json_and_html_content_type_warns() {
    let server = TestServer::start().await;
    server.set(HYDRA_DISCOVERY_PATH, Route::json(&json!([1, 2])));
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "discovery-json", Fail, "not a JSON object");
    assert_rule(&report, "issuer-match", Skip, "");

    let doc = server
        .fixture(crate::server::HYDRA_DISCOVERY)
        .to_string()
        .into_bytes();
    server.set(
        HYDRA_DISCOVERY_PATH,
        Route::typed("text/html; charset=utf-8", doc),
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "discovery-json", Warn, "text/html");
    assert!(report.ok);
}

#[tokio::test]
async fn issuer_without_the_trailing_slash_fails_issuer_match_naming_it() {
    let server = TestServer::start().await;
    let issuer = server.hydra_issuer();
    server.hydra_with(
        |d| d["issuer"] = json!(issuer.trim_end_matches('/')),
        nothing,
    );
    let report = check(&issuer).await;
    assert_rule(&report, "issuer-match", Fail, "trailing slash");
}

#[tokio::test]
async fn foreign_issuer_fails_issuer_match() {
    let server = TestServer::start().await;
    server.hydra_with(|d| d["issuer"] = json!("https://evil.example/"), nothing);
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "issuer-match", Fail, "is not the checked issuer");
}

#[tokio::test]
async fn issuer_with_a_query_fails_issuer_format() {
    let server = TestServer::start().await;
    let report = check(&format!("{}?tenant=a", server.hydra_issuer())).await;
    assert_rule(&report, "issuer-format", Fail, "query");
    assert_rule(&report, "discovery-fetch", Pass, "");
}

#[tokio::test]
async fn a_document_issuer_with_a_query_or_fragment_fails_issuer_format_too() {
    let server = TestServer::start().await;
    let issuer = server.hydra_issuer();
    for (suffix, says) in [("?tenant=a", "query"), ("#x", "fragment")] {
        let found = format!("{issuer}{suffix}");
        server.hydra_with(|d| d["issuer"] = json!(found), nothing);
        let report = check(&issuer).await;
        assert_rule(&report, "issuer-format", Fail, "the document's issuer");
        assert_rule(&report, "issuer-format", Fail, says);
        assert_rule(&report, "issuer-match", Fail, "is not the checked issuer");
    }
    // A well-formed foreign issuer is issuer-match's business only.
    server.hydra_with(|d| d["issuer"] = json!("https://evil.example/"), nothing);
    assert_rule(&check(&issuer).await, "issuer-format", Pass, "");
}

#[tokio::test]
async fn missing_token_endpoint_fails_required_metadata() {
    let server = TestServer::start().await;
    server.hydra_with(
        |d| _ = d.as_object_mut().unwrap().remove("token_endpoint"),
        nothing,
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "required-metadata", Fail, "token_endpoint missing");
}

#[tokio::test]
async fn unknown_subject_type_and_string_alg_list_fail_required_metadata() {
    let server = TestServer::start().await;
    server.hydra_with(
        |d| {
            d["subject_types_supported"] = json!(["secret"]);
            d["id_token_signing_alg_values_supported"] = json!("RS256");
        },
        nothing,
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "required-metadata", Fail, "\"secret\"");
    assert_rule(&report, "required-metadata", Fail, "not an array");
    assert_rule(&report, "jwks-alg-coverage", Skip, "malformed");
}

#[tokio::test]
async fn relative_and_javascript_endpoints_fail_endpoints_https() {
    let server = TestServer::start().await;
    server.hydra_with(
        |d| {
            d["token_endpoint"] = json!("/oauth2/token");
            d["userinfo_endpoint"] = json!("javascript:alert(1)");
        },
        nothing,
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(
        &report,
        "endpoints-https",
        Fail,
        "token_endpoint \"/oauth2/token\" is not an absolute URL",
    );
    assert_rule(
        &report,
        "endpoints-https",
        Fail,
        "userinfo_endpoint uses javascript",
    );
}

#[tokio::test]
async fn missing_rs256_fails_signing_algs_and_none_warns() {
    let server = TestServer::start().await;
    server.hydra_with(
        |d| d["id_token_signing_alg_values_supported"] = json!(["ES256"]),
        nothing,
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "signing-algs", Fail, "RS256 is not listed");

    server.hydra_with(
        |d| d["id_token_signing_alg_values_supported"] = json!(["RS256", "none"]),
        nothing,
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "signing-algs", Warn, "none");
    assert_rule(&report, "jwks-alg-coverage", Pass, "RS256");
}

#[tokio::test]
async fn missing_code_fails_response_types() {
    let server = TestServer::start().await;
    server.hydra_with(
        |d| d["response_types_supported"] = json!(["id_token", "code id_token"]),
        nothing,
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "response-types", Fail, "code is not in");
}

#[tokio::test]
async fn scopes_without_openid_fail_openid_scope() {
    let server = TestServer::start().await;
    server.hydra_with(
        |d| d["scopes_supported"] = json!(["profile", "email"]),
        nothing,
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "openid-scope", Fail, "does not include openid");
}

#[tokio::test]
async fn absent_or_plain_only_pkce_warns_pkce_s256() {
    let server = TestServer::start().await;
    server.hydra_with(
        |d| {
            _ = d
                .as_object_mut()
                .unwrap()
                .remove("code_challenge_methods_supported")
        },
        nothing,
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "pkce-s256", Warn, "absent");
    assert!(report.ok, "a warning does not fail the report");

    server.hydra_with(
        |d| d["code_challenge_methods_supported"] = json!(["plain"]),
        nothing,
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "pkce-s256", Warn, "lacks S256");
}

#[tokio::test]
async fn jwks_server_error_non_json_and_missing_keys_fail_jwks_fetch() {
    let server = TestServer::start().await;
    server.set(HYDRA_JWKS_PATH, Route::status(500));
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "jwks-fetch", Fail, "HTTP 500");
    assert_rule(&report, "jwks-keys", Skip, "JWKS unavailable");

    server.set(
        HYDRA_JWKS_PATH,
        Route::typed("application/json", b"<html>".to_vec()),
    );
    assert_rule(
        &check(&server.hydra_issuer()).await,
        "jwks-fetch",
        Fail,
        "not JSON",
    );

    server.set(
        HYDRA_JWKS_PATH,
        Route::json(&json!({"keys": {"kty": "RSA"}})),
    );
    assert_rule(
        &check(&server.hydra_issuer()).await,
        "jwks-fetch",
        Fail,
        "not an array",
    );

    server.set(HYDRA_JWKS_PATH, Route::json(&json!({"kty": "RSA"})));
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "jwks-fetch", Fail, "no keys array");
    assert_rule(&report, "jwks-alg-coverage", Skip, "");
}

#[tokio::test]
async fn padded_base64url_modulus_fails_jwks_keys() {
    let server = TestServer::start().await;
    server.hydra_with(nothing, |j| {
        let n = key0(j)["n"].as_str().unwrap().to_owned();
        key0(j)["n"] = json!(format!("{n}=="));
    });
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "jwks-keys", Fail, "n has '=' padding");
}

#[tokio::test]
async fn standard_base64_modulus_fails_jwks_keys() {
    let server = TestServer::start().await;
    server.hydra_with(nothing, |j| {
        let n = key0(j)["n"]
            .as_str()
            .unwrap()
            .replace('-', "+")
            .replace('_', "/");
        assert!(
            n.contains(['+', '/']),
            "fixture modulus has url-safe characters"
        );
        key0(j)["n"] = json!(n);
    });
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "jwks-keys", Fail, "standard base64");
}

#[tokio::test]
async fn encryption_only_jwks_fails_jwks_keys_as_unusable() {
    let server = TestServer::start().await;
    server.hydra_with(nothing, |j| key0(j)["use"] = json!("enc"));
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "jwks-keys", Fail, "no usable signing key");
}

#[tokio::test]
async fn shared_kid_fails_jwks_kid_unique() {
    let server = TestServer::start().await;
    server.hydra_with(nothing, |j| {
        let copy = key0(j).clone();
        j["keys"].as_array_mut().unwrap().push(copy);
    });
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "jwks-kid-unique", Fail, "shared by keys 1 and 2");
}

#[tokio::test]
async fn published_private_exponent_fails_jwks_private_material() {
    let server = TestServer::start().await;
    server.hydra_with(nothing, |j| {
        key0(j)["d"] = json!("c2VjcmV0");
        j["keys"]
            .as_array_mut()
            .unwrap()
            .push(json!({"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}));
    });
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "jwks-private-material", Fail, "has d");
    assert_rule(
        &report,
        "jwks-private-material",
        Fail,
        "(kid \"hmac\") has k",
    );
}

#[tokio::test]
async fn rsa_1024_key_fails_jwks_key_strength() {
    let server = TestServer::start().await;
    let weak: Value = serde_json::from_str(RSA1024_JWK).unwrap();
    server.hydra_with(nothing, |j| j["keys"].as_array_mut().unwrap().push(weak));
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "jwks-key-strength", Fail, "1024-bit");
    assert_rule(&report, "jwks-keys", Pass, "");
}

#[tokio::test]
async fn advertised_es256_without_ec_key_fails_jwks_alg_coverage() {
    let server = TestServer::start().await;
    server.hydra_with(
        |d| d["id_token_signing_alg_values_supported"] = json!(["RS256", "ES256", "HS256"]),
        nothing,
    );
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "jwks-alg-coverage", Fail, "ES256 (needs EC P-256)");
    assert!(!report
        .rule("jwks-alg-coverage")
        .unwrap()
        .detail
        .contains("HS256"));
}
