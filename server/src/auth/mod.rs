//! Authentication: OIDC login for people (or the loopback-only dev login),
//! database-backed sessions, bearer tokens for machines, and CSRF protection
//! for every state-changing browser request.
//!
//! A set of routes ([`routes`]) and middleware ([`protect`]) over any state
//! that hands out an [`Auth`] and an [`engine::Engine`] through `FromRef`.
//! Uses `crate::config`, `crate::error` and `crate::request_id`; never
//! `crate::http` or `crate::state`.
//!
//! - protocol, no axum: [`oidc`] (discovery, the code flow with PKCE,
//!   ID-token claims), [`bearer`] (JWT and introspected tokens);
//! - axum: [`login`] (the OIDC handlers), [`dev`], [`resolve`] and
//!   [`csrf`] (middleware), [`challenge`] (401s), [`pages`] (HTML).

pub mod bearer;
pub mod challenge;
pub mod csrf;
pub mod dev;
pub mod login;
pub mod oidc;
pub mod pages;
pub mod redirect;
pub mod resolve;
pub mod session;
pub mod session_store;
mod settings;

use axum::extract::FromRef;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use engine::Engine;

pub use redirect::{encode_query, safe_return_to};
pub use session::{
    new_token, SessionUser, COOKIE_NAME, CSRF_COOKIE_NAME, CSRF_KEY, FLOW_KEY, SECURE_COOKIE_NAME,
    SECURE_CSRF_COOKIE_NAME, SECURE_PREFIXED_COOKIE_NAME, SECURE_PREFIXED_CSRF_COOKIE_NAME,
    SEEN_KEY, USER_KEY,
};
pub use settings::{Auth, AuthError, DemoCiToken, Login};

/// Declares the `/auth/*` routes once: the router and [`ROUTES`], which the
/// route matrix test checks it has a row for.
macro_rules! auth_routes {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// Every `/auth/*` route, as (method, path).
        pub const ROUTES: &[(&str, &str)] = &[$( (stringify!($method), $path) ),*];

        /// The `/auth/*` routes.
        pub fn routes<S>() -> Router<S>
        where
            S: Clone + Send + Sync + 'static,
            Auth: FromRef<S>,
            Engine: FromRef<S>,
        {
            Router::new() $( .route($path, $method($handler)) )*
        }
    };
}

auth_routes! {
    get "/auth/login" => login::login,
    get "/auth/callback" => login::callback,
    post "/auth/logout" => login::logout,
    post "/auth/dev-login" => dev::login,
}

/// Wraps `router` so that every request has a database-backed session, is
/// resolved to an actor (bearer token or session) and, when it changes
/// state, passes the CSRF check — in that order.
pub fn protect<S>(router: Router<S>, state: &S) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Auth: FromRef<S>,
    Engine: FromRef<S>,
{
    let auth = Auth::from_ref(state);
    let sessions = auth.session_layer(session_store::DbSessionStore::new(
        Engine::from_ref(state).sessions(),
    ));
    router
        .layer(from_fn_with_state(auth, csrf::protect))
        .layer(from_fn_with_state(state.clone(), resolve::resolve))
        .layer(sessions)
}

/// Unix seconds, now.
pub fn now_secs() -> i64 {
    domain::time::now_secs()
}
