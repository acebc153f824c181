//! Authentication: OIDC login for people (or the loopback-only dev login),
//! database-backed sessions, bearer tokens for machines, and CSRF protection
//! for every state-changing browser request.

pub mod bearer;
pub mod csrf;
pub mod dev;
pub mod oidc;
pub mod pages;
pub mod resolve;
pub mod session_store;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::http::AppState;
use crate::Config;

/// Session keys.
pub const USER_KEY: &str = "palette.user";
pub const CSRF_KEY: &str = "palette.csrf";
pub const FLOW_KEY: &str = "palette.oidc_flow";
pub const COOKIE_NAME: &str = "palette_session";

/// Who is logged in, as kept in the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub subject: String,
    pub display_name: String,
    pub email: Option<String>,
    pub groups: Vec<String>,
    /// For RP-initiated logout's `id_token_hint`.
    pub id_token: Option<String>,
    /// Unix seconds; sessions end `session_absolute_secs` after this.
    pub login_at: i64,
}

/// How people log in.
#[derive(Clone)]
pub enum Login {
    Oidc(Arc<oidc::Provider>),
    /// Pick a seeded user; loopback only.
    Dev,
}

/// Authentication settings and providers, shared by handlers.
#[derive(Clone)]
pub struct Auth {
    pub login: Login,
    pub bearer: Option<Arc<bearer::Verifier>>,
    /// The external base URL, no trailing slash.
    pub public_base: String,
    pub absolute_secs: i64,
    idle_secs: i64,
}

/// Why authentication could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "the dev login is on (no PALETTE_OIDC_ISSUER) and refuses to listen on {0}, which is not a loopback address"
    )]
    DevLoginNotLoopback(SocketAddr),
    #[error("PALETTE_PUBLIC_URL is not a valid URL: {0}")]
    PublicUrl(String),
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

impl Auth {
    pub fn new(config: &Config, bound: SocketAddr) -> Result<Self, AuthError> {
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
            None => {
                if !config.listen.ip().is_loopback() || !bound.ip().is_loopback() {
                    return Err(AuthError::DevLoginNotLoopback(bound));
                }
                (Login::Dev, None)
            }
        };
        Ok(Self {
            login,
            bearer,
            public_base,
            absolute_secs: i64::try_from(config.session_absolute_secs).unwrap_or(i64::MAX),
            idle_secs: i64::try_from(config.session_idle_secs).unwrap_or(i64::MAX),
        })
    }

    pub fn is_dev(&self) -> bool {
        matches!(self.login, Login::Dev)
    }

    /// Cookies are `Secure` unless the public URL is plain-http loopback.
    pub fn secure_cookies(&self) -> bool {
        !is_plain_http_loopback(&self.public_base)
    }

    /// The session layer: database-backed, rotated at login, `HttpOnly`,
    /// `SameSite=Lax`, idle expiry.
    pub fn session_layer(
        &self,
        store: session_store::DbSessionStore,
    ) -> SessionManagerLayer<session_store::DbSessionStore> {
        SessionManagerLayer::new(store)
            .with_name(COOKIE_NAME)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(self.secure_cookies())
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
                self.idle_secs,
            )))
    }
}

/// The `/auth/*` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", get(oidc::login))
        .route("/auth/callback", get(oidc::callback))
        .route("/auth/logout", post(oidc::logout))
        .route("/auth/dev-login", post(dev::login))
}

fn is_plain_http_loopback(base: &str) -> bool {
    let Some(rest) = base.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Only same-origin relative paths: `/x`, never `//host`, `/\host` or a URL.
pub fn safe_return_to(candidate: Option<&str>) -> String {
    match candidate {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control() || c == '\\')
                && path.len() <= 2048 =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Percent-encodes a value for a query string.
pub fn encode_query(value: &str) -> String {
    openidconnect::url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

pub fn now_secs() -> i64 {
    engine::store::now_ms() / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_accepts_only_same_origin_relative_paths() {
        assert_eq!(
            safe_return_to(Some("/environments/blue?tab=jobs")),
            "/environments/blue?tab=jobs"
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "evil",
            "/\nx",
            "",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_return_to(None), "/");
    }

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
