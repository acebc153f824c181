//! `/api/v1/environments`

use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Json, Response};
use domain::{EnvironmentName, EnvironmentSummary};
use engine::{Actor, Engine};
use serde::Serialize;

use super::ApiError;

#[derive(Serialize)]
pub struct EnvironmentList {
    pub items: Vec<EnvironmentSummary>,
}

/// `GET /environments`: those the caller may view.
pub async fn list(State(engine): State<Engine>, Extension(actor): Extension<Actor>) -> Result<Json<EnvironmentList>, ApiError> {
    Ok(Json(EnvironmentList { items: engine.list_environments(&actor).await? }))
}

/// `GET /environments/{name}`: 404 when it does not exist or is not visible.
pub async fn get(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let name = EnvironmentName::parse(&name).map_err(engine::Error::invalid)?;
    Ok(Json(engine.get_environment(&actor, &name).await?).into_response())
}
