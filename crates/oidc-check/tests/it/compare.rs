//! Comparing two environments' providers.

use palette_oidc_check::compare;
use serde_json::json;

use crate::server::{check, TestServer};

#[tokio::test]
async fn compare_names_members_algorithms_key_types_and_kids_only_in_one() {
    let server = TestServer::start().await;
    let hydra = check(&server.hydra_issuer()).await;
    let keycloak = check(&server.keycloak_issuer()).await;
    let diff = compare(&hydra, &keycloak);
    assert!(diff
        .members_only_in_b
        .contains(&"introspection_endpoint".to_owned()));
    assert!(diff
        .members_only_in_a
        .contains(&"credentials_endpoint_draft_00".to_owned()));
    assert!(diff
        .members_differing
        .iter()
        .any(|d| d.member == "scopes_supported"));
    assert_eq!(
        diff.signing_algs_only_in_b,
        ["ES256", "HS256", "HS512", "PS256", "RS512"]
    );
    assert!(diff.signing_algs_only_in_a.is_empty());
    assert_eq!(diff.key_types_only_in_b, ["EC P-256"]);
    assert_eq!(
        diff.kids_only_in_a,
        ["public:9b2f1a4c-6a0e-4d8e-9a53-0c1f5e7d2b11"]
    );
    assert_eq!(diff.kids_only_in_b.len(), 3);
    assert!(!diff.is_same());
    let value = serde_json::to_value(&diff).unwrap();
    assert_eq!(value["key_types_only_in_b"], json!(["EC P-256"]));
}

#[tokio::test]
async fn same_provider_under_two_issuers_compares_equal_after_issuer_normalisation() {
    let server = TestServer::start().await;
    let a = check(&server.hydra_issuer()).await;
    let mut b = a.clone();
    let other = "https://staging.example.com/hydra/";
    b.issuer = other.to_owned();
    let text = a.discovery.as_ref().unwrap().to_string();
    let moved = text.replace(a.issuer.trim_end_matches('/'), other.trim_end_matches('/'));
    b.discovery = Some(serde_json::from_str(&moved).unwrap());
    let diff = compare(&a, &b);
    assert!(diff.is_same(), "{diff:#?}");
    b.discovery.as_mut().unwrap()["token_endpoint"] = json!("https://elsewhere.example.com/token");
    assert_eq!(compare(&a, &b).members_differing.len(), 1);
}
