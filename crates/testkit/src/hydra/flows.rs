//! OAuth 2.0 flows against Hydra, as a client or a browser would drive them:
//! client credentials, introspection, and an authorization code flow walked
//! through the login app.

use serde_json::Value;

use super::{secret, Hydra, AUDIENCE, PALETTE_CLIENT};

impl Hydra {
    /// A client-credentials access token for `client_id` with [`AUDIENCE`].
    pub async fn client_credentials(&self, client_id: &str) -> String {
        let response = self
            .http
            .post(self.url("/oauth2/token"))
            .basic_auth(client_id, Some(secret(client_id)))
            .form(&[("grant_type", "client_credentials"), ("audience", AUDIENCE)])
            .send()
            .await
            .expect("Hydra's token endpoint answers");
        token_field(response, "access_token").await
    }

    /// What Hydra's admin API says of `token`.
    pub async fn introspect(&self, token: &str) -> Value {
        self.http
            .post(self.introspection_url())
            .form(&[("token", token)])
            .send()
            .await
            .expect("Hydra's introspection answers")
            .json()
            .await
            .expect("a JSON introspection answer")
    }

    /// An authorization request of Palette's client (redirected to
    /// `<palette_base>/auth/callback`) for `scope`, made by hand rather than
    /// by Palette.
    pub fn authorize_url(&self, palette_base: &str, scope: &str) -> String {
        let mut authorize = reqwest::Url::parse(&self.url("/oauth2/auth")).expect("a URL");
        authorize
            .query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", PALETTE_CLIENT)
            .append_pair("redirect_uri", &format!("{palette_base}/auth/callback"))
            .append_pair("scope", scope)
            .append_pair("state", "a-state-made-by-hand");
        authorize.to_string()
    }

    /// A refresh token for `user` at Palette's client: an authorization
    /// code flow with `offline_access`, walked through the login app by a
    /// browser of its own, the code exchanged here (Palette never sees it).
    pub async fn refresh_token(&self, palette_base: &str, user: &str) -> String {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        let redirect_uri = format!("{palette_base}/auth/callback");
        let authorize = self.authorize_url(palette_base, "openid offline_access");
        let callback = self.walk(&browser, &authorize, user, &redirect_uri).await;
        let code = reqwest::Url::parse(&callback)
            .expect("a callback URL")
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no code in {callback}"));
        let response = self
            .http
            .post(self.url("/oauth2/token"))
            .basic_auth(PALETTE_CLIENT, Some(secret(PALETTE_CLIENT)))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", redirect_uri.as_str()),
            ])
            .send()
            .await
            .expect("Hydra's token endpoint answers");
        token_field(response, "refresh_token").await
    }

    /// Follows redirects from `url` with `browser` (which must keep cookies
    /// and not follow redirects itself) through Hydra and the login app,
    /// submitting the login form as `user`, until a redirect to a URL that
    /// starts with `until`: returns that URL, not visited.
    pub async fn walk(
        &self,
        browser: &reqwest::Client,
        url: &str,
        user: &str,
        until: &str,
    ) -> String {
        let mut url = url.to_owned();
        for _ in 0..20 {
            if url.starts_with(until) {
                return url;
            }
            let response = browser
                .get(&url)
                .header("accept", "text/html")
                .send()
                .await
                .expect("a page");
            let response = if response.status().is_redirection() {
                response
            } else {
                let page = response.url().clone();
                let status = response.status();
                let html = response.text().await.expect("a page");
                assert!(
                    status.is_success() && html.contains(r#"name="login_challenge""#),
                    "expected the login form at {page}, got {status}: {html}"
                );
                let challenge = page
                    .query_pairs()
                    .find(|(k, _)| k == "login_challenge")
                    .map(|(_, v)| v.into_owned())
                    .expect("the login page's challenge");
                browser
                    .post(format!("{}/login", self.login_app))
                    .form(&[("login_challenge", challenge.as_str()), ("user", user)])
                    .send()
                    .await
                    .expect("the login form is accepted")
            };
            url = location(&response);
        }
        panic!("never redirected to {until}; Hydra's log: {}", self.log());
    }
}

async fn token_field(response: reqwest::Response, field: &str) -> String {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON token response");
    assert!(status.is_success(), "token refused: {status} {body}");
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
        .to_owned()
}

/// The `Location` of a redirect, resolved against the request's URL.
fn location(response: &reqwest::Response) -> String {
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {} from {}",
        response.status(),
        response.url()
    );
    let raw = response.headers()["location"]
        .to_str()
        .expect("a text Location");
    response
        .url()
        .join(raw)
        .expect("a valid Location")
        .to_string()
}
