//! A hand-driven browser for the HTTP tests: a cookie jar of its own,
//! redirects not followed, and the walk through the test OpenID Provider's
//! login and consent forms (`testkit::oidc`).

use reqwest::StatusCode;

/// A browser: a cookie jar of its own, redirects not followed.
pub struct Browser {
    pub http: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    pub fn new() -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { http, jar }
    }

    /// A page navigation (`Accept: text/html`).
    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.http
            .get(url)
            .header("accept", "text/html")
            .send()
            .await
            .expect("request")
    }

    /// The value of cookie `name` this browser would send to `url`.
    pub fn cookie(&self, url: &str, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let header = self.jar.cookies(&url.parse().unwrap())?;
        header.to_str().ok()?.split("; ").find_map(|pair| {
            pair.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::to_owned)
        })
    }
}

/// The `Location` of a redirect, resolved against the request's URL.
pub fn location(response: &reqwest::Response) -> String {
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {} from {}",
        response.status(),
        response.url()
    );
    let raw = response.headers()["location"].to_str().unwrap();
    response.url().join(raw).unwrap().to_string()
}

/// The first `attr="…"` after `marker` in `html` (`&amp;` undone).
pub fn attr_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let from = html.find(marker)?;
    let rest = &html[from..];
    let start = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    let end = rest[start..].find('"')? + start;
    Some(rest[start..end].replace("&amp;", "&"))
}

pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `GET /auth/login` at the Palette at `base`: returns the authorization
/// URL at `issuer` it redirects to.
pub async fn start_login(browser: &Browser, base: &str, issuer: &str, return_to: &str) -> String {
    let response = browser
        .get(&format!(
            "{base}/auth/login?return_to={}",
            encode(return_to)
        ))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "login starts with a redirect"
    );
    let url = location(&response);
    assert!(
        url.starts_with(&format!("{issuer}/auth?")),
        "to the provider: {url}"
    );
    url
}

/// Walks the test provider's login and consent forms as `user`, from
/// `url` up to the redirect back to the callback of the Palette at `base`:
/// returns that callback URL, not yet visited.
pub async fn walk_provider(browser: &Browser, base: &str, mut url: String, user: &str) -> String {
    let callback = format!("{base}/auth/callback");
    for _ in 0..20 {
        if url.starts_with(&callback) {
            return url;
        }
        let response = browser.get(&url).await;
        if response.status().is_redirection() {
            url = location(&response);
            continue;
        }
        let page = response.url().clone();
        let status = response.status();
        let html = response.text().await.unwrap();
        assert_eq!(
            status,
            StatusCode::OK,
            "the provider's page at {page}: {html}"
        );
        let action = page
            .join(&attr_after(&html, "<form", "action").expect("a form"))
            .unwrap();
        let form: Vec<(&str, &str)> = if html.contains(r#"name="login""#) {
            vec![
                ("prompt", "login"),
                ("login", user),
                ("password", "any password"),
            ]
        } else if html.contains(r#"value="consent""#) {
            vec![("prompt", "consent")]
        } else {
            panic!("an unexpected provider page at {page}: {html}");
        };
        let response = browser.http.post(action).form(&form).send().await.unwrap();
        url = location(&response);
    }
    panic!("the provider never sent the browser back to {callback}");
}

/// A whole login as `user` at the Palette at `base` through the test
/// provider at `issuer`, back to `return_to`: the callback's response (a
/// redirect).
pub async fn log_in(
    browser: &Browser,
    base: &str,
    issuer: &str,
    return_to: &str,
    user: &str,
) -> reqwest::Response {
    let url = start_login(browser, base, issuer, return_to).await;
    let callback = walk_provider(browser, base, url, user).await;
    let response = browser.get(&callback).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the callback logs in and redirects"
    );
    response
}

/// The anti-CSRF token the home page's forms carry for this browser.
pub async fn csrf_token(browser: &Browser, base: &str) -> String {
    let html = browser.get(&format!("{base}/")).await.text().await.unwrap();
    attr_after(&html, r#"name="_csrf""#, "value").expect("the page carries the CSRF token")
}
