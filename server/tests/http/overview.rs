//! The overview over HTTP: `GET /api/v1/overview`, the server function and
//! the page agree, with every card's job, lock, OIDC verdict and upstream;
//! and a check job's verdict shows in the job lists.

use engine::oidc::Trigger;
use engine::store::oidc_checks::{self, NewOidcCheck};
use serde_json::Value;
use testkit::contract_test;

use crate::oidc_checks::report;
use crate::support::{spawn_app, TestApp};

async fn post(app: &TestApp, csrf: &str, path: &str, body: &str) -> Value {
    let response = app
        .client
        .post(app.url(path))
        .header("origin", app.origin())
        .header("x-csrf-token", csrf)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let response = app
        .client
        .get(app.url(path))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

fn card<'a>(overview: &'a Value, name: &str) -> &'a Value {
    overview["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"]["name"] == name)
        .unwrap_or_else(|| panic!("no card for {name}: {overview}"))
}

contract_test!(
    the_overview_shows_each_environments_job_lock_verdict_and_upstream_in_pipeline_order,
    |db| async move {
        let app = spawn_app(db, true).await;
        app.login_dev("alice").await;
        let csrf = app.csrf().await;

        // A check job of blue that stored a failing check, and a check of
        // green that no job ran; red locked; a second environment tree.
        let queued = post(&app, &csrf, "/api/v1/environments/blue/oidc-checks", "").await;
        let check_job = queued["job"]["id"].as_i64().unwrap();
        let now = engine::store::now_ms();
        let blue = report("https://iam.blue.canonical.com", 30);
        let green = report("https://iam.green.canonical.com", 20);
        for (env, report, job) in [("blue", &blue, Some(check_job)), ("green", &green, None)] {
            let check = NewOidcCheck {
                environment: env,
                at: now,
                report,
                trigger: Trigger::Manual,
                actor: "user:alice",
                job,
            };
            oidc_checks::insert(app.engine.store().pool(), &check)
                .await
                .unwrap();
        }
        post(
            &app,
            &csrf,
            "/api/v1/environments/red/lock",
            r#"{"reason":"change freeze"}"#,
        )
        .await;
        post(
            &app,
            &csrf,
            "/api/v1/environments",
            r#"{"name":"aqua","tier":"staging","purpose":"a root of its own","channel":"edge","oidc_issuer":"https://iam.aqua.example.com"}"#,
        )
        .await;

        let overview = get_json(&app, "/api/v1/overview").await;
        let names: Vec<&str> = overview["environments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["environment"]["name"].as_str().unwrap())
            .collect();
        // Roots by name, each followed by what is promoted from it: aqua
        // sorts before blue but follows no one; yellow comes from red.
        assert_eq!(
            names,
            ["aqua", "blue", "green", "red", "yellow"],
            "{overview}"
        );

        let blue = card(&overview, "blue");
        assert_eq!(blue["oidc"]["status"], "fail");
        assert_eq!(blue["oidc"]["at"], now);
        assert_eq!(blue["oidc"]["job"], check_job);
        assert_eq!(
            blue["job"]["kind"], "environment.create",
            "the card's job is the newest infrastructure job, not the newer check: {blue}"
        );
        assert_eq!(blue["upstream"], Value::Null);
        assert_eq!(blue["differs_from_upstream"], serde_json::json!([]));
        assert_eq!(blue["locked_reason"], Value::Null);

        let green = card(&overview, "green");
        assert_eq!(green["oidc"]["status"], "fail");
        assert_eq!(green["oidc"]["job"], Value::Null);
        assert_eq!(green["upstream"], "blue");

        let red = card(&overview, "red");
        assert_eq!(red["locked_reason"], "change freeze");
        assert_eq!(red["oidc"], Value::Null);
        assert_eq!(red["upstream"], "blue");
        let differs: Vec<&str> = red["differs_from_upstream"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert!(
            differs.contains(&"traefik"),
            "red runs beta revisions where blue runs edge: {red}"
        );
        assert_eq!(card(&overview, "yellow")["upstream"], "red");
        let aqua = card(&overview, "aqua");
        assert_eq!(aqua["job"]["kind"], "environment.create");
        assert_eq!(aqua["job"]["status"], "queued");

        // The page's server function answers the same.
        let ui = get_json(&app, "/_fn/get_overview").await;
        assert_eq!(ui, overview);

        // The page: cards in that order, with the lock, the verdict and the lag.
        let html = app.get("/").await.text().await.unwrap();
        let at = |name: &str| {
            html.find(&format!("data-environment=\"{name}\""))
                .unwrap_or_else(|| panic!("no card for {name}"))
        };
        assert!(at("aqua") < at("blue") && at("red") < at("yellow"));
        assert!(html.contains("locked: change freeze"), "{html}");
        assert!(html.contains(r#"class="lags""#), "{html}");
        assert!(html.contains("oidc-badge oidc-fail"), "{html}");

        // A check job's verdict in the job and the job lists.
        let job = get_json(&app, &format!("/api/v1/jobs/{check_job}")).await;
        assert_eq!(job["verdict"], "fail");
        let jobs = get_json(&app, "/api/v1/jobs?kind=oidc.check").await;
        assert_eq!(jobs["items"][0]["id"], check_job);
        assert_eq!(jobs["items"][0]["verdict"], "fail");
        let infra = get_json(&app, "/api/v1/jobs?kind=environment.create&limit=1").await;
        assert_eq!(infra["items"][0]["verdict"], Value::Null);
        let page = app.get("/jobs?kind=oidc.check").await.text().await.unwrap();
        assert!(page.contains(r#"data-verdict="fail""#), "{page}");
    }
);
