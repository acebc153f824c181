//! What the OpenAPI document promises about refusals: every refused
//! request answers the documented error shape with the status of its code,
//! and changes nothing (read back after each); the REST API's own rules on
//! query strings and whole numbers hold.

use reqwest::Method;
use serde_json::{json, Value};

use crate::api::Api;

/// Sends `body` (raw JSON text) and checks the answer is `status` in the
/// error shape, naming `field` when given.
async fn refused(
    api: &Api,
    method: Method,
    path: &str,
    body: &str,
    status: u16,
    field: Option<&str>,
) {
    let response = api
        .request(method.clone(), path)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), status, "{method} {path} {body}");
    let answer: Value = response.json().await.unwrap();
    let error = answer["error"].as_object().expect("an error envelope");
    let code =
        domain::ErrorCode::parse(error["code"].as_str().unwrap()).expect("a documented code");
    assert_eq!(code.http_status(), status, "{answer}");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(error
        .keys()
        .all(|k| ["code", "message", "fields"].contains(&k.as_str())));
    if let Some(field) = field {
        let named = error["fields"].as_array().is_some_and(|fs| {
            fs.iter()
                .any(|f| f["field"] == field && f["message"].is_string())
        });
        assert!(named, "{method} {path}: {answer} does not name {field}");
    }
}

#[tokio::test]
async fn refused_mutations_answer_the_error_shape_and_change_nothing() {
    let api = Api::as_alice().await;
    let reads = [
        "/api/v1/environments",
        "/api/v1/environments/blue",
        "/api/v1/environments/blue/access",
        "/api/v1/environments/blue/releases",
        "/api/v1/promotions",
        "/api/v1/releases",
        "/api/v1/quarantines",
        "/api/v1/jobs",
    ];
    let mut before = Vec::new();
    for path in reads {
        before.push(api.get_json(path).await);
    }

    let post = Method::POST;
    refused(
        &api,
        post.clone(),
        "/api/v1/environments",
        r#"{"name":"teal","tier":"staging","channel":"edge","colour":"teal"}"#,
        400,
        None,
    )
    .await;
    refused(
        &api,
        post.clone(),
        "/api/v1/environments",
        r#"{"name":"api","tier":"staging","channel":"edge"}"#,
        422,
        Some("name"),
    )
    .await;
    refused(
        &api,
        post.clone(),
        "/api/v1/environments",
        r#"{"name":"teal","tier":"staging","channel":"edge","layers":["nope"]}"#,
        422,
        Some("layers"),
    )
    .await;
    refused(
        &api,
        post.clone(),
        "/api/v1/environments/blue/lock",
        r#"{"reason":"   "}"#,
        422,
        Some("reason"),
    )
    .await;
    refused(
        &api,
        post.clone(),
        "/api/v1/environments/blue/access",
        r#"{"relation":"owner","subject":"user:a b"}"#,
        400,
        None,
    )
    .await;
    refused(&api, Method::PUT, "/api/v1/environments/blue/promotion-policy",
        r#"{"required_approvals":0,"auto_rollback":true,"verify_passes":10,"verify_interval_secs":600,"verify_window_secs":60}"#,
        422, Some("verify_window_secs")).await;
    refused(
        &api,
        post.clone(),
        "/api/v1/promotions",
        r#"{"source":"blue","target":"blue"}"#,
        422,
        Some("target"),
    )
    .await;
    refused(
        &api,
        post.clone(),
        "/api/v1/releases",
        r#"{"application":"kratos","charm":"kratos","revision":0,"channel":"edge"}"#,
        422,
        Some("revision"),
    )
    .await;
    refused(
        &api,
        post.clone(),
        "/api/v1/quarantines",
        r#"{"charm":"hydra","revision":405,"reason":" "}"#,
        422,
        Some("reason"),
    )
    .await;
    refused(
        &api,
        post.clone(),
        "/api/v1/environments/blue/apply",
        r#"{"layers":["nope"]}"#,
        422,
        None,
    )
    .await;
    refused(
        &api,
        Method::DELETE,
        "/api/v1/quarantines/hydra/+405",
        "",
        422,
        Some("revision"),
    )
    .await;

    for (path, was) in reads.iter().zip(&before) {
        assert_eq!(
            &api.get_json(path).await,
            was,
            "{path} changed after refused requests"
        );
    }
}

#[tokio::test]
async fn query_values_are_never_empty_or_padded_and_whole_numbers_are_integers() {
    let api = Api::as_alice().await;
    refused(
        &api,
        Method::GET,
        "/api/v1/jobs?limit=",
        "",
        422,
        Some("limit"),
    )
    .await;
    refused(
        &api,
        Method::GET,
        "/api/v1/environments?before=%20blue",
        "",
        422,
        Some("before"),
    )
    .await;
    refused(
        &api,
        Method::GET,
        "/api/v1/environments/blue/oidc-checks?limit=%2B5",
        "",
        422,
        Some("limit"),
    )
    .await;
    refused(
        &api,
        Method::GET,
        "/api/v1/jobs/1/logs?step=nope",
        "",
        404,
        None,
    )
    .await;
    refused(
        &api,
        Method::GET,
        "/api/v1/jobs/1/logs?download=yes",
        "",
        422,
        Some("download"),
    )
    .await;

    // `300.0` is the integer 300, as JSON Schema counts it.
    let response = api
        .request(Method::PUT, "/api/v1/environments/blue/promotion-policy")
        .json(
            &json!({"required_approvals": 0.0, "auto_rollback": true, "verify_passes": 2,
                      "verify_interval_secs": 15, "verify_window_secs": 3e2}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let releases = api.get_json("/api/v1/environments/blue/releases").await;
    assert_eq!(releases["policy"]["verify_window_secs"], 300);
    // `null` is no body for an optional one.
    let response = api
        .request(Method::POST, "/api/v1/environments/blue/apply")
        .header("content-type", "application/json")
        .body("null")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
}
