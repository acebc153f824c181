//! Works out who each request is from — a bearer token (machines, API) or
//! the browser session (people) — and hands the result to handlers, server
//! functions and pages as request extensions: `engine::Actor` for the engine
//! and `app::session::SessionView` for the UI.

use app::session::{SessionView, UserView};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::user::{UserKind, UserProfile};
use engine::{Actor, Engine};
use tower_sessions::Session;

use super::bearer::{Principal, Verifier};
use super::challenge::{token_from, unauthorized};
use super::session::new_token;
use super::{now_secs, Auth, SessionUser, CSRF_KEY, SEEN_KEY, USER_KEY};
use crate::forwarded::ClientAddr;
use crate::request_id;

/// The one API path served without credentials.
const PUBLIC_API_DOCUMENT: &str = "/api/v1/openapi.json";

pub async fn resolve(
    State(auth): State<Auth>,
    State(engine): State<Engine>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = request_id::of(&request);
    let client = request
        .extensions()
        .get::<ClientAddr>()
        .map(|c| c.0.to_string());
    let is_api = request.uri().path().starts_with("/api/");

    if let Some(token) = token_from(request.headers()) {
        if auth
            .demo_ci
            .as_ref()
            .is_some_and(|demo| demo.matches(&token))
        {
            let actor = Actor::user(super::DemoCiToken::subject())
                .with_request_id(request_id)
                .with_client(client);
            request.extensions_mut().insert(actor);
            request.extensions_mut().insert(SessionView::default());
            return next.run(request).await;
        }
        let Some(verifier) = auth.bearer.as_ref() else {
            return unauthorized(
                "bearer tokens are not accepted: PALETTE_API_AUDIENCE is not configured",
            );
        };
        return match verifier.verify(&token).await {
            Ok(principal) => {
                let via = Actor::anonymous()
                    .with_request_id(request_id.clone())
                    .with_client(client.clone());
                if let Err(refused) = remember_machine(&engine, verifier, &principal, &via).await {
                    return refused;
                }
                let actor = Actor::user(&principal.subject)
                    .with_request_id(request_id)
                    .with_client(client);
                request.extensions_mut().insert(actor);
                request.extensions_mut().insert(SessionView::default());
                next.run(request).await
            }
            Err(err) => {
                tracing::info!(reason = %err, "bearer token refused");
                unauthorized(&err.to_string())
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
        Some(user) if now_secs() - user.login_at > auth.absolute_secs => {
            // Past the absolute lifetime: log out, whatever the activity.
            let _ = session.flush().await;
            None
        }
        other => other,
    };
    if user.is_some() {
        slide_idle_expiry(&auth, &session).await;
    }
    // The API needs a token or a session, except for its own description
    // (`/api/v1/openapi.json`), which is public like any published spec.
    if is_api && user.is_none() && request.uri().path() != PUBLIC_API_DOCUMENT {
        return unauthorized("missing bearer token");
    }

    // The anti-CSRF token: the session's once someone is logged in; before
    // that, one bound to a cookie of its own, so that an anonymous visitor
    // costs no database row.
    let mut new_cookie = None;
    let csrf = match session.get::<String>(CSRF_KEY).await.ok().flatten() {
        Some(token) => token,
        None if user.is_some() && wants_html(&request) => {
            let token = new_token();
            if let Err(e) = session.insert(CSRF_KEY, &token).await {
                tracing::error!(error = %e, "cannot store the CSRF token");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            token
        }
        None => match auth.csrf_cookie_in(request.headers()) {
            Some(cookie) => auth.anonymous_csrf(&cookie),
            None if wants_html(&request) => {
                let cookie = new_token();
                new_cookie = Some(auth.csrf_cookie(&cookie));
                auth.anonymous_csrf(&cookie)
            }
            None => String::new(),
        },
    };

    let actor = match &user {
        Some(user) => Actor::user(&user.subject),
        None => Actor::anonymous(),
    };
    request
        .extensions_mut()
        .insert(actor.with_request_id(request_id).with_client(client));
    request.extensions_mut().insert(SessionView {
        user: user.map(|u| UserView {
            subject: u.subject,
            display_name: u.display_name,
            groups: u.groups,
        }),
        csrf,
        dev_login: auth.is_dev(),
    });
    let mut response = next.run(request).await;
    if let Some(cookie) = new_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Pushes a live session's idle expiry back: the session is saved (and
/// its expiry and cookie renewed) when it changed, so it is changed now and
/// then, not at every request.
async fn slide_idle_expiry(auth: &Auth, session: &Session) {
    let now = now_secs();
    let seen = session.get::<i64>(SEEN_KEY).await.ok().flatten();
    if seen.is_none_or(|seen| now - seen >= auth.touch_every_secs()) {
        if let Err(e) = session.insert(SEEN_KEY, now).await {
            tracing::warn!(error = %e, "cannot renew the session");
        }
    }
}

/// A browser navigating to a page (not an asset or a script's call).
fn wants_html(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Records a machine client in the users table (so that the access page
/// can name it) and syncs the groups its token carries, the first time
/// this process sees it with those groups. A client whose id is a
/// person's subject is refused: it would act as that person.
async fn remember_machine(
    engine: &Engine,
    verifier: &Verifier,
    principal: &Principal,
    via: &Actor,
) -> Result<(), Response> {
    if !verifier.needs_recording(principal) {
        return Ok(());
    }
    let profile = UserProfile {
        subject: principal.subject.clone(),
        kind: UserKind::Machine,
        email: None,
        name: None,
        username: None,
        groups: principal.groups.clone().unwrap_or_default(),
    };
    match engine
        .record_login(&profile, via.request_id.as_deref(), via.client.as_deref())
        .await
    {
        Ok(_) => {
            verifier.recorded(principal);
            Ok(())
        }
        Err(engine::Error::Conflict(reason)) => {
            tracing::warn!(%reason, "bearer token refused");
            Err(unauthorized(
                "this client id is a person's subject; it cannot act as them",
            ))
        }
        // Tried again at the next request.
        Err(e) => {
            tracing::warn!(error = %e, "cannot record the machine client");
            Ok(())
        }
    }
}
