//! Fetch limits through real HTTP: redirects, body cap, timeout, SSRF guard.

use std::time::{Duration, Instant};

use palette_oidc_check::fetch::{build_client, fetch, FetchError, FetchPolicy};
use palette_oidc_check::ssrf::AddrPolicy;
use palette_oidc_check::Status::{Fail, Pass};
use palette_oidc_check::{CheckOptions, Checker};
use serde_json::json;

use crate::assert_rule;
use crate::server::{
    check, local_options, Route, TestServer, HYDRA_DISCOVERY, HYDRA_DISCOVERY_PATH,
};

const WELL_KNOWN: &str = "/.well-known/openid-configuration";

/// `/chainN` redirects N times (/chainN/hop1 … ) before the Hydra document
/// with issuer `/chainN`.
fn redirect_chain(server: &TestServer, n: usize) -> String {
    let issuer = format!("{}/chain{n}", server.base);
    let final_path = format!("/chain{n}/final");
    let mut doc = server.fixture(HYDRA_DISCOVERY);
    doc["issuer"] = json!(issuer);
    server.set(&final_path, Route::json(&doc));
    let mut from = format!("/chain{n}{WELL_KNOWN}");
    for hop in 1..n {
        let to = format!("/chain{n}/hop{hop}");
        server.set(&from, Route::Redirect(to.clone()));
        from = to;
    }
    server.set(&from, Route::Redirect(final_path));
    issuer
}

#[tokio::test]
async fn three_redirects_are_followed() {
    let server = TestServer::start().await;
    let report = check(&redirect_chain(&server, 3)).await;
    assert_rule(&report, "discovery-fetch", Pass, "after 3 redirects");
    assert_rule(&report, "issuer-match", Pass, "");
}

#[tokio::test]
async fn four_redirects_fail_discovery_fetch() {
    let server = TestServer::start().await;
    let report = check(&redirect_chain(&server, 4)).await;
    assert_rule(&report, "discovery-fetch", Fail, "more than 3 redirects");
}

#[tokio::test]
async fn redirect_loop_fails_discovery_fetch() {
    let server = TestServer::start().await;
    server.set(
        &format!("/loop{WELL_KNOWN}"),
        Route::Redirect("/loop/b".into()),
    );
    server.set(
        "/loop/b",
        Route::Redirect(format!("{}/loop{WELL_KNOWN}", server.base)),
    );
    let report = check(&format!("{}/loop", server.base)).await;
    assert_rule(&report, "discovery-fetch", Fail, "redirect loop");
}

#[tokio::test]
async fn declared_body_over_one_mib_fails_discovery_fetch() {
    let server = TestServer::start().await;
    let body = vec![b' '; 1024 * 1024 + 1];
    server.set(HYDRA_DISCOVERY_PATH, Route::typed("application/json", body));
    let report = check(&server.hydra_issuer()).await;
    assert_rule(
        &report,
        "discovery-fetch",
        Fail,
        "exceeds the cap of 1048576 bytes",
    );
}

#[tokio::test]
async fn endless_chunked_body_is_cut_at_the_cap_not_the_timeout() {
    let server = TestServer::start().await;
    server.set(HYDRA_DISCOVERY_PATH, Route::Endless);
    let start = Instant::now();
    let report = check(&server.hydra_issuer()).await;
    assert_rule(&report, "discovery-fetch", Fail, "exceeds the cap");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn slow_response_beyond_the_timeout_fails_discovery_fetch() {
    let server = TestServer::start().await;
    let body = server.fixture(HYDRA_DISCOVERY).to_string().into_bytes();
    server.set(
        HYDRA_DISCOVERY_PATH,
        Route::Body {
            status: 200,
            content_type: Some("application/json".into()),
            body,
            delay: Duration::from_secs(5),
        },
    );
    let checker = Checker::new(CheckOptions {
        timeout: Duration::from_millis(800),
        ..local_options()
    })
    .unwrap();
    let start = Instant::now();
    let report = checker.check(&server.hydra_issuer()).await;
    assert_rule(&report, "discovery-fetch", Fail, "timed out after 800 ms");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn loopback_issuer_is_refused_when_private_networks_are_not_allowed() {
    let server = TestServer::start().await;
    let checker = Checker::new(CheckOptions {
        allow_http: true,
        ..CheckOptions::default()
    })
    .unwrap();
    // An IP literal is refused before connecting…
    let report = checker.check(&server.hydra_issuer()).await;
    assert_rule(&report, "discovery-fetch", Fail, "refused by SSRF guard");
    // …and a name is refused after DNS resolution.
    let by_name = server.hydra_issuer().replace("127.0.0.1", "localhost");
    let report = checker.check(&by_name).await;
    assert_rule(
        &report,
        "discovery-fetch",
        Fail,
        "refused by SSRF guard: localhost resolves to",
    );
}

#[tokio::test]
async fn http_issuer_is_refused_unless_http_is_allowed() {
    let server = TestServer::start().await;
    let checker = Checker::new(CheckOptions {
        allow_private_network: true,
        ..CheckOptions::default()
    })
    .unwrap();
    let report = checker.check(&server.hydra_issuer()).await;
    assert_rule(&report, "discovery-fetch", Fail, "http is not allowed");
    assert_rule(&report, "issuer-format", Fail, "https is required");
}

fn trusting_only_the_test_server() -> FetchPolicy {
    FetchPolicy {
        allow_http: true,
        addrs: AddrPolicy {
            allow_private: false,
            trusted: vec!["127.0.0.1".parse().unwrap()],
        },
        timeout: Duration::from_secs(5),
        max_body_bytes: 1024 * 1024,
        max_redirects: 3,
    }
}

#[tokio::test]
async fn redirect_to_a_private_host_is_refused_when_private_networks_are_not_allowed() {
    let server = TestServer::start().await;
    let policy = trusting_only_the_test_server();
    let client = build_client(&policy, Vec::new()).unwrap();
    // The first hop itself is allowed (the server's address is trusted)…
    let direct = fetch(
        &client,
        &policy,
        &format!("{}{HYDRA_DISCOVERY_PATH}", server.base),
    )
    .await;
    assert_eq!(direct.unwrap().status, 200);
    // …but a redirect to another loopback address or to [::1] is refused.
    let port = server.base.rsplit(':').next().unwrap();
    for target in [
        format!("http://127.0.0.2:{port}/x"),
        format!("http://[::1]:{port}/x"),
    ] {
        server.set("/to-private", Route::Redirect(target.clone()));
        let err = fetch(&client, &policy, &format!("{}/to-private", server.base))
            .await
            .unwrap_err();
        match err {
            FetchError::Disallowed { url, reason } => {
                assert!(url.starts_with(&target[..12]), "{url}");
                assert!(reason.contains("loopback"), "{reason}");
            }
            other => panic!("{target}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn redirect_to_a_non_http_scheme_is_refused() {
    let server = TestServer::start().await;
    server.set(
        &format!("/ftp{WELL_KNOWN}"),
        Route::Redirect("ftp://127.0.0.1/x".into()),
    );
    let report = check(&format!("{}/ftp", server.base)).await;
    assert_rule(
        &report,
        "discovery-fetch",
        Fail,
        "scheme \"ftp\" is not http(s)",
    );
}
