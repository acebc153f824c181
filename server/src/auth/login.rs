//! The login handlers: `/auth/login` (to the provider, or the dev picker),
//! `/auth/callback`, `/auth/logout` (RP-initiated when the provider offers
//! it), and [`establish`], which every way of logging in ends with.

use app::session::SessionView;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use domain::user::{UserKind, UserProfile};
use engine::{Actor, Engine};
use serde::Deserialize;
use tower_sessions::Session;

use super::oidc::{Flow, Identity, LoginError};
use super::session::new_token;
use super::{
    now_secs, pages, safe_return_to, Auth, Login, SessionUser, CSRF_KEY, FLOW_KEY, USER_KEY,
};

/// A login failure as a page: what happened in fixed words, a way to try
/// again, and the request id; what the provider or the store said goes to
/// the log only.
pub fn failure_page(
    err: &LoginError,
    return_to: &str,
    request_id: Option<&str>,
    look: pages::Look<'_>,
) -> Response {
    let status = match err {
        LoginError::Unreachable(_) => StatusCode::BAD_GATEWAY,
        LoginError::Internal(_) | LoginError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    tracing::warn!(error = %err, detail = %err.detail(), "login failed");
    pages::failure(
        status,
        &err.summary(),
        err.hint(),
        return_to,
        request_id,
        look,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    return_to: Option<String>,
}

/// `GET /auth/login?return_to=/path`
pub async fn login(
    State(auth): State<Auth>,
    Extension(view): Extension<SessionView>,
    Extension(actor): Extension<Actor>,
    session: Session,
    Query(query): Query<LoginQuery>,
) -> Response {
    let return_to = safe_return_to(query.return_to.as_deref());
    if session
        .get::<SessionUser>(USER_KEY)
        .await
        .ok()
        .flatten()
        .is_some()
    {
        return Redirect::to(&auth.at(&return_to)).into_response();
    }
    let provider = match &auth.login {
        Login::Dev => return super::dev::picker(&view.csrf, &return_to, auth.look()),
        Login::Oidc(provider) => provider.clone(),
    };
    let id = actor.request_id.as_deref();
    match provider.start(return_to.clone()).await {
        Ok((url, flow)) => match session.insert(FLOW_KEY, &flow).await {
            Ok(()) => Redirect::to(&url).into_response(),
            Err(e) => failure_page(
                &LoginError::Internal(e.to_string()),
                &return_to,
                id,
                auth.look(),
            ),
        },
        Err(err) => failure_page(&err, &return_to, id, auth.look()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/callback`: every failure ends on a page that says what happened.
pub async fn callback(
    State(auth): State<Auth>,
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    session: Session,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Login::Oidc(provider) = &auth.login else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let id = actor.request_id.as_deref();
    // A flow is used once, whatever the outcome.
    let flow = session.remove::<Flow>(FLOW_KEY).await.ok().flatten();
    let return_to = flow
        .as_ref()
        .map_or_else(|| "/".to_owned(), |f| f.return_to.clone());
    if let Some(error) = query.error {
        let what = match query.error_description {
            Some(description) => format!("{error} ({description})"),
            None => error,
        };
        return failure_page(&LoginError::Provider(what), &return_to, id, auth.look());
    }
    let Some(flow) = flow else {
        return failure_page(&LoginError::NoFlow, &return_to, id, auth.look());
    };
    let state_ok = query.state.as_deref().is_some_and(|s| {
        use subtle::ConstantTimeEq;
        bool::from(s.as_bytes().ct_eq(flow.state.as_bytes()))
    });
    if !state_ok {
        return failure_page(&LoginError::StateMismatch, &return_to, id, auth.look());
    }
    let Some(code) = query.code else {
        let err = LoginError::Exchange("the response has no code".to_owned());
        return failure_page(&err, &return_to, id, auth.look());
    };
    match provider.finish(flow, code).await {
        Ok(identity) => {
            let (profile, user) = person(identity);
            match establish(&engine, &session, &profile, user, &actor, auth.look()).await {
                Ok(()) => Redirect::to(&auth.at(&return_to)).into_response(),
                Err(response) => response,
            }
        }
        Err(err) => failure_page(&err, &return_to, id, auth.look()),
    }
}

/// A person's profile (for the users table) and session entry.
fn person(identity: Identity) -> (UserProfile, SessionUser) {
    let display_name = identity.display_name();
    let profile = UserProfile {
        subject: identity.subject.clone(),
        kind: UserKind::Person,
        email: identity.email.clone(),
        name: identity.name,
        username: identity.username,
        groups: identity.groups.clone(),
    };
    let user = SessionUser {
        subject: identity.subject,
        display_name,
        email: identity.email,
        groups: identity.groups,
        id_token: Some(identity.id_token),
        login_at: now_secs(),
    };
    (profile, user)
}

/// Starts a logged-in session: a new session id (no fixation), a new
/// anti-CSRF token, the user recorded and audited.
#[tracing::instrument(skip_all, fields(subject = %user.subject))]
pub async fn establish(
    engine: &Engine,
    session: &Session,
    profile: &UserProfile,
    user: SessionUser,
    via: &Actor,
    look: pages::Look<'_>,
) -> Result<(), Response> {
    let request_id = via.request_id.as_deref();
    let client = via.client.as_deref();
    let fail = |e: String| failure_page(&LoginError::Internal(e), "/", request_id, look);
    engine
        .record_login(profile, request_id, client)
        .await
        .map_err(|e| match e {
            engine::Error::Unavailable(what) => {
                failure_page(&LoginError::Unavailable(what), "/", request_id, look)
            }
            other => fail(other.to_string()),
        })?;
    session.cycle_id().await.map_err(|e| fail(e.to_string()))?;
    session
        .insert(USER_KEY, &user)
        .await
        .map_err(|e| fail(e.to_string()))?;
    session
        .insert(CSRF_KEY, new_token())
        .await
        .map_err(|e| fail(e.to_string()))?;
    tracing::info!(subject = %user.subject, "logged in");
    Ok(())
}

/// `POST /auth/logout`: ends the local session (with `everywhere=1`, every
/// session of the person, through the engine) and, when the provider
/// advertises `end_session_endpoint`, continues there.
pub async fn logout(
    State(auth): State<Auth>,
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    session: Session,
    form: Bytes,
) -> Response {
    let user = session.get::<SessionUser>(USER_KEY).await.ok().flatten();
    let everywhere = openidconnect::url::form_urlencoded::parse(&form)
        .any(|(key, value)| key == "everywhere" && value == "1");
    if let (true, Some(user)) = (everywhere, &user) {
        if let Err(e) = engine.end_sessions(&actor, &user.subject).await {
            tracing::error!(error = %e, "cannot end the other sessions");
        }
    }
    if let Err(e) = session.flush().await {
        tracing::error!(error = %e, "cannot end the session");
    }
    let (Login::Oidc(provider), Some(user)) = (&auth.login, user) else {
        return Redirect::to(&auth.at("/")).into_response();
    };
    let Ok(discovered) = provider.discovered(false).await else {
        return Redirect::to(&auth.at("/")).into_response();
    };
    let Some(endpoint) = &discovered.end_session_endpoint else {
        return Redirect::to(&auth.at("/")).into_response();
    };
    let Ok(mut url) = openidconnect::url::Url::parse(endpoint) else {
        return Redirect::to(&auth.at("/")).into_response();
    };
    {
        let mut query = url.query_pairs_mut();
        if let Some(hint) = &user.id_token {
            query.append_pair("id_token_hint", hint);
        }
        query.append_pair("post_logout_redirect_uri", provider.post_logout_redirect());
        query.append_pair("client_id", provider.client_id());
    }
    Redirect::to(url.as_str()).into_response()
}
