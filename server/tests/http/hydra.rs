//! Palette against the real Ory Hydra (`testkit::hydra`: `hydra serve all
//! --dev` over an in-memory database, with the harness's login/consent app):
//! a browser login whose `groups` reach Palette's authorization, logout
//! through Hydra's end-session endpoint, client-credentials tokens as Hydra's
//! opaque tokens (introspected) and as JWTs (verified against its JWKS), a
//! refresh token refused as a bearer token, and `palette check-oidc` on
//! Hydra's discovery document.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::Value;
use testkit::hydra::{secret, AccessTokens, Hydra, AUDIENCE, PALETTE_CLIENT};
use testkit::oidc::{recorded_user, tamper};

use crate::auth::{serve, Palette};
use crate::browser::{attr_after, location, Browser};

/// Palette configured against a running Hydra, as an operator would
/// (`docs/auth.md`).
struct HydraApp {
    app: Palette,
    hydra: Hydra,
    database_url: String,
}

impl HydraApp {
    fn base(&self) -> String {
        format!("http://{}", self.app.addr)
    }

    async fn whoami(&self, token: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(self.app.url("/api/v1/whoami"))
            .bearer_auth(token)
            .send()
            .await
            .expect("whoami answers")
    }

    /// Starts a login at Palette and walks it through Hydra and the login
    /// app as `user`, back to Palette's callback, which logs in.
    async fn log_in(&self, browser: &Browser, user: &str) {
        let start = self.app.url("/auth/login?return_to=/");
        let callback = format!("{}/auth/callback", self.base());
        let url = self
            .hydra
            .walk(&browser.http, &start, user, &callback)
            .await;
        let response = browser.get(&url).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "the callback logs {user} in: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// The environments the browser's session may list through the API.
    async fn environments_seen(&self, browser: &Browser) -> usize {
        let response = browser
            .http
            .get(self.app.url("/api/v1/environments"))
            .send()
            .await
            .expect("the API answers");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("a page of environments");
        body["items"].as_array().expect("items").len()
    }
}

/// Starts Hydra, creates Palette's client and `ci-pipeline` there, and
/// starts Palette (with demo data: `group:platform-admins` is a platform
/// admin) against it. With `introspection`, Palette checks opaque tokens at
/// Hydra's admin API; without, it accepts JWTs only.
async fn spawn_with_hydra(tokens: AccessTokens, introspection: bool) -> HydraApp {
    let hydra = Hydra::start(tokens).await;
    let db = testkit::sqlite();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    hydra.create_palette_client(&base).await;
    hydra.create_machine_client("ci-pipeline").await;
    let mut env: BTreeMap<String, String> = [
        ("PALETTE_LISTEN", "127.0.0.1:0".to_owned()),
        ("PALETTE_DATABASE_URL", db.url.clone()),
        ("PALETTE_OIDC_ISSUER", hydra.issuer.clone()),
        ("PALETTE_OIDC_CLIENT_ID", PALETTE_CLIENT.to_owned()),
        ("PALETTE_OIDC_CLIENT_SECRET", secret(PALETTE_CLIENT)),
        ("PALETTE_API_AUDIENCE", AUDIENCE.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if introspection {
        // Hydra's admin API takes no credentials; Palette sends them anyway.
        env.insert(
            "PALETTE_OIDC_INTROSPECTION_URL".into(),
            hydra.introspection_url(),
        );
        env.insert(
            "PALETTE_OIDC_INTROSPECTION_CLIENT_ID".into(),
            "palette-introspection".into(),
        );
        // Every answer from Hydra itself: a revocation shows at once (the
        // cache is tested against the other provider, in auth.rs).
        env.insert("PALETTE_OIDC_INTROSPECTION_CACHE_SECS".into(), "0".into());
    }
    let database_url = db.url.clone();
    let app = serve(listener, &env, db).await;
    HydraApp {
        app,
        hydra,
        database_url,
    }
}

async fn assert_refused(response: reqwest::Response, says: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{says}");
    assert!(
        response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("Bearer ")),
        "a Bearer challenge"
    );
    let body: Value = response.json().await.expect("a JSON error");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "says {says:?}: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_through_hydra_brings_its_groups_to_palettes_authorization() {
    let palette = spawn_with_hydra(AccessTokens::Opaque, true).await;

    let alice = Browser::new();
    palette.log_in(&alice, "alice").await;
    let whoami: Value = alice
        .http
        .get(palette.app.url("/api/v1/whoami"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(whoami["principal"], "user:alice");
    let user = recorded_user(&palette.database_url, "alice")
        .await
        .expect("alice is recorded");
    assert_eq!(user.kind, "person");
    assert_eq!(user.name.as_deref(), Some("Alice Admin"));
    assert_eq!(user.email.as_deref(), Some("alice@example.com"));
    assert_eq!(user.username.as_deref(), Some("alice"));
    assert_eq!(user.groups, ["platform-admins"], "from Hydra's ID token");
    // Through group:platform-admins she sees every demo environment.
    assert_eq!(palette.environments_seen(&alice).await, 4);

    // Carol, in no group, logs in just the same and sees none of them.
    let carol = Browser::new();
    palette.log_in(&carol, "carol").await;
    let user = recorded_user(&palette.database_url, "carol")
        .await
        .expect("carol is recorded");
    assert!(user.groups.is_empty(), "{:?}", user.groups);
    assert_eq!(palette.environments_seen(&carol).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_at_palette_and_at_hydra() {
    let palette = spawn_with_hydra(AccessTokens::Opaque, true).await;
    let browser = Browser::new();
    palette.log_in(&browser, "alice").await;
    // Hydra remembers her: another authorization request from this browser
    // skips the login form (which would refuse an unknown user).
    let authorize = palette.hydra.authorize_url(&palette.base(), "openid");
    let callback = format!("{}/auth/callback", palette.base());
    palette
        .hydra
        .walk(&browser.http, &authorize, "nobody", &callback)
        .await;

    let html = browser
        .get(&palette.app.url("/"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = attr_after(&html, r#"name="_csrf""#, "value").expect("a CSRF token");
    let response = browser
        .http
        .post(palette.app.url("/auth/logout"))
        .header("origin", palette.base())
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let end_session = reqwest::Url::parse(&location(&response)).unwrap();
    assert!(
        end_session
            .as_str()
            .starts_with(&palette.hydra.url("/oauth2/sessions/logout?")),
        "to Hydra's end_session_endpoint: {end_session}"
    );
    let response = browser
        .http
        .get(palette.app.url("/api/v1/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "the local session is gone"
    );

    // Hydra accepts the hint and the post-logout URI, asks the logout app,
    // and sends the browser back to Palette.
    let mut url = end_session.to_string();
    for _ in 0..10 {
        if url.starts_with(&palette.base()) {
            break;
        }
        url = location(&browser.get(&url).await);
    }
    assert_eq!(url, format!("{}/", palette.base()));
    assert_eq!(palette.hydra.logouts(), ["alice"]);

    // Hydra forgot her: the next login asks who is there again.
    let mut url = palette.app.url("/auth/login?return_to=/");
    let login_page = loop {
        let response = browser.get(&url).await;
        if !response.status().is_redirection() {
            break response;
        }
        url = location(&response);
    };
    assert!(
        url.starts_with(&format!("{}/login?", palette.hydra.login_app)),
        "{url}"
    );
    let html = login_page.text().await.unwrap();
    assert!(html.contains(r#"name="user""#), "the login form: {html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hydras_opaque_client_credentials_tokens_are_introspected() {
    let palette = spawn_with_hydra(AccessTokens::Opaque, true).await;
    let token = palette.hydra.client_credentials("ci-pipeline").await;
    assert!(
        token.starts_with("ory_at_"),
        "Hydra's opaque token: {token}"
    );
    let response = palette.whoami(&token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap()["principal"],
        "user:ci-pipeline"
    );

    // Revoked at Hydra: refused at once (introspection is not cached).
    let revoked = reqwest::Client::new()
        .post(palette.hydra.url("/oauth2/revoke"))
        .basic_auth("ci-pipeline", Some(secret("ci-pipeline")))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success(), "{}", revoked.status());
    assert_refused(palette.whoami(&token).await, "not active").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hydras_jwt_client_credentials_tokens_are_verified_against_its_jwks() {
    // No introspection: a JWT can only pass by Palette's own verification.
    let palette = spawn_with_hydra(AccessTokens::Jwt, false).await;
    let token = palette.hydra.client_credentials("ci-pipeline").await;
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    let response = palette.whoami(&token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap()["principal"],
        "user:ci-pipeline"
    );
    let forged = tamper(&token, |claims| claims["sub"] = "alice".into());
    assert_refused(palette.whoami(&forged).await, "signature is invalid").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_from_hydra_is_refused_as_a_bearer_token() {
    let palette = spawn_with_hydra(AccessTokens::Opaque, true).await;
    let refresh = palette.hydra.refresh_token(&palette.base(), "alice").await;
    // Hydra says it is live: only its kind can keep it out.
    let introspected = palette.hydra.introspect(&refresh).await;
    assert_eq!(introspected["active"], true, "{introspected}");
    assert_eq!(introspected["token_use"], "refresh_token", "{introspected}");
    assert_refused(
        palette.whoami(&refresh).await,
        "not an access token (token_use refresh_token)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn palette_check_oidc_passes_on_hydras_discovery_document() {
    let hydra = Hydra::start(AccessTokens::Opaque).await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_palette"))
        .args(["check-oidc", &hydra.issuer, "--json"])
        .args(["--allow-http", "--allow-private-network"])
        .output()
        .await
        .expect("palette check-oidc runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "check-oidc failed ({}): {stdout}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["issuer"], hydra.issuer.as_str(), "{report}");
    let rules = report["rules"].as_array().expect("rules");
    assert!(
        rules.iter().any(|r| r["status"] == "pass"),
        "rules were checked: {report}"
    );
}
