//! Works out who each request is from — a bearer token (machines, API) or
//! the browser session (people) — and hands the result to handlers, server
//! functions and pages as request extensions: `engine::Actor` for the engine
//! and `app::session::SessionView` for the UI.

use app::session::{SessionView, UserView};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use engine::Actor;
use tower_sessions::Session;

use super::{bearer, now_secs, SessionUser, CSRF_KEY, USER_KEY};
use crate::http::{request_id, AppState};

/// The one API path served without credentials.
const PUBLIC_API_DOCUMENT: &str = "/api/v1/openapi.json";

pub async fn resolve(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = request_id::of(&request);
    let is_api = request.uri().path().starts_with("/api/");

    if let Some(token) = bearer::token_from(request.headers()) {
        let Some(verifier) = state.auth.bearer.as_ref() else {
            return bearer::unauthorized(
                "bearer tokens are not accepted: PALETTE_API_AUDIENCE is not configured",
            );
        };
        return match verifier.verify(&token).await {
            Ok(principal) => {
                let actor = Actor::user(&principal.subject).with_request_id(request_id);
                verifier.remember(&state.engine, &principal).await;
                request.extensions_mut().insert(actor);
                request.extensions_mut().insert(SessionView::default());
                next.run(request).await
            }
            Err(err) => {
                tracing::info!(reason = %err, "bearer token refused");
                bearer::unauthorized(&err.to_string())
            }
        };
    }

    let user = match session.get::<SessionUser>(USER_KEY).await {
        Ok(user) => user,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable session");
            None
        }
    };
    let user = match user {
        Some(user) if now_secs() - user.login_at > state.auth.absolute_secs => {
            // Past the absolute lifetime: log out, whatever the activity.
            let _ = session.flush().await;
            None
        }
        other => other,
    };
    // The API needs a token or a session, except for its own description
    // (`/api/v1/openapi.json`), which is public like any published spec.
    if is_api && user.is_none() && request.uri().path() != PUBLIC_API_DOCUMENT {
        return bearer::unauthorized("missing bearer token");
    }

    let csrf = match session.get::<String>(CSRF_KEY).await.ok().flatten() {
        Some(token) => token,
        None if wants_html(&request) => {
            let token = new_token();
            if let Err(e) = session.insert(CSRF_KEY, &token).await {
                tracing::error!(error = %e, "cannot store the CSRF token");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            token
        }
        None => String::new(),
    };

    let actor = match &user {
        Some(user) => Actor::user(&user.subject),
        None => Actor::anonymous(),
    };
    request
        .extensions_mut()
        .insert(actor.with_request_id(request_id));
    request.extensions_mut().insert(SessionView {
        user: user.map(|u| UserView {
            subject: u.subject,
            display_name: u.display_name,
            groups: u.groups,
        }),
        csrf,
        dev_login: state.auth.is_dev(),
    });
    next.run(request).await
}

/// A browser navigating to a page (not an asset or a script's call).
fn wants_html(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// 256 random bits, URL-safe.
pub fn new_token() -> String {
    openidconnect::CsrfToken::new_random_len(32)
        .secret()
        .clone()
}
