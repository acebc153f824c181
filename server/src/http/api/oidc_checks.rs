//! `/api/v1/environments/{name}/oidc-checks`: ask for a check of an
//! environment's OIDC endpoint, and read its results.

use axum::extract::{Extension, Path, State};
use axum::response::{Json, Response};
use domain::job::Queued;
use domain::oidc::OidcCheckList;
use domain::EnvironmentName;
use engine::services::oidc_checks::MAX_HISTORY;
use engine::{Actor, Engine};
use serde::Deserialize;

use super::environments::{accepted, parse_name};
use super::extract::ApiQuery;
use super::ApiError;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// At most this many results (default 20).
    #[param(schema_with = history_limit)]
    limit: Option<String>,
}

fn history_limit() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .minimum(Some(1))
        .maximum(Some(MAX_HISTORY))
        .into()
}

/// Check an environment's OIDC endpoint: 202 with the queued job (the one
/// already queued or running, if any).
#[utoipa::path(post, path = "/environments/{name}/oidc-checks", tag = "environments",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    responses((status = 202, body = Queued, headers(("location" = String, description = "The job"))), super::errors::Errors))]
pub async fn request(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let job = engine
        .request_oidc_check(&actor, &parse_name(&name)?)
        .await?;
    Ok(accepted(job, Queued::new(job)))
}

/// An environment's OIDC check results, newest first.
#[utoipa::path(get, path = "/environments/{name}/oidc-checks", tag = "environments",
    params(("name" = EnvironmentName, Path, description = "The environment"), HistoryQuery),
    responses((status = 200, body = OidcCheckList), super::errors::Errors))]
pub async fn history(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<OidcCheckList>, ApiError> {
    let limit = super::jobs::whole("limit", query.limit.as_deref(), 1, MAX_HISTORY)?.unwrap_or(20);
    let items = engine
        .oidc_check_history(&actor, &parse_name(&name)?, limit)
        .await?;
    Ok(Json(OidcCheckList { items }))
}
