use domain::{EnvironmentName, EnvironmentSummary};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::UiError;

/// Every environment the caller may see.
#[server(prefix = "/_fn", endpoint = "list_environments", input = GetUrl)]
pub async fn list_environments() -> Result<Vec<EnvironmentSummary>, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.list_environments(&super::context::actor()).await?)
}

/// The names of the environments the caller may see: what a choice of
/// environment needs (a fraction of [`list_environments`]'s bytes in a
/// page's hydration data).
#[server(prefix = "/_fn", endpoint = "environment_names", input = GetUrl)]
pub async fn environment_names() -> Result<Vec<EnvironmentName>, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.environment_names(&super::context::actor()).await?)
}

/// The overview's cards: every environment the caller may see, in
/// pipeline order, with its job, lock, OIDC verdict and upstream.
#[server(prefix = "/_fn", endpoint = "get_overview", input = GetUrl)]
pub async fn get_overview() -> Result<domain::Overview, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.overview(&super::context::actor()).await?)
}
