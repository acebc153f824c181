//! Browser security headers (`docs/security.md`): the Content-Security-Policy
//! and its per-response nonce on the page's scripts, framing, sniffing,
//! referrers, `no-store` on pages and the API but not on the site's files
//! (`assets.rs` has the rest of `Cache-Control`), and HSTS
//! with an https public URL only. The browser suite proves the pages still
//! hydrate under the policy (`end2end/tests/csp.js-only.spec.ts`).

use reqwest::header::HeaderMap;

use crate::support::{spawn_app, spawn_app_with};

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

/// The headers every response of the public listener carries.
fn assert_browser_headers(headers: &HeaderMap, what: &str) {
    let csp =
        header(headers, "content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    for directive in [
        "default-src 'self'",
        "script-src 'self' 'nonce-",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: {directive} missing from {csp}"
        );
    }
    let scripts = csp
        .split("; ")
        .find(|d| d.starts_with("script-src "))
        .unwrap();
    assert_eq!(
        scripts,
        format!(
            "script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'",
            csp_nonce(headers)
        ),
        "{what}: inline scripts run by nonce only"
    );
    assert_eq!(header(headers, "x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        header(headers, "x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header(headers, "referrer-policy"),
        Some("same-origin"),
        "{what}"
    );
}

/// The nonce the response's policy names.
fn csp_nonce(headers: &HeaderMap) -> String {
    let csp = header(headers, "content-security-policy").unwrap();
    let start = csp.find("'nonce-").unwrap() + "'nonce-".len();
    csp[start..].split('\'').next().unwrap().to_owned()
}

/// Every start tag of `html` that begins with `opener`.
fn tags<'a>(html: &'a str, opener: &str) -> Vec<&'a str> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(opener) {
        let tag = &rest[at..];
        let end = tag.find('>').unwrap();
        tags.push(&tag[..=end]);
        rest = &tag[end..];
    }
    tags
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_the_policy_and_are_never_stored() {
    let app = spawn_app(testkit::sqlite(), true).await;
    app.login_dev("alice").await;
    for path in [
        "/",
        "/environments/blue",
        "/jobs",
        "/no-such-page",
        "/auth/login",
    ] {
        let response = app.get(path).await;
        let what = format!("GET {path} ({})", response.status());
        assert_browser_headers(response.headers(), &what);
        assert_eq!(
            header(response.headers(), "cache-control"),
            Some("no-store"),
            "{what}"
        );
        assert_eq!(
            header(response.headers(), "strict-transport-security"),
            None,
            "{what}: no HSTS over an http public URL"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nonce_is_on_every_script_of_the_page_and_new_for_each_response() {
    let app = spawn_app(testkit::sqlite(), true).await;
    app.login_dev("alice").await;
    let mut nonces = Vec::new();
    // A page, another, and the not-found fallback, which renders the app too.
    for path in ["/", "/", "/environments/blue", "/no-such-page"] {
        let response = app.get(path).await;
        let nonce = csp_nonce(response.headers());
        assert!(nonce.len() >= 22, "128 bits at least: {nonce}");
        let html = response.text().await.unwrap();
        let scripts = tags(&html, "<script");
        assert!(
            scripts.iter().any(|t| t.contains("type=\"module\"")),
            "GET {path}: the hydration script is missing from {html}"
        );
        for tag in scripts {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "GET {path}: {tag} lacks the policy's nonce {nonce}"
            );
        }
        // Leptos writes the nonce into the preload's crossorigin attribute
        // instead (leptos-rs/leptos#4843): 'self' is what admits it.
        let preloads = tags(&html, "<link rel=\"modulepreload\"");
        assert!(!preloads.is_empty(), "GET {path}: {html}");
        for tag in preloads {
            assert!(
                tag.contains("href=\"/pkg/"),
                "GET {path}: {tag} is not Palette's"
            );
        }
        nonces.push(nonce);
    }
    let mut distinct = nonces.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        nonces.len(),
        "a nonce was reused: {nonces:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_api_responses_and_server_functions_are_never_stored() {
    let app = spawn_app(testkit::sqlite(), true).await;
    app.login_dev("alice").await;
    let response = app
        .client
        .get(app.url("/api/v1/environments"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(header(response.headers(), "content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_browser_headers(response.headers(), "GET /api/v1/environments");
    assert_eq!(
        header(response.headers(), "cache-control"),
        Some("no-store")
    );
    let anonymous = reqwest::get(app.url("/api/v1/whoami")).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        header(anonymous.headers(), "cache-control"),
        Some("no-store")
    );

    let server_fn = app
        .client
        .get(app.url("/_fn/list_environments"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(server_fn.status(), 200, "{:?}", server_fn.headers());
    assert_eq!(
        header(server_fn.headers(), "cache-control"),
        Some("no-store")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unhashed_static_files_are_cached_but_revalidated() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/palette.css"), "body { margin: 0 }").unwrap();
    let root = site.path().to_owned();
    let app = spawn_app_with(testkit::sqlite(), false, move |config| {
        config.site_root = root;
    })
    .await;
    let response = app.get("/pkg/palette.css").await;
    assert_eq!(response.status(), 200);
    assert!(header(response.headers(), "content-type")
        .unwrap()
        .starts_with("text/css"));
    assert_eq!(
        header(response.headers(), "cache-control"),
        Some("no-cache"),
        "an unhashed static file is cached, revalidated by Last-Modified"
    );
    assert!(header(response.headers(), "last-modified").is_some());
    assert_eq!(
        header(response.headers(), "x-content-type-options"),
        Some("nosniff")
    );
    // A missing file is never stored.
    let missing = app.get("/pkg/no-such-file.js").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(header(missing.headers(), "cache-control"), Some("no-store"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_is_sent_only_when_the_public_url_is_https() {
    let https = spawn_app_with(testkit::sqlite(), false, |config| {
        config.public_url = Some("https://palette.example.com".to_owned());
    })
    .await;
    let http = spawn_app_with(testkit::sqlite(), false, |config| {
        config.public_url = Some("http://palette.example.com".to_owned());
    })
    .await;
    for path in ["/healthz", "/auth/login"] {
        let response = https.get(path).await;
        assert_eq!(
            header(response.headers(), "strict-transport-security"),
            Some("max-age=31536000"),
            "GET {path}"
        );
        let response = http.get(path).await;
        assert_eq!(
            header(response.headers(), "strict-transport-security"),
            None,
            "GET {path}"
        );
    }
}
