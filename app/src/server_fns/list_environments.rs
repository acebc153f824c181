use domain::EnvironmentSummary;
use leptos::prelude::*;

use crate::error::UiError;

/// Every environment the caller may see.
#[server(prefix = "/_fn", endpoint = "list_environments")]
pub async fn list_environments() -> Result<Vec<EnvironmentSummary>, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.list_environments(&super::context::actor()).await?)
}
