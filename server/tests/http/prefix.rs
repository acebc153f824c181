//! `PALETTE_PATH_PREFIX`: Palette serves everything below the prefix itself
//! (nothing for the proxy to strip or rewrite), and everything it writes
//! (links, assets, forms, server functions, streams, redirects, the
//! session cookie) points below it.

use serde_json::{json, Value};

use crate::support::{spawn_app_with, TestApp};

async fn spawn_prefixed() -> TestApp {
    spawn_app_with(testkit::sqlite(), true, |config| {
        config.path_prefix = Some("/palette".to_owned());
    })
    .await
}

async fn html(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("a _csrf field") + marker.len();
    html[start..].split('"').next().expect("token").to_owned()
}

/// Every `href`, `src` and `action` of `html` that is an absolute path.
fn absolute_paths(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["href=\"/", "src=\"/", "action=\"/"] {
        let mut rest = html;
        while let Some(i) = rest.find(attribute) {
            let value = &rest[i + attribute.len() - 1..];
            found.push(value.split('"').next().unwrap_or_default().to_owned());
            rest = &value[1..];
        }
    }
    found
}

#[tokio::test]
async fn under_a_prefix_every_link_asset_form_and_redirect_stays_below_it() {
    let app = spawn_prefixed().await;

    // The login picker and the dev login, with its form and a redirect
    // below the prefix; the cookie is scoped to it.
    let (status, login) = html(&app, "/palette/auth/login?return_to=/jobs").await;
    assert_eq!(status, 200);
    assert!(
        login.contains("action=\"/palette/auth/dev-login\""),
        "{login}"
    );
    assert!(
        login.contains("href=\"/palette/pkg/palette.css\""),
        "{login}"
    );
    let logged_in = app
        .client
        .post(app.url("/palette/auth/dev-login"))
        .header("origin", app.origin())
        .form(&[
            ("user", "alice"),
            ("_csrf", &csrf_of(&login)),
            ("return_to", "/jobs"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(logged_in.status(), 303);
    assert_eq!(logged_in.headers()["location"], "/palette/jobs");
    let cookie = logged_in.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Path=/palette"), "{cookie}");

    // Pages: every absolute path they write is below the prefix.
    for page in [
        "/palette/",
        "/palette/environments/blue",
        "/palette/jobs",
        "/palette/nowhere",
    ] {
        let (status, body) = html(&app, page).await;
        assert_eq!(
            status,
            if page.ends_with("nowhere") { 404 } else { 200 },
            "{page}"
        );
        let paths = absolute_paths(&body);
        assert!(!paths.is_empty(), "{page} has links");
        let outside: Vec<_> = paths
            .iter()
            .filter(|p| !p.starts_with("/palette/"))
            .collect();
        assert!(
            outside.is_empty(),
            "{page} links outside the prefix: {outside:?}"
        );
        assert!(
            body.contains("<meta name=\"palette-base\" content=\"/palette\""),
            "{page}"
        );
    }
    let (_, home) = html(&app, "/palette/").await;
    for expected in [
        "href=\"/palette/environments/blue\"",
        "href=\"/palette/pkg/palette.css\"",
        "/palette/pkg/palette.js",
        "href=\"/palette/jobs\"",
        "action=\"/palette/auth/logout\"",
    ] {
        assert!(home.contains(expected), "the home page lacks {expected}");
    }
    let (_, environment) = html(&app, "/palette/environments/blue").await;
    assert!(
        environment.contains("action=\"/palette/_fn/"),
        "server-function forms post below the prefix"
    );

    // A plain form post to a server function, below the prefix, lands on
    // the job page below it.
    let csrf = csrf_of(&environment);
    let applied = app
        .client
        .post(app.url("/palette/_fn/apply_environment"))
        .header("origin", app.origin())
        .header("accept", "text/html")
        .form(&[("name", "blue"), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(applied.status(), 302, "{:?}", applied.text().await);
    let location = applied.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/palette/jobs/"), "{location}");

    // The API and a job's event stream.
    let jobs: Value = app
        .client
        .get(app.url("/palette/api/v1/jobs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job = jobs["items"][0]["id"].as_i64().unwrap();
    let events = app
        .client
        .get(app.url(&format!("/palette/api/v1/jobs/{job}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    drop(events);
    let created = app
        .client
        .post(app.url("/palette/api/v1/environments"))
        .header("origin", app.origin())
        .header("x-csrf-token", &csrf)
        .json(&json!({
            "name": "teal", "tier": "staging", "purpose": "under a prefix", "channel": "edge",
            "oidc_issuer": "https://iam.teal.example.com",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 202);
}

#[tokio::test]
async fn under_a_prefix_nothing_is_served_outside_it() {
    let app = spawn_prefixed().await;
    for path in [
        "/",
        "/environments/blue",
        "/healthz",
        "/api/v1/openapi.json",
        "/auth/login",
        "/pkg/palette.css",
        "/palettex/",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    assert_eq!(app.get("/palette/healthz").await.status(), 200);
    let document: Value = app
        .get("/palette/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(document["servers"], json!([{ "url": "/palette" }]));
    let response = app
        .client
        .post(app.url("/_fn/list_environments"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
