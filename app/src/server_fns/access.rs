//! Who holds which relation on an environment; grants, revocations and
//! explanations. Each function calls one engine method, as the REST API's
//! `/environments/{name}/access` routes do.

use domain::access::{AccessList, Explanation, Grant};
use domain::user::SessionsEnded;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::UiError;

#[cfg(feature = "ssr")]
use super::environments::env_name;

/// The direct grants on `env`.
#[server(prefix = "/_fn", endpoint = "list_access", input = GetUrl)]
pub async fn list_access(env: String) -> Result<AccessList, UiError> {
    let engine = super::context::engine()?;
    Ok(engine
        .list_access(&super::context::actor(), &env_name(&env)?)
        .await?)
}

/// Grants `relation` on `env` to `subject` (`user:<id>` or `group:<name>`).
#[server(prefix = "/_fn", endpoint = "grant_access")]
pub async fn grant_access(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    env: String,
    relation: String,
    subject: String,
) -> Result<Grant, UiError> {
    let engine = super::context::engine()?;
    let grant = Grant::parse(&relation, &subject)?;
    Ok(engine
        .grant(&super::context::actor(), &env_name(&env)?, &grant)
        .await?)
}

/// Revokes a direct grant.
#[server(prefix = "/_fn", endpoint = "revoke_access")]
pub async fn revoke_access(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    env: String,
    relation: String,
    subject: String,
) -> Result<Grant, UiError> {
    let engine = super::context::engine()?;
    let grant = Grant::parse(&relation, &subject)?;
    Ok(engine
        .revoke(&super::context::actor(), &env_name(&env)?, &grant)
        .await?)
}

/// Why `subject` holds (or lacks) `permission` on `env`.
#[server(prefix = "/_fn", endpoint = "explain_access", input = GetUrl)]
pub async fn explain_access(
    env: String,
    subject: String,
    permission: String,
) -> Result<Explanation, UiError> {
    let engine = super::context::engine()?;
    let (subject, permission) = domain::access::parse_explain(&subject, &permission)?;
    Ok(engine
        .explain_access(
            &super::context::actor(),
            &env_name(&env)?,
            &subject,
            permission,
        )
        .await?)
}

/// Ends every browser session of the person `subject` (their own, or
/// anyone's for a platform admin), as `DELETE /users/{subject}/sessions`.
#[server(prefix = "/_fn", endpoint = "end_sessions")]
pub async fn end_sessions(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    subject: String,
) -> Result<SessionsEnded, UiError> {
    let engine = super::context::engine()?;
    let ended = engine
        .end_sessions(&super::context::actor(), subject.trim())
        .await
        .map_err(UiError::from);
    // Without JavaScript, the page says what happened from its query.
    let page = match &ended {
        // A validated subject: letters, digits and `. _ @ -` only.
        Ok(done) => format!("/access?ended={}&of={}", done.ended, done.subject),
        Err(_) => "/access".to_owned(),
    };
    super::form_return::land(ended, &page, "/_fn/end_sessions", &[("subject", &subject)])
}
