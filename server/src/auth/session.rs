//! What a browser session holds: who is logged in, the anti-CSRF token and
//! a login in progress, under fixed keys; and the cookie's name.

use serde::{Deserialize, Serialize};

/// Session keys.
pub const USER_KEY: &str = "palette.user";
pub const CSRF_KEY: &str = "palette.csrf";
pub const FLOW_KEY: &str = "palette.oidc_flow";
pub const COOKIE_NAME: &str = "palette_session";
/// The cookie's name when it is `Secure`: the `__Host-` prefix makes the
/// browser refuse it unless Secure, `Path=/` and without `Domain`, so no
/// sibling subdomain can plant or shadow it.
pub const SECURE_COOKIE_NAME: &str = "__Host-palette_session";
/// The cookie's name when it is `Secure` under a path prefix: `__Host-`
/// requires `Path=/`, which would send the session to every other
/// application on the host; `__Secure-` keeps `Secure` required and allows
/// `Path=<prefix>`.
pub const SECURE_PREFIXED_COOKIE_NAME: &str = "__Secure-palette_session";
/// The cookie that binds the anti-CSRF token of a browser that has no
/// session (nobody logged in), so that an anonymous visitor costs no
/// database row; `__Host-` when Secure, as the session cookie.
pub const CSRF_COOKIE_NAME: &str = "palette_csrf";
pub const SECURE_CSRF_COOKIE_NAME: &str = "__Host-palette_csrf";
/// The anonymous anti-CSRF cookie's name when Secure under a path prefix
/// (as [`SECURE_PREFIXED_COOKIE_NAME`]).
pub const SECURE_PREFIXED_CSRF_COOKIE_NAME: &str = "__Secure-palette_csrf";
/// When the session last saw a request (Unix seconds): rewritten now and
/// then so that the idle expiry slides.
pub const SEEN_KEY: &str = "palette.seen";

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

/// 256 random bits, URL-safe: anti-CSRF tokens.
pub fn new_token() -> String {
    openidconnect::CsrfToken::new_random_len(32)
        .secret()
        .clone()
}
