//! Who holds which relation on an environment; grants, revocations and
//! explanations. Each function calls one engine method.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::error::UiError;

/// One direct grant, as the access page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantView {
    pub relation: String,
    pub subject: String,
}

#[cfg(feature = "ssr")]
fn env_name(name: &str) -> Result<domain::EnvironmentName, UiError> {
    domain::EnvironmentName::parse(name).map_err(|e| engine::Error::invalid(e).into())
}

/// The direct grants on `env`.
#[server(prefix = "/_fn", endpoint = "list_access", input = GetUrl)]
pub async fn list_access(env: String) -> Result<Vec<GrantView>, UiError> {
    let engine = super::context::engine()?;
    let grants = engine
        .list_access(&super::context::actor(), &env_name(&env)?)
        .await?;
    Ok(grants
        .into_iter()
        .map(|g| GrantView {
            relation: g.relation,
            subject: g.subject,
        })
        .collect())
}

/// Grants `relation` on `env` to `subject` (`user:<id>` or `group:<name>`).
#[server(prefix = "/_fn", endpoint = "grant_access")]
pub async fn grant_access(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    env: String,
    relation: String,
    subject: String,
) -> Result<GrantView, UiError> {
    let engine = super::context::engine()?;
    let grant = engine
        .grant(
            &super::context::actor(),
            &env_name(&env)?,
            &relation,
            &subject,
        )
        .await?;
    Ok(GrantView {
        relation: grant.relation,
        subject: grant.subject,
    })
}

/// Revokes a direct grant.
#[server(prefix = "/_fn", endpoint = "revoke_access")]
pub async fn revoke_access(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    env: String,
    relation: String,
    subject: String,
) -> Result<GrantView, UiError> {
    let engine = super::context::engine()?;
    let grant = engine
        .revoke(
            &super::context::actor(),
            &env_name(&env)?,
            &relation,
            &subject,
        )
        .await?;
    Ok(GrantView {
        relation: grant.relation,
        subject: grant.subject,
    })
}

/// The path through the model that gives `subject` the `permission`, or
/// `None` when it does not have it.
#[server(prefix = "/_fn", endpoint = "explain_access", input = GetUrl)]
pub async fn explain_access(
    env: String,
    subject: String,
    permission: String,
) -> Result<Option<String>, UiError> {
    let engine = super::context::engine()?;
    Ok(engine
        .explain_access(
            &super::context::actor(),
            &env_name(&env)?,
            &subject,
            &permission,
        )
        .await?)
}
