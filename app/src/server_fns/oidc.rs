//! OIDC endpoint checks: the matrix, one environment's newest result,
//! latency series, comparisons, and asking for a check. Each function calls
//! one engine method and returns the domain's types, the same the REST API
//! answers.

use domain::oidc::{Comparison, LatencySeries, OidcMatrix};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::UiError;

#[cfg(feature = "ssr")]
use super::environments::env_name;

/// How far back the latency charts reach.
pub const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;

/// Every environment the caller may view, with its newest check.
#[server(prefix = "/_fn", endpoint = "oidc_overview", input = GetUrl)]
pub async fn oidc_overview() -> Result<OidcMatrix, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.latest_oidc_checks(&super::context::actor()).await?)
}

/// Queues a check of `env`; returns the job's id.
#[server(prefix = "/_fn", endpoint = "request_oidc_check")]
pub async fn request_oidc_check(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    env: String,
) -> Result<i64, UiError> {
    let engine = super::context::engine()?;
    let job = engine
        .request_oidc_check(&super::context::actor(), &env_name(&env)?)
        .await?;
    Ok(job.0)
}

/// `env`'s check timings over the last seven days.
#[server(prefix = "/_fn", endpoint = "oidc_latency", input = GetUrl)]
pub async fn oidc_latency(env: String) -> Result<LatencySeries, UiError> {
    let engine = super::context::engine()?;
    Ok(engine
        .oidc_latency(&super::context::actor(), &env_name(&env)?, WEEK_MS)
        .await?)
}

/// What differs between the newest checks of `a` and `b`.
#[server(prefix = "/_fn", endpoint = "compare_oidc", input = GetUrl)]
pub async fn compare_oidc(a: String, b: String) -> Result<Comparison, UiError> {
    let engine = super::context::engine()?;
    Ok(engine
        .compare_oidc(&super::context::actor(), &env_name(&a)?, &env_name(&b)?)
        .await?)
}
