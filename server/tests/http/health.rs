use server::forwarded::TrustedProxies;
use testkit::contract_test;

use crate::support::{spawn_app, spawn_app_with};

/// A server with a metrics listener on a free port.
async fn spawn_with_metrics(db: testkit::TestDatabase) -> crate::support::TestApp {
    spawn_app_with(db, false, |config| {
        config.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await
}

contract_test!(healthz_answers_while_the_process_is_up, |db| async move {
    let app = spawn_app(db, false).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
});

contract_test!(
    readyz_is_503_with_a_status_only_when_the_database_is_gone,
    |db| async move {
        let app = spawn_app(db, false).await;
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200);
        let body: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(body, serde_json::json!({ "status": "ready" }));
        app.engine.store().close().await;
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 503);
        // The reason (which names the database's error) is logged, never
        // answered to whoever asks.
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body, serde_json::json!({ "status": "unavailable" }));
    }
);

contract_test!(every_response_carries_a_request_id, |db| async move {
    // The test connects from loopback: trusted here, as Traefik would be
    // (from any other peer an incoming id is dropped: `proxy.rs`).
    let app = spawn_app_with(db, false, |config| {
        config.trusted_proxies = TrustedProxies::parse(&["127.0.0.1"]).unwrap();
    })
    .await;
    let made_up = app.get("/healthz").await;
    let id = made_up.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let given = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "trace-me-123");
    // One too long, or not plain, is replaced rather than echoed.
    for bad in ["x".repeat(129), "a b".to_owned()] {
        let replaced = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", &bad)
            .send()
            .await
            .unwrap();
        let id = replaced.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 36, "a new UUID for {bad:?}: {id}");
    }
});

contract_test!(
    metrics_count_requests_by_route_and_status,
    |db| async move {
        let app = spawn_with_metrics(db).await;
        app.get("/healthz").await;
        app.get("/healthz").await;
        app.get("/no-such-page").await;
        let scrape = app.client.get(app.metrics_url()).send().await.unwrap();
        assert_eq!(scrape.status(), 200);
        assert!(
            scrape.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/openmetrics-text"),
            "{:?}",
            scrape.headers()
        );
        let text = scrape.text().await.unwrap();
        assert!(
            text.contains(
                r#"palette_http_requests_total{method="GET",route="/healthz",status="200"} 2"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"status="404""#), "{text}");
        assert!(
            text.contains("palette_http_request_duration_seconds_bucket"),
            "{text}"
        );
        assert!(
            !text.contains("no-such-page"),
            "raw paths must not become label values"
        );
        assert!(
            !text.contains(r#"route="/metrics""#),
            "scrapes are not requests of the public router: {text}"
        );
    }
);

contract_test!(
    metrics_are_never_served_on_the_public_listener,
    |db| async move {
        // With a metrics listener, and without one (the default: no metrics).
        let separate = spawn_with_metrics(db).await;
        let default = spawn_app(testkit::sqlite(), false).await;
        assert_eq!(default.metrics_addr, None);
        for app in [&separate, &default] {
            app.get("/healthz").await;
            for accept in ["text/plain", "application/openmetrics-text", "text/html"] {
                let response = app
                    .client
                    .get(app.url("/metrics"))
                    .header("accept", accept)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 404, "{accept}");
                let body = response.text().await.unwrap();
                assert!(!body.contains("palette_http_requests"), "{body}");
            }
        }
        // The metrics listener serves metrics only.
        let addr = separate.metrics_addr.unwrap();
        for path in ["/healthz", "/", "/api/v1/environments"] {
            let response = separate
                .client
                .get(format!("http://{addr}{path}"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 404, "{path}");
        }
    }
);

contract_test!(
    state_changing_requests_without_the_csrf_token_are_refused,
    |db| async move {
        let app = spawn_app(db, true).await;
        let csrf = app.csrf().await;
        let no_token = app
            .client
            .post(app.url("/auth/dev-login"))
            .header("origin", app.origin())
            .form(&[("user", "alice")])
            .send()
            .await
            .unwrap();
        assert_eq!(no_token.status(), 403);
        let foreign = app
            .client
            .post(app.url("/auth/dev-login"))
            .header("origin", "http://evil.example")
            .form(&[("user", "alice"), ("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), 403);
        let server_fn = app
            .client
            .post(app.url("/_fn/list_environments"))
            .header("origin", app.origin())
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .unwrap();
        assert_eq!(
            server_fn.status(),
            403,
            "server functions are protected too"
        );
    }
);

contract_test!(the_api_answers_401_json_never_a_redirect, |db| async move {
    let app = spawn_app(db, false).await;
    let response = app
        .client
        .get(app.url("/api/v1/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
});
