use testkit::contract_test;

use crate::support::spawn_app;

contract_test!(healthz_answers_while_the_process_is_up, |db| async move {
    let app = spawn_app(db, false).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
});

contract_test!(readyz_is_503_with_a_reason_when_the_database_is_gone, |db| async move {
    let app = spawn_app(db, false).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.engine.store().close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert!(body["reason"].as_str().unwrap().starts_with("database:"), "{body}");
});

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

contract_test!(metrics_count_requests_by_route_and_status, |db| async move {
    let app = spawn_app(db, false).await;
    app.get("/healthz").await;
    app.get("/healthz").await;
    app.get("/no-such-page").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains(r#"palette_http_requests_total{method="GET",route="/healthz",status="200"} 2"#),
        "{text}"
    );
    assert!(text.contains(r#"status="404""#), "{text}");
    assert!(text.contains("palette_http_request_duration_seconds_bucket"), "{text}");
    assert!(!text.contains("no-such-page"), "raw paths must not become label values");
});
