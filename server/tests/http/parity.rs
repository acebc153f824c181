//! The REST API and the server functions behind the pages give the same
//! answer to the same request — bodies, filters, pages and errors — because
//! both parse with the domain's parsers and call the same engine method.

use reqwest::StatusCode;
use serde_json::Value;
use testkit::{contract_test, TestDatabase};

use crate::support::{spawn_app, TestApp};

async fn json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .get(app.url(path))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The REST answer and the server function's for the same question; a
/// REST error is `{"error": body}`, a server function's the body itself.
async fn both(
    app: &TestApp,
    rest: &str,
    server_fn: &str,
) -> ((StatusCode, Value), (StatusCode, Value)) {
    let (status, mut body) = json(app, rest).await;
    if !status.is_success() {
        body = body["error"].take();
    }
    ((status, body), json(app, server_fn).await)
}

async fn alice(db: TestDatabase) -> TestApp {
    let app = spawn_app(db, true).await;
    app.login_dev("alice").await;
    app
}

contract_test!(
    jobs_filtered_and_paged_are_the_same_through_rest_and_the_jobs_page,
    |db| async move {
        let app = alice(db).await;
        // More jobs on blue than one page holds, and some on other environments.
        let csrf = app.csrf().await;
        for _ in 0..3 {
            let response = app
                .client
                .post(app.url("/api/v1/environments/blue/apply"))
                .header("origin", app.origin())
                .header("x-csrf-token", &csrf)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
        }
        let (rest, ui) = both(
            &app,
            "/api/v1/jobs?environment=blue&actor=alice&limit=2",
            "/_fn/list_jobs?query[environment]=blue&query[actor]=alice&query[limit]=2",
        )
        .await;
        assert_eq!(rest, ui);
        let (status, page) = rest;
        assert_eq!(status, 200);
        let items = page["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            items.len(),
            2,
            "a full page: alice queued three jobs on blue"
        );
        assert!(items
            .iter()
            .all(|j| j["environment"] == "blue" && j["actor"] == "user:alice"));
        let next = page["next"].as_i64().unwrap();
        let (rest, ui) = both(
            &app,
            &format!("/api/v1/jobs?environment=blue&actor=alice&limit=2&before={next}"),
            &format!("/_fn/list_jobs?query[environment]=blue&query[actor]=alice&query[limit]=2&query[before]={next}"),
        )
        .await;
        assert_eq!(rest, ui);
        assert_eq!(rest.1["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(rest.1["next"], Value::Null, "the last page says so");
    }
);

contract_test!(
    refused_filters_are_the_same_error_through_rest_and_the_pages,
    |db| async move {
        let app = alice(db).await;
        for (rest, server_fn, field) in [
            (
                "/api/v1/jobs?since=yesterday",
                "/_fn/list_jobs?query[since]=yesterday",
                "since",
            ),
            (
                "/api/v1/jobs?kind=nap",
                "/_fn/list_jobs?query[kind]=nap",
                "kind",
            ),
            (
                "/api/v1/audit?limit=0",
                "/_fn/list_audit?query[limit]=0",
                "limit",
            ),
            (
                "/api/v1/audit?action=%25",
                "/_fn/list_audit?query[action]=%25",
                "action",
            ),
        ] {
            let (rest, ui) = both(&app, rest, server_fn).await;
            assert_eq!(rest, ui, "{server_fn}");
            assert_eq!(rest.0, 422, "{server_fn}");
            assert_eq!(rest.1["code"], "invalid_input");
            assert_eq!(rest.1["fields"][0]["field"], field);
        }
    }
);

contract_test!(
    environments_access_and_audit_read_the_same_through_rest_and_the_pages,
    |db| async move {
        let app = alice(db).await;
        for (rest, server_fn) in [
            (
                "/api/v1/environments/blue",
                "/_fn/get_environment?name=blue",
            ),
            (
                "/api/v1/environments/blue/access",
                "/_fn/list_access?env=blue",
            ),
            (
                "/api/v1/environments/blue/access/explain?subject=user:bob&permission=can_apply",
                "/_fn/explain_access?env=blue&subject=user:bob&permission=can_apply",
            ),
            (
                "/api/v1/audit?environment=blue&limit=5",
                "/_fn/list_audit?query[environment]=blue&query[limit]=5",
            ),
            (
                "/api/v1/environments/nowhere",
                "/_fn/get_environment?name=nowhere",
            ),
        ] {
            let (rest, ui) = both(&app, rest, server_fn).await;
            assert_eq!(rest, ui, "{rest:?} vs {server_fn}");
        }
        let (_, detail) = json(&app, "/api/v1/environments/blue").await;
        assert_eq!(
            detail["actions"]["apply"], true,
            "alice is a platform admin: {detail}"
        );
    }
);

contract_test!(
    a_manifest_the_create_form_refuses_is_refused_by_rest_with_the_same_fields,
    |db| async move {
        let app = alice(db).await;
        let csrf = app.csrf().await;
        let rest = app
            .client
            .post(app.url("/api/v1/environments"))
            .header("origin", app.origin())
            .header("x-csrf-token", &csrf)
            .header("content-type", "application/json")
            .body(
                r#"{"name":"teal","tier":"staging","channel":"edge",
                      "manifest":{"hydra":{"charm":"Hydra","channel":"edge","revision":1}}}"#,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(rest.status(), 422);
        let rest: Value = rest.json().await.unwrap();
        let ui = app
            .client
            .post(app.url("/_fn/create_environment"))
            .header("origin", app.origin())
            .header("accept", "application/json")
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", "teal"),
                ("tier", "staging"),
                ("channel", "edge"),
                ("manifest[hydra][charm]", "Hydra"),
                ("manifest[hydra][revision]", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(ui.status(), 422);
        let ui: Value = ui.json().await.unwrap();
        assert_eq!(rest["error"], ui);
        assert_eq!(ui["fields"][0]["field"], "manifest.hydra");
        let (_, list) = json(&app, "/api/v1/environments").await;
        let names: Vec<_> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].clone())
            .collect();
        assert!(
            !names.contains(&Value::from("teal")),
            "nothing was created: {names:?}"
        );
    }
);

contract_test!(
    promotions_are_the_same_through_rest_and_the_promotion_pages,
    |db| async move {
        let app = alice(db).await;
        let csrf = app.csrf().await;
        let response = app
            .client
            .post(app.url("/api/v1/promotions"))
            .header("origin", app.origin())
            .header("x-csrf-token", &csrf)
            .header("content-type", "application/json")
            .body(r#"{"source":"red","target":"blue","acknowledge":true}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let opened: Value = response.json().await.unwrap();
        let id = opened["id"].as_i64().unwrap();

        let (rest, ui) = both(
            &app,
            &format!("/api/v1/promotions/{id}"),
            &format!("/_fn/get_promotion?id={id}"),
        )
        .await;
        assert_eq!(rest, ui);
        assert_eq!(rest.1["target"], "blue");
        assert!(rest.1["diff"].as_array().is_some_and(|d| !d.is_empty()));

        let (rest, ui) = both(
            &app,
            "/api/v1/promotions?environment=blue&state=planning",
            "/_fn/list_promotions?query[environment]=blue&query[state]=planning",
        )
        .await;
        assert_eq!(rest, ui);
        assert_eq!(rest.1["items"][0]["id"], id);

        let (rest, ui) = both(
            &app,
            "/api/v1/environments/blue/releases",
            "/_fn/environment_releases?name=blue",
        )
        .await;
        assert_eq!(rest, ui);
        assert_eq!(
            (
                &rest.1["policy"]["required_approvals"],
                &rest.1["policy"]["auto_deploy"]
            ),
            (&serde_json::json!(0), &serde_json::json!(true)),
            "the demo's blue takes edge releases without an approval"
        );

        // Releases and the matrix read the same through both.
        let (rest, ui) = both(
            &app,
            "/api/v1/releases?limit=3",
            "/_fn/list_releases?query[limit]=3",
        )
        .await;
        assert_eq!(rest, ui);
        assert_eq!(rest.1["items"].as_array().map(Vec::len), Some(3));
        let (rest, ui) = both(&app, "/api/v1/release-matrix", "/_fn/get_release_matrix").await;
        assert_eq!(rest, ui);
        assert_eq!(rest.1["environments"][0]["name"], "blue");

        let (rest, ui) = both(&app, "/api/v1/promotions/999", "/_fn/get_promotion?id=999").await;
        assert_eq!(rest, ui);
        assert_eq!(rest.0, 404);
        let (rest, ui) = both(
            &app,
            "/api/v1/promotions?state=sideways",
            "/_fn/list_promotions?query[state]=sideways",
        )
        .await;
        assert_eq!(rest, ui);
        assert_eq!(rest.1["fields"][0]["field"], "state");
    }
);
