//! Trusted proxies (`PALETTE_TRUSTED_PROXIES`): `X-Forwarded-For`,
//! `-Proto`, `-Host` and `X-Request-Id` are believed only from a trusted
//! peer. The harness connects from 127.0.0.1, so each test trusts loopback
//! (Palette behind a proxy) or only another network (a client connecting
//! directly, whatever headers it sends).

use reqwest::Method;
use serde_json::Value;
use server::forwarded::TrustedProxies;

use crate::support::{spawn_app_with, TestApp};

async fn spawn_trusting(cidrs: &[&str]) -> TestApp {
    let trusted = TrustedProxies::parse(cidrs).unwrap();
    spawn_app_with(testkit::sqlite(), true, move |config| {
        config.trusted_proxies = trusted;
    })
    .await
}

/// Alice's dev login, through a proxy that forwarded for `203.0.113.9`
/// (behind a client that claims `198.51.100.7`) with its request id.
async fn login_forwarded(app: &TestApp) -> reqwest::Response {
    let csrf = app.csrf().await;
    app.client
        .post(app.url("/auth/dev-login"))
        .header("origin", app.origin())
        .header("x-forwarded-for", "198.51.100.7, 203.0.113.9")
        .header("x-request-id", "trace-proxy-1")
        .form(&[("user", "alice"), ("_csrf", &csrf), ("return_to", "/")])
        .send()
        .await
        .unwrap()
}

/// Locks blue through the API, forwarded for `203.0.113.10`.
async fn lock_forwarded(app: &TestApp) {
    let csrf = app.csrf().await;
    let response = app
        .client
        .request(Method::POST, app.url("/api/v1/environments/blue/lock"))
        .header("origin", app.origin())
        .header("x-csrf-token", csrf)
        .header("x-forwarded-for", "203.0.113.10")
        .header("x-request-id", "trace-proxy-2")
        .json(&serde_json::json!({ "reason": "behind the proxy" }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

/// The audit events of `action`, newest first.
async fn audit(app: &TestApp, action: &str) -> Vec<Value> {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/audit?action={action}")))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_and_request_id_are_audited() {
    let app = spawn_trusting(&["127.0.0.0/8"]).await;
    let response = login_forwarded(&app).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["x-request-id"], "trace-proxy-1");
    lock_forwarded(&app).await;

    let login = &audit(&app, "auth.login").await[0];
    // The right-most untrusted hop: what the client itself wrote on the
    // left is not believed.
    assert_eq!(login["client"], "203.0.113.9");
    assert_eq!(login["request_id"], "trace-proxy-1");
    let lock = &audit(&app, "environment.lock").await[0];
    assert_eq!(lock["client"], "203.0.113.10", "{lock}");
    assert_eq!(lock["request_id"], "trace-proxy-2");
}

#[tokio::test]
async fn from_an_untrusted_peer_forwarded_headers_and_request_ids_are_ignored() {
    let app = spawn_trusting(&["10.0.0.0/8"]).await;
    let response = login_forwarded(&app).await;
    assert_eq!(response.status(), 303);
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "trace-proxy-1", "an untrusted peer's id is replaced");
    assert_eq!(id.len(), 36, "a new UUID: {id}");
    lock_forwarded(&app).await;

    for action in ["auth.login", "environment.lock"] {
        let event = &audit(&app, action).await[0];
        assert_eq!(event["client"], "127.0.0.1", "{event}");
        let request_id = event["request_id"].as_str().unwrap_or_default();
        assert!(!request_id.starts_with("trace-proxy"), "{event}");
    }
}

/// Without `PALETTE_PUBLIC_URL`, the origin a browser sees behind a proxy
/// is the one the proxy forwards, and only a trusted proxy's counts.
async fn login_from_forwarded_origin(app: &TestApp) -> reqwest::StatusCode {
    let csrf = app.csrf().await;
    app.client
        .post(app.url("/auth/dev-login"))
        .header("origin", "https://palette.example.com")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "palette.example.com")
        .form(&[("user", "alice"), ("_csrf", &csrf), ("return_to", "/")])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_origin_check_follows_forwarded_proto_and_host_only_from_a_trusted_proxy() {
    let trusted = spawn_trusting(&["127.0.0.1"]).await;
    assert_eq!(login_from_forwarded_origin(&trusted).await, 303);
    let untrusted = spawn_trusting(&["10.0.0.0/8"]).await;
    assert_eq!(login_from_forwarded_origin(&untrusted).await, 403);
}

#[tokio::test]
async fn a_configured_public_url_is_the_origin_whatever_a_trusted_proxy_forwards() {
    let trusted = TrustedProxies::parse(&["127.0.0.1"]).unwrap();
    let app = spawn_app_with(testkit::sqlite(), true, move |config| {
        config.trusted_proxies = trusted;
        config.public_url = Some("http://127.0.0.1:9".to_owned());
    })
    .await;
    assert_eq!(login_from_forwarded_origin(&app).await, 403);
}
