//! OIDC checks over HTTP: the REST routes, the `/oidc` page (matrix,
//! charts, comparison) and the Prometheus gauges.

use engine::oidc::{Report, RuleResult, Timings, Trigger};
use engine::store::oidc_checks::{self, NewOidcCheck};
use serde_json::{json, Value};
use testkit::contract_test;

use crate::support::{spawn_app, spawn_app_with, TestApp};

pub(crate) fn report(issuer: &str, total: u64) -> Report {
    let rules = vec![
        RuleResult::pass("discovery-fetch", "200 in 12 ms"),
        RuleResult::warn("pkce-s256", "code_challenge_methods_supported is missing"),
        RuleResult::fail("jwks-kid-unique", "two keys share kid k1"),
    ];
    let timings = Timings {
        discovery: Some(12),
        jwks: Some(8),
        total,
    };
    let discovery = json!({ "issuer": issuer, "id_token_signing_alg_values_supported": ["RS256"] });
    let jwks = json!({ "keys": [] });
    Report::new(
        issuer.to_owned(),
        rules,
        timings,
        None,
        Some(discovery),
        Some(jwks),
    )
}

async fn store_result(app: &TestApp, env: &str, at: i64, total: u64) {
    let report = report(&format!("https://iam.{env}.canonical.com"), total);
    let check = NewOidcCheck {
        environment: env,
        at,
        report: &report,
        trigger: Trigger::Schedule,
        actor: "system:scheduler",
        job: None,
    };
    oidc_checks::insert(app.engine.store().pool(), &check)
        .await
        .unwrap();
}

async fn post_check(app: &TestApp, csrf: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/environments/blue/oidc-checks"))
        .header("origin", app.origin())
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap()
}

contract_test!(
    the_rest_api_queues_checks_once_and_lists_results,
    |db| async move {
        let app = spawn_app(db, true).await;
        let anonymous = app
            .client
            .get(app.url("/api/v1/environments/blue/oidc-checks"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401);
        app.login_dev("alice").await;
        let csrf = app.csrf().await;
        let first = post_check(&app, &csrf).await;
        assert_eq!(first.status(), 202);
        let first: Value = first.json().await.unwrap();
        assert!(first["job"]["id"].is_i64(), "{first}");
        let again: Value = post_check(&app, &csrf).await.json().await.unwrap();
        assert_eq!(
            again["job"]["id"], first["job"]["id"],
            "a pending check is not queued twice"
        );

        let url = app.url("/api/v1/environments/blue/oidc-checks");
        let empty: Value = app
            .client
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(empty, json!({ "items": [] }));
        store_result(&app, "blue", 1_000, 40).await;
        store_result(&app, "blue", 2_000, 30).await;
        let list: Value = app
            .client
            .get(format!("{url}?limit=1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{list}");
        let item = &items[0];
        assert_eq!(item["at"], 2_000, "newest first");
        assert_eq!(item["ok"], false);
        assert_eq!(item["status"], "fail");
        assert_eq!(item["trigger"], "schedule");
        assert_eq!(
            item["timings_ms"],
            json!({ "discovery": 12, "jwks": 8, "total": 30 })
        );
        assert_eq!(
            item["rules"][1],
            json!({ "id": "pkce-s256", "status": "warn", "detail": "code_challenge_methods_supported is missing" })
        );
        let missing = app
            .client
            .get(app.url("/api/v1/environments/nowhere/oidc-checks"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
    }
);

contract_test!(
    the_oidc_page_shows_the_matrix_charts_comparison_and_metrics,
    |db| async move {
        let app = spawn_app_with(db, true, |config| {
            config.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
        })
        .await;
        let now = engine::store::now_ms();
        store_result(&app, "blue", now - 3_600_000, 40).await;
        store_result(&app, "green", now - 60_000, 25).await;
        app.login_dev("dave").await;
        let html = app.get("/oidc").await.text().await.unwrap();
        for expected in [
            "oidc-matrix",
            "data-environment=\"blue\"",
            "jwks-kid-unique",
            "two keys share kid k1",
            "aria-describedby",
            "Check OIDC",
            "not checked yet",
        ] {
            assert!(html.contains(expected), "{expected} missing from {html}");
        }
        let html = app.get("/oidc?env=blue").await.text().await.unwrap();
        assert!(
            html.contains("Check latency, last 24 hours")
                && html.contains("Check latency, last 7 days"),
            "{html}"
        );
        assert!(html.contains("line-total"), "{html}");
        let html = app.get("/oidc?a=blue&b=green").await.text().await.unwrap();
        assert!(html.contains("comparison-summary"), "{html}");
        let home = app.get("/").await.text().await.unwrap();
        assert!(
            home.contains("oidc-badge oidc-fail"),
            "the card badge shows the newest verdict: {home}"
        );

        let csrf = app.csrf().await;
        let queued = app
            .client
            .post(app.url("/_fn/request_oidc_check"))
            .header("origin", app.origin())
            .header("accept", "application/json")
            .form(&[("env", "red"), ("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(queued.status(), 200, "{}", queued.text().await.unwrap());

        let metrics = app
            .client
            .get(app.metrics_url())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for expected in [
            "palette_oidc_check_status{environment=\"blue\",rule=\"discovery-fetch\"} 1.0",
            "palette_oidc_check_status{environment=\"blue\",rule=\"pkce-s256\"} 0.5",
            "palette_oidc_check_status{environment=\"green\",rule=\"jwks-kid-unique\"} 0.0",
            "palette_oidc_check_duration_seconds_count{environment=\"blue\",phase=\"total\"} 1",
        ] {
            assert!(
                metrics.contains(expected),
                "{expected} missing from {metrics}"
            );
        }
    }
);
