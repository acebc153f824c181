//! The dev login: with no OpenID Provider configured, a person picks one of
//! a few seeded users (with groups, so authorization can be tried). It exists
//! only on loopback addresses, and every page says it is on.

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use domain::user::{UserKind, UserProfile};
use engine::{Actor, Engine};
use serde::Deserialize;
use tower_sessions::Session;

use super::{now_secs, pages, safe_return_to, Auth, SessionUser};

/// (subject, display name, groups)
pub const DEV_USERS: &[(&str, &str, &[&str])] = &[
    ("alice", "Alice Admin", &["platform-admins"]),
    ("bob", "Bob Operator", &["blue-operators", "staff"]),
    ("carol", "Carol Approver", &["release-approvers", "staff"]),
    ("dave", "Dave Viewer", &["staff"]),
];

/// The picker page; `csrf` is the request's anti-CSRF token (the
/// anonymous one: nobody is logged in yet).
pub fn picker(csrf: &str, return_to: &str, look: pages::Look<'_>) -> Response {
    let base = look.base;
    let users: String = DEV_USERS
        .iter()
        .map(|(subject, name, groups)| {
            format!(
                "<li><button type=\"submit\" name=\"user\" value=\"{subject}\">\
                 <span>{name}</span><span class=\"muted\">{groups}</span></button></li>",
                name = pages::escape(name),
                groups = pages::escape(&groups.join(", ")),
            )
        })
        .collect();
    let body = format!(
        "<h1>Dev login</h1><p class=\"muted\">No OpenID Provider is configured, so you can act as \
         any of these seeded users. This only works on a loopback address.</p>\
         <form method=\"post\" action=\"{base}/auth/dev-login\">\
         <input type=\"hidden\" name=\"_csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"return_to\" value=\"{return_to}\"><ul>{users}</ul></form>",
        csrf = pages::escape(csrf),
        return_to = pages::escape(return_to),
        base = pages::escape(base),
    );
    Html(pages::page("Dev login", &body, look)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct DevLoginForm {
    user: String,
    return_to: Option<String>,
}

/// `POST /auth/dev-login`: log in as a seeded user.
pub async fn login(
    State(auth): State<Auth>,
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    session: Session,
    Form(form): Form<DevLoginForm>,
) -> Response {
    if !auth.is_dev() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let return_to = safe_return_to(form.return_to.as_deref());
    let Some((subject, name, groups)) = DEV_USERS.iter().find(|(s, _, _)| *s == form.user) else {
        return pages::failure(
            StatusCode::BAD_REQUEST,
            "There is no such dev user.",
            "Pick one of the listed users.",
            &return_to,
            actor.request_id.as_deref(),
            auth.look(),
        );
    };
    let profile = UserProfile {
        subject: (*subject).to_owned(),
        kind: UserKind::Person,
        email: Some(format!("{subject}@palette.dev")),
        name: Some((*name).to_owned()),
        username: Some((*subject).to_owned()),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
    };
    let user = SessionUser {
        subject: profile.subject.clone(),
        display_name: (*name).to_owned(),
        email: profile.email.clone(),
        groups: profile.groups.clone(),
        id_token: None,
        login_at: now_secs(),
    };
    match super::login::establish(&engine, &session, &profile, user, &actor, auth.look()).await {
        Ok(()) => Redirect::to(&auth.at(&return_to)).into_response(),
        Err(response) => response,
    }
}
