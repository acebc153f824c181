//! The login/consent/logout app Hydra sends browsers to (`URLS_LOGIN`,
//! `URLS_CONSENT`, `URLS_LOGOUT`): it accepts Hydra's challenges over the
//! admin API, as an operator's real login app would.

use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{json, Value};

use super::account;

/// Serves the app on `listener` until the task is aborted.
pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    admin: String,
    http: reqwest::Client,
    logouts: Arc<Mutex<Vec<String>>>,
) {
    let state = AppState {
        admin,
        http,
        logouts,
    };
    let router = axum::Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/consent", get(consent))
        .route("/logout", get(logout))
        .with_state(state);
    let _ = axum::serve(listener, router).await;
}

#[derive(Clone)]
struct AppState {
    admin: String,
    http: reqwest::Client,
    logouts: Arc<Mutex<Vec<String>>>,
}

/// A failure of the login app, shown as a 502 page (and so in the test's
/// assertion message).
struct AppError(String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (axum::http::StatusCode::BAD_GATEWAY, self.0).into_response()
    }
}

impl AppState {
    async fn admin_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, AppError> {
        let mut request = self.http.request(method, format!("{}{path}", self.admin));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| AppError(format!("Hydra's admin API: {e}")))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(AppError(format!(
                "Hydra's admin API {path}: {status} {text}"
            )));
        }
        serde_json::from_str(&text).map_err(|e| AppError(format!("{path}: {e}: {text}")))
    }

    async fn accept(&self, flow: &str, challenge: &str, body: Value) -> Result<Redirect, AppError> {
        let answer = self
            .admin_call(
                reqwest::Method::PUT,
                &format!(
                    "/admin/oauth2/auth/requests/{flow}/accept?{flow}_challenge={}",
                    encode(challenge)
                ),
                Some(body),
            )
            .await?;
        let to = answer["redirect_to"]
            .as_str()
            .ok_or_else(|| AppError(format!("no redirect_to in {answer}")))?;
        Ok(Redirect::to(to))
    }

    async fn request(&self, flow: &str, challenge: &str) -> Result<Value, AppError> {
        self.admin_call(
            reqwest::Method::GET,
            &format!(
                "/admin/oauth2/auth/requests/{flow}?{flow}_challenge={}",
                encode(challenge)
            ),
            None,
        )
        .await
    }
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    login_challenge: String,
}

async fn login_page(
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let request = state.request("login", &query.login_challenge).await?;
    if request["skip"].as_bool() == Some(true) {
        let subject = request["subject"].as_str().unwrap_or_default().to_owned();
        let accepted = state
            .accept(
                "login",
                &query.login_challenge,
                json!({ "subject": subject }),
            )
            .await?;
        return Ok(accepted.into_response());
    }
    let challenge = html_escape(&query.login_challenge);
    Ok(Html(format!(
        r#"<!doctype html><html lang="en"><head><title>Sign in</title></head><body>
<h1>Sign in</h1>
<form method="post" action="/login">
<input type="hidden" name="login_challenge" value="{challenge}">
<label>User <input name="user" autofocus></label>
<button type="submit">Sign in</button>
</form></body></html>"#
    ))
    .into_response())
}

#[derive(serde::Deserialize)]
struct LoginForm {
    login_challenge: String,
    user: String,
}

async fn login_submit(
    State(state): State<AppState>,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let Some(account) = account(&form.user) else {
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            format!("no such account: {}", form.user),
        )
            .into_response());
    };
    let accepted = state
        .accept(
            "login",
            &form.login_challenge,
            json!({ "subject": account.subject, "remember": true, "remember_for": 0 }),
        )
        .await?;
    Ok(accepted.into_response())
}

#[derive(serde::Deserialize)]
struct ConsentQuery {
    consent_challenge: String,
}

async fn consent(
    State(state): State<AppState>,
    Query(query): Query<ConsentQuery>,
) -> Result<Redirect, AppError> {
    let request = state.request("consent", &query.consent_challenge).await?;
    let subject = request["subject"].as_str().unwrap_or_default();
    let account = account(subject).ok_or_else(|| AppError(format!("no account {subject}")))?;
    state
        .accept(
            "consent",
            &query.consent_challenge,
            json!({
                "grant_scope": request["requested_scope"],
                "grant_access_token_audience": request["requested_access_token_audience"],
                "remember": false,
                "session": {
                    "id_token": {
                        "name": account.name,
                        "email": account.email,
                        "preferred_username": account.subject,
                        "groups": account.groups,
                    },
                    "access_token": { "groups": account.groups },
                },
            }),
        )
        .await
}

#[derive(serde::Deserialize)]
struct LogoutQuery {
    logout_challenge: String,
}

async fn logout(
    State(state): State<AppState>,
    Query(query): Query<LogoutQuery>,
) -> Result<Redirect, AppError> {
    let request = state.request("logout", &query.logout_challenge).await?;
    let redirect = state
        .accept("logout", &query.logout_challenge, json!({}))
        .await?;
    if let Ok(mut logouts) = state.logouts.lock() {
        logouts.push(request["subject"].as_str().unwrap_or_default().to_owned());
    }
    Ok(redirect)
}

fn encode(value: &str) -> String {
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

fn html_escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
