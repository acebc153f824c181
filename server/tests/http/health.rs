use testkit::contract_test;

use crate::support::spawn_app;

contract_test!(healthz_answers_while_the_process_is_up, |db| async move {
    let app = spawn_app(db, false).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
});

contract_test!(
    readyz_is_503_with_a_reason_when_the_database_is_gone,
    |db| async move {
        let app = spawn_app(db, false).await;
        assert_eq!(app.get("/readyz").await.status(), 200);
        app.engine.store().close().await;
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 503);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "unavailable");
        assert!(
            body["reason"].as_str().unwrap().starts_with("database:"),
            "{body}"
        );
    }
);

contract_test!(every_response_carries_a_request_id, |db| async move {
    let app = spawn_app(db, false).await;
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
});

contract_test!(
    metrics_count_requests_by_route_and_status,
    |db| async move {
        let app = spawn_app(db, false).await;
        app.get("/healthz").await;
        app.get("/healthz").await;
        app.get("/no-such-page").await;
        let text = app.get("/metrics").await.text().await.unwrap();
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
