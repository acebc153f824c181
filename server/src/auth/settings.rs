//! Authentication settings and providers, built once from the
//! configuration and shared by the auth handlers and middleware (as
//! `State<Auth>`).

use std::net::SocketAddr;
use std::sync::Arc;

use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use super::session::{
    COOKIE_NAME, CSRF_COOKIE_NAME, SECURE_COOKIE_NAME, SECURE_CSRF_COOKIE_NAME,
    SECURE_PREFIXED_COOKIE_NAME, SECURE_PREFIXED_CSRF_COOKIE_NAME,
};
use super::session_store::DbSessionStore;
use super::{bearer, oidc};
use crate::forwarded::ForwardedOrigin;
use crate::Config;

/// How people log in.
#[derive(Clone)]
pub enum Login {
    Oidc(Arc<oidc::Provider>),
    /// Pick a seeded user; loopback only.
    Dev,
}

/// The demo's CI token: a random bearer token for the demo CI principal,
/// made at start and printed, accepted only while the dev login is on (so
/// only on loopback) and only by this process.
#[derive(Clone)]
pub struct DemoCiToken {
    token: Arc<secrecy::SecretString>,
}

impl DemoCiToken {
    /// The subject the token stands for: the demo's CI principal, which
    /// the demo grants `releaser`.
    pub fn subject() -> &'static str {
        let principal = engine::demo::DEMO_CI;
        principal.strip_prefix("user:").unwrap_or(principal)
    }

    pub fn new() -> Self {
        Self {
            token: Arc::new(super::session::new_token().into()),
        }
    }

    /// The token, to print.
    pub fn reveal(&self) -> &str {
        use secrecy::ExposeSecret;
        self.token.expose_secret()
    }

    /// Whether `presented` is this token (in constant time).
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.reveal().as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

impl Default for DemoCiToken {
    fn default() -> Self {
        Self::new()
    }
}

/// Authentication settings and providers, shared by handlers.
#[derive(Clone)]
pub struct Auth {
    pub login: Login,
    pub bearer: Option<Arc<bearer::Verifier>>,
    /// The demo CI token; only with the dev login.
    pub demo_ci: Option<DemoCiToken>,
    /// The external base URL, no trailing slash.
    pub public_base: String,
    /// Whether `PALETTE_PUBLIC_URL` is set. When it is, it is the only
    /// origin; when not, a trusted proxy's `X-Forwarded-Proto`/`-Host`
    /// name the origin the browser sees.
    pub public_url_set: bool,
    /// `PALETTE_PATH_PREFIX` (`/palette`), or empty at the root.
    pub base: String,
    /// The stylesheet's URL on the host, for the pages rendered here.
    stylesheet: String,
    pub absolute_secs: i64,
    idle_secs: i64,
    /// Signs the anonymous anti-CSRF token ([`Auth::anonymous_csrf`]); the
    /// same in every process on one database.
    signing_key: Arc<secrecy::SecretString>,
}

/// Why authentication could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "the dev login is on (--dev-login) and refuses to listen on {0}, which is not a loopback address"
    )]
    DevLoginNotLoopback(SocketAddr),
    #[error(
        "no way to log in: set PALETTE_OIDC_ISSUER (and its client), or pass --dev-login on your own machine"
    )]
    NoLogin,
    #[error("PALETTE_PUBLIC_URL is not a valid URL: {0}")]
    PublicUrl(String),
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

impl Auth {
    /// `demo_ci` is kept only when the dev login is on; `signing_key` is
    /// the database's ([`engine::services::sessions::Sessions::signing_key`]);
    /// `assets` name the stylesheet of the pages rendered here.
    pub fn new(
        config: &Config,
        bound: SocketAddr,
        demo_ci: Option<DemoCiToken>,
        signing_key: String,
        assets: &crate::assets::Assets,
    ) -> Result<Self, AuthError> {
        let public_base = config.public_base(bound);
        let (login, bearer) = match &config.oidc {
            Some(oidc) => {
                let provider = Arc::new(oidc::Provider::new(oidc, &public_base)?);
                let bearer = config.api_audience.as_ref().map(|audience| {
                    Arc::new(bearer::Verifier::new(
                        provider.clone(),
                        audience.clone(),
                        config.introspection.clone(),
                    ))
                });
                (Login::Oidc(provider), bearer)
            }
            None if !config.dev_login => return Err(AuthError::NoLogin),
            None => {
                if !config.listen.ip().is_loopback() || !bound.ip().is_loopback() {
                    return Err(AuthError::DevLoginNotLoopback(bound));
                }
                (Login::Dev, None)
            }
        };
        let demo_ci = demo_ci.filter(|_| matches!(login, Login::Dev));
        Ok(Self {
            login,
            bearer,
            demo_ci,
            public_base,
            public_url_set: config.public_url.is_some(),
            base: config.path_prefix.clone().unwrap_or_default(),
            stylesheet: format!(
                "{}/{}/{}",
                config.path_prefix.as_deref().unwrap_or_default(),
                crate::assets::PKG_DIR,
                assets.stylesheet()
            ),
            absolute_secs: i64::try_from(config.session_absolute_secs).unwrap_or(i64::MAX),
            idle_secs: i64::try_from(config.session_idle_secs).unwrap_or(i64::MAX),
            signing_key: Arc::new(signing_key.into()),
        })
    }

    /// The origin a browser's requests come from: the public URL's, or,
    /// without one, what a trusted proxy forwarded for this request.
    pub fn origin_for<'a>(&'a self, forwarded: Option<&'a ForwardedOrigin>) -> &'a str {
        match forwarded {
            Some(origin) if !self.public_url_set => &origin.0,
            _ => &self.public_base,
        }
    }

    pub fn is_dev(&self) -> bool {
        matches!(self.login, Login::Dev)
    }

    /// Cookies are `Secure` unless the public URL is plain-http loopback.
    pub fn secure_cookies(&self) -> bool {
        !is_plain_http_loopback(&self.public_base)
    }

    /// What the pages rendered here link: the prefix and the stylesheet.
    pub fn look(&self) -> super::pages::Look<'_> {
        super::pages::Look {
            base: &self.base,
            stylesheet: &self.stylesheet,
        }
    }

    /// `path` (within Palette, `/jobs`) on the host: under the prefix.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `__Host-palette_session` when Secure, `__Secure-palette_session`
    /// when Secure under a path prefix, else `palette_session`.
    pub fn cookie_name(&self) -> &'static str {
        match (self.secure_cookies(), self.base.is_empty()) {
            (true, true) => SECURE_COOKIE_NAME,
            (true, false) => SECURE_PREFIXED_COOKIE_NAME,
            (false, _) => COOKIE_NAME,
        }
    }

    /// `/`, or the path prefix: the session goes to Palette's paths only.
    pub fn cookie_path(&self) -> String {
        if self.base.is_empty() {
            "/".to_owned()
        } else {
            self.base.clone()
        }
    }

    /// Named as the session cookie is ([`Auth::cookie_name`]):
    /// `__Host-palette_csrf` when Secure, `__Secure-palette_csrf` when
    /// Secure under a path prefix, else `palette_csrf`.
    pub fn csrf_cookie_name(&self) -> &'static str {
        match (self.secure_cookies(), self.base.is_empty()) {
            (true, true) => SECURE_CSRF_COOKIE_NAME,
            (true, false) => SECURE_PREFIXED_CSRF_COOKIE_NAME,
            (false, _) => CSRF_COOKIE_NAME,
        }
    }

    /// The anti-CSRF token of a browser without a session, bound to the
    /// random value of its [`Auth::csrf_cookie_name`] cookie: HMAC-SHA256
    /// under the signing key, so that a cookie planted by someone else
    /// comes with no token they could know without asking Palette.
    pub fn anonymous_csrf(&self, cookie: &str) -> String {
        use base64::Engine as _;
        use hmac::Mac as _;
        use secrecy::ExposeSecret;
        let Ok(mut mac) =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(self.signing_key.expose_secret().as_bytes())
        else {
            // HMAC takes keys of any length; never reached.
            return String::new();
        };
        mac.update(b"palette anonymous csrf\0");
        mac.update(cookie.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// The `Set-Cookie` value that gives a browser its anonymous anti-CSRF
    /// cookie: `HttpOnly`, `SameSite=Lax`, Secure and its path as the
    /// session cookie's.
    pub fn csrf_cookie(&self, value: &str) -> String {
        tower_sessions::cookie::Cookie::build((self.csrf_cookie_name(), value.to_owned()))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure_cookies())
            .path(self.cookie_path())
            .build()
            .to_string()
    }

    /// The anonymous anti-CSRF cookie's value in `headers`, if any.
    pub fn csrf_cookie_in(&self, headers: &axum::http::HeaderMap) -> Option<String> {
        let name = self.csrf_cookie_name();
        headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(tower_sessions::cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == name && !c.value().is_empty())
            .map(|c| c.value().to_owned())
    }

    /// The anti-CSRF token a state-changing request must carry: the
    /// session's, else the one bound to the anonymous cookie, else none.
    pub fn expected_csrf(
        &self,
        session_token: Option<String>,
        headers: &axum::http::HeaderMap,
    ) -> Option<String> {
        session_token.or_else(|| {
            self.csrf_cookie_in(headers)
                .map(|cookie| self.anonymous_csrf(&cookie))
        })
    }

    /// How often a live session's idle expiry is pushed back: every
    /// request would write the database each time; a quarter of the idle
    /// time (at most a minute) keeps it sliding within that much.
    pub fn touch_every_secs(&self) -> i64 {
        (self.idle_secs / 4).clamp(1, 60)
    }

    /// The session layer: database-backed, rotated at login, `HttpOnly`,
    /// `SameSite=Lax`, idle expiry, `Path=/` or the path prefix.
    pub fn session_layer(&self, store: DbSessionStore) -> SessionManagerLayer<DbSessionStore> {
        SessionManagerLayer::new(store)
            .with_name(self.cookie_name())
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(self.secure_cookies())
            .with_path(self.cookie_path())
            .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
                self.idle_secs,
            )))
    }
}

fn is_plain_http_loopback(base: &str) -> bool {
    base.starts_with("http://") && crate::config::is_loopback_url(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_except_on_plain_http_loopback() {
        assert!(is_plain_http_loopback("http://127.0.0.1:3000"));
        assert!(is_plain_http_loopback("http://localhost:3000"));
        assert!(is_plain_http_loopback("http://[::1]:3000"));
        assert!(!is_plain_http_loopback("https://127.0.0.1:3000"));
        assert!(!is_plain_http_loopback("http://palette.example.com"));
        assert!(!is_plain_http_loopback("http://10.0.0.5:3000"));
    }
}
