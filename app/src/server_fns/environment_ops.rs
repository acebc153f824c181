//! Operating an environment from its page: apply layers again, lock,
//! unlock, destroy. Each function calls one engine method.

use leptos::prelude::*;

use crate::error::UiError;

#[cfg(feature = "ssr")]
use super::environments::env_name;

/// Queues an apply of the chosen layers (all of the environment's when none
/// is chosen) and goes to the job's page.
#[server(prefix = "/_fn", endpoint = "apply_environment")]
pub async fn apply_environment(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    name: String,
    #[server(default)] layers: Vec<String>,
) -> Result<i64, UiError> {
    let engine = super::context::engine()?;
    let job = engine
        .apply_environment(&super::context::actor(), &env_name(&name)?, &layers)
        .await?;
    leptos_axum::redirect(&crate::base::prefixed(&format!("/jobs/{}", job.0)));
    Ok(job.0)
}

/// Locks the environment: no infrastructure job runs until it is unlocked.
#[server(prefix = "/_fn", endpoint = "lock_environment")]
pub async fn lock_environment(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    name: String,
    #[server(default)] reason: String,
) -> Result<domain::Lock, UiError> {
    let engine = super::context::engine()?;
    let request = domain::LockRequest { reason };
    Ok(engine
        .lock_environment(&super::context::actor(), &env_name(&name)?, &request)
        .await?)
}

#[server(prefix = "/_fn", endpoint = "unlock_environment")]
pub async fn unlock_environment(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    name: String,
) -> Result<domain::Lock, UiError> {
    let engine = super::context::engine()?;
    Ok(engine
        .unlock_environment(&super::context::actor(), &env_name(&name)?)
        .await?)
}

/// Queues the destroy of every layer, when `confirm` repeats the name, and
/// goes to the job's page.
#[server(prefix = "/_fn", endpoint = "destroy_environment")]
pub async fn destroy_environment(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    name: String,
    #[server(default)] confirm: String,
) -> Result<i64, UiError> {
    let env = env_name(&name)?;
    if confirm.trim() != env.as_str() {
        let error = UiError::from(domain::ValidationError::new(
            "confirm",
            format!("type {env} to confirm the destroy"),
        ));
        // Without JavaScript, back to the environment page with the reason.
        super::form_return::back_to_form(
            &format!("/environments/{env}"),
            &[],
            "/_fn/destroy_environment",
            &error,
        );
        return Err(error);
    }
    let engine = super::context::engine()?;
    let job = engine
        .destroy_environment(&super::context::actor(), &env)
        .await?;
    leptos_axum::redirect(&crate::base::prefixed(&format!("/jobs/{}", job.0)));
    Ok(job.0)
}
