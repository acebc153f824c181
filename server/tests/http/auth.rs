//! Authentication end to end against a real OpenID Provider
//! (`end2end/oidc/provider.mjs`, npm `oidc-provider`): the browser login
//! walked by hand through the provider's own forms, every way a callback can
//! fail, bearer tokens (JWT and introspected opaque ones, plus hostile ones),
//! logout, CSRF and the dev login's loopback rule.

use reqwest::StatusCode;
use serde_json::Value;
use testkit::oidc::{alg_none, claims_of, login_audit, recorded_user, tamper};

use server::{Config, ServeOptions, Server};
use testkit::TestDatabase;

use crate::browser::{attr_after, encode, location, Browser};

// ---- harness: Palette against the real provider, and a hand-driven browser --

/// Palette on 127.0.0.1:0 over its own database.
pub(crate) struct Palette {
    pub(crate) addr: std::net::SocketAddr,
    _db: TestDatabase,
}

impl Palette {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

/// Palette configured against a real OpenID Provider (`testkit::oidc`).
struct OidcApp {
    app: Palette,
    provider: testkit::oidc::OidcProvider,
    database_url: String,
}

impl OidcApp {
    fn base(&self) -> String {
        format!("http://{}", self.app.addr)
    }
}

/// The `PALETTE_*` variables an operator would set for Palette against
/// `issuer`: the configuration is loaded the way `palette serve` loads it.
fn oidc_env(issuer: &str, database_url: &str) -> std::collections::BTreeMap<String, String> {
    use testkit::oidc::{secret, AUDIENCE, INTROSPECTION_CLIENT, PALETTE_CLIENT};
    [
        ("PALETTE_LISTEN", "127.0.0.1:0".to_owned()),
        ("PALETTE_DATABASE_URL", database_url.to_owned()),
        ("PALETTE_OIDC_ISSUER", issuer.to_owned()),
        ("PALETTE_OIDC_CLIENT_ID", PALETTE_CLIENT.to_owned()),
        ("PALETTE_OIDC_CLIENT_SECRET", secret(PALETTE_CLIENT)),
        ("PALETTE_API_AUDIENCE", AUDIENCE.to_owned()),
        (
            "PALETTE_OIDC_INTROSPECTION_CLIENT_ID",
            INTROSPECTION_CLIENT.to_owned(),
        ),
        (
            "PALETTE_OIDC_INTROSPECTION_CLIENT_SECRET",
            secret(INTROSPECTION_CLIENT),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Binds 127.0.0.1:0, starts the provider with that address as Palette's
/// redirect target, then starts Palette (with demo data) against it.
async fn spawn_oidc_app(db: TestDatabase) -> OidcApp {
    spawn_oidc_app_with(db, &[]).await
}

/// [`spawn_oidc_app`] with more `PALETTE_*` settings.
async fn spawn_oidc_app_with(db: TestDatabase, settings: &[(&str, &str)]) -> OidcApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let provider = testkit::oidc::start(&format!("http://{}", listener.local_addr().unwrap()));
    let database_url = db.url.clone();
    let mut env = oidc_env(&provider.issuer, &database_url);
    env.extend(
        settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let app = serve(listener, &env, db).await;
    OidcApp {
        app,
        provider,
        database_url,
    }
}

/// Palette whose issuer is `issuer` (which need not exist).
async fn spawn_app_with_issuer(db: TestDatabase, issuer: &str) -> Palette {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let env = oidc_env(issuer, &db.url);
    serve(listener, &env, db).await
}

pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    env: &std::collections::BTreeMap<String, String>,
    db: TestDatabase,
) -> Palette {
    testkit::init_tracing();
    let config = Config::load(None, env).expect("config");
    let server = Server::build_on(
        listener,
        &config,
        &ServeOptions {
            demo: true,
            workers: false,
        },
    )
    .await
    .expect("server starts");
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.run(std::future::pending()));
    Palette { addr, _db: db }
}

// ---- the login flow, by hand -------------------------------------------------

/// Starts a login at Palette and walks the provider's login and consent
/// forms as `user`, up to the redirect back to Palette's callback: returns
/// that callback URL, not yet visited.
async fn walk_to_callback(
    oidc: &OidcApp,
    browser: &Browser,
    return_to: &str,
    user: &str,
) -> String {
    let url = start_login(oidc, browser, return_to).await;
    walk_provider(oidc, browser, url, user).await
}

/// `GET /auth/login`: returns the provider's authorization URL it redirects to.
async fn start_login(oidc: &OidcApp, browser: &Browser, return_to: &str) -> String {
    crate::browser::start_login(browser, &oidc.base(), &oidc.provider.issuer, return_to).await
}

async fn walk_provider(oidc: &OidcApp, browser: &Browser, url: String, user: &str) -> String {
    crate::browser::walk_provider(browser, &oidc.base(), url, user).await
}

/// A whole login as `user`; returns the callback's response (a redirect).
async fn log_in(
    oidc: &OidcApp,
    browser: &Browser,
    return_to: &str,
    user: &str,
) -> reqwest::Response {
    crate::browser::log_in(
        browser,
        &oidc.base(),
        &oidc.provider.issuer,
        return_to,
        user,
    )
    .await
}

/// A login failure page: the given status, says what happened, offers a retry.
async fn assert_failure_page(response: reqwest::Response, status: StatusCode, says: &str) {
    assert_eq!(response.status(), status, "failure status");
    let html = response.text().await.unwrap();
    assert!(
        html.contains(r#"data-testid="login-error""#),
        "a failure page: {html}"
    );
    assert!(html.contains(says), "says {says:?}: {html}");
    assert!(
        html.contains(r#"href="/auth/login?return_to="#),
        "offers a retry: {html}"
    );
}

async fn csrf_token(oidc: &OidcApp, browser: &Browser) -> String {
    crate::browser::csrf_token(browser, &oidc.base()).await
}

async fn current_user(oidc: &OidcApp, browser: &Browser) -> Option<String> {
    let html = browser.get(&oidc.app.url("/")).await.text().await.unwrap();
    let from =
        html.find(r#"data-testid="current-user">"#)? + r#"data-testid="current-user">"#.len();
    Some(html[from..from + html[from..].find('<')?].to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_login_through_the_provider() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let browser = Browser::new();
    let callback = walk_to_callback(&oidc, &browser, "/promotions", "alice").await;
    let before = browser
        .cookie(&oidc.base(), "palette_session")
        .expect("a session holds the login flow");

    let response = browser.get(&callback).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/promotions",
        "back where the login started"
    );
    let set_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("palette_session="))
        .expect("the session cookie is set at login");
    let attributes: Vec<String> = set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attributes.contains(&"httponly".to_owned()), "{set_cookie}");
    assert!(
        attributes.contains(&"samesite=lax".to_owned()),
        "{set_cookie}"
    );
    assert!(attributes.contains(&"path=/".to_owned()), "{set_cookie}");
    assert!(
        !attributes.contains(&"secure".to_owned()),
        "not Secure on plain-http loopback: {set_cookie}"
    );

    let after = browser.cookie(&oidc.base(), "palette_session").unwrap();
    assert_ne!(before, after, "the session id is rotated at login");
    assert_eq!(
        current_user(&oidc, &browser).await.as_deref(),
        Some("Alice Admin")
    );

    // The pre-login session id is worth nothing.
    let stale = reqwest::Client::new()
        .get(oidc.app.url("/api/v1/whoami"))
        .header("cookie", format!("palette_session={before}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.status(),
        StatusCode::UNAUTHORIZED,
        "no session fixation"
    );
    let whoami: Value = browser
        .http
        .get(oidc.app.url("/api/v1/whoami"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(whoami["principal"], "user:alice");

    let user = recorded_user(&oidc.database_url, "alice")
        .await
        .expect("the user is recorded");
    assert_eq!(user.kind, "person");
    assert_eq!(user.email.as_deref(), Some("alice@example.com"));
    assert_eq!(user.name.as_deref(), Some("Alice Admin"));
    assert_eq!(user.username.as_deref(), Some("alice"));
    assert_eq!(user.groups, ["platform-admins"]);
    let audit = login_audit(&oidc.database_url, "alice").await;
    assert_eq!(audit.len(), 1, "one login, audited: {audit:?}");
    assert_eq!(audit[0].0, "user:alice");
    assert_eq!(
        audit[0].1.as_ref().unwrap()["groups"],
        serde_json::json!(["platform-admins"])
    );

    // Bob's groups come through as well, in a browser of his own.
    let bob = Browser::new();
    log_in(&oidc, &bob, "/", "bob").await;
    assert_eq!(
        current_user(&oidc, &bob).await.as_deref(),
        Some("Bob Operator")
    );
    let user = recorded_user(&oidc.database_url, "bob").await.unwrap();
    assert_eq!(user.groups, ["blue-operators", "staff"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorization_request_uses_pkce_state_and_nonce() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let url = reqwest::Url::parse(&start_login(&oidc, &Browser::new(), "/").await).unwrap();
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "palette");
    assert_eq!(
        query["redirect_uri"],
        format!("{}/auth/callback", oidc.base())
    );
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query["code_challenge"].len() >= 43);
    assert!(query["state"].len() >= 16);
    assert!(query["nonce"].len() >= 16);
    let scopes: Vec<&str> = query["scope"].split(' ').collect();
    for scope in ["openid", "profile", "email", "groups"] {
        assert!(scopes.contains(&scope), "{scopes:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_with_the_wrong_state_is_refused() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let browser = Browser::new();
    let callback = walk_to_callback(&oidc, &browser, "/", "alice").await;
    let mut url = reqwest::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged-state".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    assert_failure_page(
        browser.get(url.as_str()).await,
        StatusCode::BAD_REQUEST,
        "state mismatch",
    )
    .await;
    assert_eq!(current_user(&oidc, &browser).await, None);
    // The flow was used up by the failed attempt: the genuine response is
    // refused too.
    assert_failure_page(
        browser.get(&callback).await,
        StatusCode::BAD_REQUEST,
        "No login was in progress",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_in_a_browser_that_started_no_login_is_refused() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let callback = walk_to_callback(&oidc, &Browser::new(), "/", "alice").await;
    let stranger = Browser::new();
    assert_failure_page(
        stranger.get(&callback).await,
        StatusCode::BAD_REQUEST,
        "No login was in progress",
    )
    .await;
    assert_eq!(current_user(&oidc, &stranger).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_code_is_refused() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let browser = Browser::new();
    let callback = walk_to_callback(&oidc, &browser, "/", "alice").await;
    assert_eq!(
        browser.get(&callback).await.status(),
        StatusCode::SEE_OTHER,
        "first use logs in"
    );

    // The same response again in the same browser: its flow is gone.
    assert_failure_page(
        browser.get(&callback).await,
        StatusCode::BAD_REQUEST,
        "No login was in progress",
    )
    .await;

    // The used code with a fresh, genuine state: the provider refuses it.
    let other = Browser::new();
    let authorize = reqwest::Url::parse(&start_login(&oidc, &other, "/").await).unwrap();
    let state = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let code = reqwest::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let replay = format!(
        "{}/auth/callback?code={}&state={}",
        oidc.base(),
        encode(&code),
        encode(&state)
    );
    assert_failure_page(
        other.get(&replay).await,
        StatusCode::BAD_REQUEST,
        "refused the login code",
    )
    .await;
    assert_eq!(current_user(&oidc, &other).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_cancelled_at_the_provider_says_so() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let browser = Browser::new();
    let mut url = start_login(&oidc, &browser, "/promotions").await;
    // Up to the provider's login form, then its "Cancel" link.
    let html = loop {
        let response = browser.get(&url).await;
        if response.status().is_redirection() {
            url = location(&response);
            continue;
        }
        break response.text().await.unwrap();
    };
    let cancel =
        attr_after(&html, "login-help", "href").expect("the provider offers a cancel link");
    let mut callback = cancel;
    while !callback.starts_with(&oidc.base()) {
        callback = location(&browser.get(&callback).await);
    }
    assert!(callback.contains("error=access_denied"), "{callback}");
    let response = browser.get(&callback).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(html.contains("refused the login (access_denied)"), "{html}");
    // Fixed words and a reference, never the provider's own text.
    assert!(!html.contains("End-User aborted"), "{html}");
    assert!(html.contains(r#"data-testid="login-reference""#), "{html}");
    assert!(
        html.contains(r#"href="/auth/login?return_to=%2Fpromotions""#),
        "retry returns to the page: {html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_ends_on_a_page_not_a_500() {
    // A port that was free a moment ago and has nobody listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let app = spawn_app_with_issuer(testkit::sqlite(), &format!("http://{closed}")).await;
    let browser = Browser::new();
    let response = browser
        .get(&app.url("/auth/login?return_to=/promotions"))
        .await;
    assert_failure_page(response, StatusCode::BAD_GATEWAY, "could not be reached").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_to_only_allows_same_origin_paths() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let browser = Browser::new();
    let response = log_in(&oidc, &browser, "//evil.example", "alice").await;
    assert_eq!(response.headers()["location"], "/");
    let other = Browser::new();
    let response = log_in(&oidc, &other, "https://evil.example/", "bob").await;
    assert_eq!(response.headers()["location"], "/");
    // Logged in, /auth/login goes straight to return_to: the same rule.
    for (asked, landed) in [
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/environments/blue", "/environments/blue"),
    ] {
        let response = browser
            .get(
                &oidc
                    .app
                    .url(&format!("/auth/login?return_to={}", encode(asked))),
            )
            .await;
        assert_eq!(response.headers()["location"], landed, "{asked}");
    }
}

async fn whoami(oidc: &OidcApp, token: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(oidc.app.url("/api/v1/whoami"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn assert_refused(response: reqwest::Response, why: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{why}");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        challenge
            .as_deref()
            .is_some_and(|c| c.starts_with("Bearer ")),
        "{why}: WWW-Authenticate {challenge:?}"
    );
    let body: Value = response.json().await.expect("a JSON error body");
    assert!(
        body["error"]["code"].is_string() && body["error"]["message"].is_string(),
        "{why}: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_jwts_are_verified_against_the_providers_jwks() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let provider = &oidc.provider;
    let token = provider.jwt_token("ci-pipeline").await;
    assert_eq!(claims_of(&token)["aud"], "palette-api");
    let response = whoami(&oidc, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap()["principal"],
        "user:ci-pipeline"
    );
    // A client Palette has never seen authenticates as itself.
    let unknown = provider.jwt_token("ci-unknown").await;
    assert_eq!(
        whoami(&oidc, &unknown).await.json::<Value>().await.unwrap()["principal"],
        "user:ci-unknown"
    );
    let machine = recorded_user(&oidc.database_url, "ci-pipeline")
        .await
        .expect("the machine is recorded");
    assert_eq!(machine.kind, "machine");

    // A token signed by the provider's key for the test is accepted: the
    // hostile ones below differ from it in one way each.
    let control = provider
        .sign(
            &provider.claims("ci-pipeline"),
            testkit::oidc::SigningKey::Provider,
        )
        .await;
    assert_eq!(
        whoami(&oidc, &control).await.status(),
        StatusCode::OK,
        "the test signer's baseline"
    );

    assert_refused(
        whoami(&oidc, &provider.expired_token("ci-pipeline").await).await,
        "expired",
    )
    .await;
    assert_refused(
        whoami(&oidc, &provider.wrong_issuer_token("ci-pipeline").await).await,
        "wrong issuer",
    )
    .await;
    assert_refused(
        whoami(&oidc, &provider.wrong_audience_token("ci-pipeline").await).await,
        "wrong audience",
    )
    .await;
    let other_api = provider
        .client_credentials("ci-pipeline", testkit::oidc::RESOURCE_OTHER)
        .await;
    assert_eq!(claims_of(&other_api)["aud"], "other-api");
    assert_refused(whoami(&oidc, &other_api).await, "issued for another API").await;
    let mut not_yet = provider.claims("ci-pipeline");
    not_yet["nbf"] = serde_json::json!(claims_of(&control)["iat"].as_i64().unwrap() + 3600);
    let not_yet = provider
        .sign(&not_yet, testkit::oidc::SigningKey::Provider)
        .await;
    assert_refused(whoami(&oidc, &not_yet).await, "not valid yet").await;
    let tampered = tamper(&token, |claims| claims["sub"] = "alice".into());
    assert_refused(whoami(&oidc, &tampered).await, "tampered payload").await;
    assert_refused(whoami(&oidc, &alg_none(&token)).await, "alg none").await;
    assert_refused(
        whoami(&oidc, &provider.hmac_public_key_token("ci-pipeline").await).await,
        "HS256 with the public key",
    )
    .await;
    assert_refused(
        whoami(&oidc, &provider.foreign_key_token("ci-pipeline").await).await,
        "a key outside the JWKS",
    )
    .await;
    assert_refused(whoami(&oidc, "not.a.jwt").await, "garbage JWT").await;
}

async fn environments_seen_by(oidc: &OidcApp, token: &str) -> usize {
    let response = reqwest::Client::new()
        .get(oidc.app.url("/api/v1/environments"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["items"]
        .as_array()
        .expect("a page of environments")
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_token_syncs_its_groups_and_cannot_be_a_person() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let provider = &oidc.provider;
    // The token's groups claim reaches the authorizer (the demo makes
    // group:platform-admins an admin), and a later token without it
    // takes the membership away again.
    let mut claims = provider.claims("ci-pipeline");
    claims["groups"] = serde_json::json!(["platform-admins"]);
    let admin = provider
        .sign(&claims, testkit::oidc::SigningKey::Provider)
        .await;
    assert_eq!(environments_seen_by(&oidc, &admin).await, 4);
    let plain = provider
        .sign(
            &provider.claims("ci-pipeline"),
            testkit::oidc::SigningKey::Provider,
        )
        .await;
    assert_eq!(environments_seen_by(&oidc, &plain).await, 0);

    // A client whose id is a person's subject does not act as that person.
    let browser = Browser::new();
    log_in(&oidc, &browser, "/", "alice").await;
    let impostor = provider
        .sign(
            &provider.claims("alice"),
            testkit::oidc::SigningKey::Provider,
        )
        .await;
    let refused = whoami(&oidc, &impostor).await;
    let body = refused.text().await.unwrap();
    assert!(body.contains("a person's subject"), "{body}");
    assert_refused(
        whoami(&oidc, &impostor).await,
        "a client id that is a person's subject",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_and_other_token_types_are_not_bearer_credentials() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let provider = &oidc.provider;
    let mut refresh = provider.claims("ci-pipeline");
    refresh["token_use"] = "refresh_token".into();
    let refresh = provider
        .sign(&refresh, testkit::oidc::SigningKey::Provider)
        .await;
    assert_refused(whoami(&oidc, &refresh).await, "token_use refresh_token").await;
    let mut access = provider.claims("ci-pipeline");
    access["token_use"] = "access_token".into();
    let access = provider
        .sign(&access, testkit::oidc::SigningKey::Provider)
        .await;
    assert_eq!(whoami(&oidc, &access).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_401_json_without_a_token_never_a_redirect() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let response = Browser::new().get(&oidc.app.url("/api/v1/whoami")).await;
    assert_refused(response, "no token").await;
    let response = reqwest::Client::new()
        .get(oidc.app.url("/api/v1/whoami"))
        .header("authorization", "Basic Y2ktcGlwZWxpbmU6c2VjcmV0")
        .send()
        .await
        .unwrap();
    assert_refused(response, "not a bearer token").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opaque_tokens_are_introspected() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let token = oidc.provider.opaque_token("ci-pipeline").await;
    assert!(!token.contains('.'), "opaque: {token}");
    let response = whoami(&oidc, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap()["principal"],
        "user:ci-pipeline"
    );

    assert_refused(
        whoami(&oidc, "garbage-token-that-nobody-issued").await,
        "garbage",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_introspection_answer_is_kept_briefly_so_a_revocation_takes_effect_within_it() {
    // Kept for 2 seconds: a revoked token still works at once (no second
    // introspection), and is refused once the answer has expired.
    let settings = [("PALETTE_OIDC_INTROSPECTION_CACHE_SECS", "2")];
    let oidc = spawn_oidc_app_with(testkit::sqlite(), &settings).await;
    let token = oidc.provider.opaque_token("ci-pipeline").await;
    assert_eq!(whoami(&oidc, &token).await.status(), StatusCode::OK);
    oidc.provider.revoke("ci-pipeline", &token).await;
    assert_eq!(
        whoami(&oidc, &token).await.status(),
        StatusCode::OK,
        "the answer is kept: the provider is not asked again"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_refused(
        whoami(&oidc, &token).await,
        "revoked, once the answer expired",
    )
    .await;

    // With 0 nothing is kept: a revocation takes effect at once.
    let settings = [("PALETTE_OIDC_INTROSPECTION_CACHE_SECS", "0")];
    let oidc = spawn_oidc_app_with(testkit::sqlite(), &settings).await;
    let token = oidc.provider.opaque_token("ci-pipeline").await;
    assert_eq!(whoami(&oidc, &token).await.status(), StatusCode::OK);
    oidc.provider.revoke("ci-pipeline", &token).await;
    assert_refused(whoami(&oidc, &token).await, "revoked").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_and_continues_at_the_provider() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let browser = Browser::new();
    log_in(&oidc, &browser, "/", "alice").await;
    let token = csrf_token(&oidc, &browser).await;
    let response = browser
        .http
        .post(oidc.app.url("/auth/logout"))
        .header("origin", oidc.base())
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    let end_session = reqwest::Url::parse(&location(&response)).unwrap();
    assert!(
        end_session
            .as_str()
            .starts_with(&format!("{}/session/end?", oidc.provider.issuer)),
        "{end_session}"
    );
    let query: std::collections::HashMap<String, String> =
        end_session.query_pairs().into_owned().collect();
    assert_eq!(
        query["post_logout_redirect_uri"],
        format!("{}/", oidc.base())
    );
    let hint = claims_of(&query["id_token_hint"]);
    assert_eq!(hint["sub"], "alice");
    assert_eq!(hint["aud"], "palette");

    // The local session is gone.
    assert_eq!(current_user(&oidc, &browser).await, None);
    let response = browser
        .http
        .get(oidc.app.url("/api/v1/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // The provider accepts the hint and the post-logout URI, and sends the
    // browser back to Palette.
    let response = browser.get(end_session.as_str()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.url().clone();
    let html = response.text().await.unwrap();
    let action = page
        .join(&attr_after(&html, "<form", "action").expect("a logout form"))
        .unwrap();
    let xsrf = attr_after(&html, r#"name="xsrf""#, "value").expect("the provider's xsrf field");
    let response = browser
        .http
        .post(action)
        .form(&[("xsrf", xsrf.as_str()), ("logout", "yes")])
        .send()
        .await
        .unwrap();
    let mut url = location(&response);
    while !url.starts_with(&oidc.base()) {
        url = location(&browser.get(&url).await);
    }
    assert_eq!(url, format!("{}/", oidc.base()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changing_requests_need_the_origin_and_the_csrf_token() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let browser = Browser::new();
    log_in(&oidc, &browser, "/", "alice").await;
    let token = csrf_token(&oidc, &browser).await;
    let logout = || browser.http.post(oidc.app.url("/auth/logout"));

    let response = logout()
        .header("origin", oidc.base())
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "no token");
    let response = logout()
        .header("origin", oidc.base())
        .form(&[("_csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "wrong token");
    // The refusal page names the request, as the response header does.
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&format!("Reference: <code>{id}</code>")),
        "{html}"
    );
    let response = logout()
        .header("origin", "https://evil.example")
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "foreign Origin");
    let response = logout()
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "neither Origin nor Referer"
    );
    // Credentials a browser adds by itself (HTTP Basic) are no bearer token
    // and do not lift the CSRF check.
    let response = logout()
        .header("origin", oidc.base())
        .header("authorization", "Basic YWxpY2U6cGFzc3dvcmQ=")
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "Basic credentials and no token"
    );
    assert_eq!(
        current_user(&oidc, &browser).await.as_deref(),
        Some("Alice Admin"),
        "still logged in"
    );

    // The header form of the token works as well as the form field.
    let response = logout()
        .header("origin", oidc.base())
        .header("x-csrf-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(current_user(&oidc, &browser).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dev_login_refuses_a_non_loopback_address() {
    let db = testkit::sqlite();
    let config = server::Config {
        listen: "0.0.0.0:0".parse().unwrap(),
        database_url: Some(db.url.clone().into()),
        dev_login: true,
        ..server::Config::default()
    };
    match server::Server::build(&config, &server::ServeOptions::default()).await {
        Err(server::StartError::Auth(server::auth::AuthError::DevLoginNotLoopback(addr))) => {
            assert!(!addr.ip().is_loopback());
        }
        Err(other) => panic!("the wrong error: {other}"),
        Ok(_) => panic!("the dev login started on 0.0.0.0"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_issuer_or_the_dev_login_flag_nobody_can_log_in_so_it_does_not_start() {
    let db = testkit::sqlite();
    let config = server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(db.url.clone().into()),
        ..server::Config::default()
    };
    match server::Server::build(&config, &server::ServeOptions::default()).await {
        Err(server::StartError::Auth(server::auth::AuthError::NoLogin)) => {}
        Err(other) => panic!("the wrong error: {other}"),
        Ok(_) => panic!("started with the dev login nobody asked for"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_go_on_after_the_provider_rotates_its_signing_key() {
    let mut oidc = spawn_oidc_app(testkit::sqlite()).await;
    log_in(&oidc, &Browser::new(), "/", "alice").await;
    // Same issuer, new key: Palette's cached discovery (and the JWKS fetched
    // with it) predates the key that signs the next ID token.
    oidc.provider.restart();
    let browser = Browser::new();
    let callback = walk_to_callback(&oidc, &browser, "/", "bob").await;
    let response = browser.get(&callback).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{}",
        response.text().await.unwrap()
    );
    assert_eq!(
        current_user(&oidc, &browser).await.as_deref(),
        Some("Bob Operator")
    );
    // Bearer tokens signed with the new key verify as well.
    let token = oidc.provider.jwt_token("ci-pipeline").await;
    assert_eq!(whoami(&oidc, &token).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_gone_during_the_code_exchange_is_reported_as_unreachable() {
    let mut oidc = spawn_oidc_app(testkit::sqlite()).await;
    let browser = Browser::new();
    let callback = walk_to_callback(&oidc, &browser, "/promotions", "alice").await;
    oidc.provider.stop();
    assert_failure_page(
        browser.get(&callback).await,
        StatusCode::BAD_GATEWAY,
        "could not be reached",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cookies_are_secure_behind_an_https_public_url() {
    testkit::init_tracing();
    let db = testkit::sqlite();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let provider = testkit::oidc::start(&format!("http://{addr}"));
    let mut env = oidc_env(&provider.issuer, &db.url);
    env.insert(
        "PALETTE_PUBLIC_URL".into(),
        "https://palette.example.com".into(),
    );
    let config = server::Config::load(None, &env).unwrap();
    let server = server::Server::build_on(listener, &config, &server::ServeOptions::default())
        .await
        .unwrap();
    tokio::spawn(server.run(std::future::pending()));
    let response = Browser::new()
        .get(&format!("http://{addr}/auth/login?return_to=/"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).contains(&encode("https://palette.example.com/auth/callback")));
    // The session (a login in progress) and the anonymous anti-CSRF
    // cookie: both `__Host-`, Secure, `Path=/`, no Domain.
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect();
    for name in ["__host-palette_session=", "__host-palette_csrf="] {
        let set_cookie = cookies
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("the __Host- prefix on {name}: {cookies:?}"));
        let attributes: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
        assert!(attributes.contains(&"secure"), "Secure: {set_cookie}");
        assert!(attributes.contains(&"httponly"), "HttpOnly: {set_cookie}");
        assert!(attributes.contains(&"path=/"), "Path=/: {set_cookie}");
        assert!(
            !attributes.iter().any(|a| a.starts_with("domain=")),
            "no Domain: {set_cookie}"
        );
    }
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_expiry_slides_with_each_request_and_ends_an_idle_session() {
    let app = crate::support::spawn_app_with(testkit::sqlite(), true, |config| {
        config.session_idle_secs = 3;
    })
    .await;
    app.login_dev("alice").await;
    // Five seconds of use, a request a second after the last answer: longer
    // than the idle time, with 2 s to spare for a slow answer on a busy
    // machine.
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let response = app.get("/api/v1/whoami").await;
        assert_eq!(response.status(), StatusCode::OK, "still in use");
    }
    tokio::time::sleep(std::time::Duration::from_millis(4500)).await;
    assert_eq!(
        app.get("/api/v1/whoami").await.status(),
        StatusCode::UNAUTHORIZED,
        "idle for longer than the idle time"
    );
}

/// The sessions the database holds for `subject`.
async fn sessions_of(database_url: &str, subject: &str) -> i64 {
    let store = engine::Store::connect(database_url).await.unwrap();
    let row = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE subject = $1")
        .bind(subject)
        .fetch_one(store.pool())
        .await
        .unwrap();
    sqlx::Row::get::<i64, _>(&row, "n")
}

async fn logged_in_as(oidc: &OidcApp, browser: &Browser) -> bool {
    let response = browser
        .http
        .get(oidc.app.url("/api/v1/whoami"))
        .send()
        .await
        .unwrap();
    response.status() == StatusCode::OK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_everywhere_and_an_admin_end_a_persons_sessions() {
    let oidc = spawn_oidc_app(testkit::sqlite()).await;
    let (laptop, phone, bobs) = (Browser::new(), Browser::new(), Browser::new());
    log_in(&oidc, &laptop, "/", "alice").await;
    log_in(&oidc, &phone, "/", "alice").await;
    log_in(&oidc, &bobs, "/", "bob").await;
    assert_eq!(sessions_of(&oidc.database_url, "alice").await, 2);

    // "Log out everywhere" on the laptop ends the phone's session too.
    let token = csrf_token(&oidc, &laptop).await;
    let response = laptop
        .http
        .post(oidc.app.url("/auth/logout"))
        .header("origin", oidc.base())
        .form(&[("_csrf", token.as_str()), ("everywhere", "1")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());
    assert!(!logged_in_as(&oidc, &laptop).await);
    assert!(!logged_in_as(&oidc, &phone).await, "the other browser too");
    assert!(logged_in_as(&oidc, &bobs).await, "nobody else's");
    assert_eq!(sessions_of(&oidc.database_url, "alice").await, 0);

    // Over the API: a person without admin cannot end bob's sessions; a
    // platform admin can, and it is audited.
    let provider = &oidc.provider;
    let plain = provider
        .sign(
            &provider.claims("ci-plain"),
            testkit::oidc::SigningKey::Provider,
        )
        .await;
    let end_bobs = |token: String| {
        let http = reqwest::Client::new();
        let url = oidc.app.url("/api/v1/users/bob/sessions");
        async move { http.delete(url).bearer_auth(token).send().await.unwrap() }
    };
    assert_eq!(end_bobs(plain).await.status(), StatusCode::FORBIDDEN);
    assert!(logged_in_as(&oidc, &bobs).await);
    let mut claims = provider.claims("ci-admin");
    claims["groups"] = serde_json::json!(["platform-admins"]);
    let admin = provider
        .sign(&claims, testkit::oidc::SigningKey::Provider)
        .await;
    let response = end_bobs(admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"subject": "bob", "ended": 1}));
    assert!(!logged_in_as(&oidc, &bobs).await, "bob must log in again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_visitor_costs_no_database_session() {
    let app = crate::support::spawn_app(testkit::sqlite(), true).await;
    let count = || async {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM sessions")
            .fetch_one(app.engine.store().pool())
            .await
            .unwrap();
        sqlx::Row::get::<i64, _>(&row, "n")
    };
    for path in ["/", "/auth/login", "/promotions"] {
        let response = app.get(path).await;
        assert!(response.status().is_success(), "{path}");
    }
    assert_eq!(count().await, 0, "pages viewed anonymously store nothing");

    // The anonymous token is bound to this browser's own cookie: another
    // browser holding the same token but its own cookie is refused.
    let token = app.csrf().await;
    let other = crate::support::spawn_client();
    other
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let response = other
        .post(app.url("/auth/dev-login"))
        .header("origin", app.origin())
        .form(&[
            ("user", "alice"),
            ("_csrf", token.as_str()),
            ("return_to", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(count().await, 0);

    // With its own cookie the dev login works, and only then is there a
    // session: alice's.
    app.login_dev("alice").await;
    assert_eq!(count().await, 1);
    let row = sqlx::query("SELECT subject FROM sessions")
        .fetch_one(app.engine.store().pool())
        .await
        .unwrap();
    assert_eq!(sqlx::Row::get::<String, _>(&row, "subject"), "alice");
}
