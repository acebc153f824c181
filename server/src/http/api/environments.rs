//! `/api/v1/environments`: create, read, apply, destroy, lock and unlock.
//! Each handler parses its input, calls one engine method and shapes the
//! answer; the engine validates and authorizes.

use axum::extract::{Extension, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use domain::job::{JobId, Queued};
use domain::{
    ApplyRequest, CreateEnvironment, Created, EnvironmentDetail, EnvironmentName,
    EnvironmentSummary, Limit, Lock, LockRequest, Overview, Page,
};
use engine::{Actor, Engine};
use serde::Deserialize;

use super::extract::{ApiJson, ApiQuery, OptionalJson};
use super::ApiError;

pub fn parse_name(name: &str) -> Result<EnvironmentName, ApiError> {
    Ok(EnvironmentName::parse(name)?)
}

/// 202 with the answer, and where to watch the job that does the work.
pub fn accepted(job: JobId, body: impl serde::Serialize) -> Response {
    let location = format!("/api/v1/jobs/{}", job.0);
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// At most this many environments (default 50).
    #[param(value_type = Option<domain::Limit>)]
    limit: Option<String>,
    /// The `next` of the previous page: the last name it held.
    #[param(value_type = Option<EnvironmentName>)]
    before: Option<String>,
}

/// Environments the caller may view, by name.
#[utoipa::path(get, path = "/environments", tag = "environments", params(ListQuery),
    responses((status = 200, body = Page<EnvironmentSummary, EnvironmentName>), super::errors::Errors))]
pub async fn list(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<EnvironmentSummary, EnvironmentName>>, ApiError> {
    let limit = Limit::parse(query.limit.as_deref())?;
    let after = match query
        .before
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
    {
        None => None,
        Some(name) => Some(
            EnvironmentName::parse(name)
                .map_err(|e| domain::ValidationError::new("before", e.message))?,
        ),
    };
    Ok(Json(
        engine
            .environments_page(&actor, after.as_ref(), limit)
            .await?,
    ))
}

/// Every environment the caller may view, in pipeline order (after the
/// environment it is promoted from), with its running or last job, its
/// lock, its newest OIDC verdict and the applications that differ from its
/// upstream: what a dashboard needs in one request.
#[utoipa::path(get, path = "/overview", tag = "environments",
    responses((status = 200, body = Overview), super::errors::Errors))]
pub async fn overview(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
) -> Result<Json<Overview>, ApiError> {
    Ok(Json(engine.overview(&actor).await?))
}

/// One environment with its layers, lock, what the caller may do and its
/// recent jobs; 404 when it does not exist or is not visible.
#[utoipa::path(get, path = "/environments/{name}", tag = "environments",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    responses((status = 200, body = EnvironmentDetail), super::errors::Errors))]
pub async fn get(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Json<EnvironmentDetail>, ApiError> {
    Ok(Json(
        engine
            .environment_detail(&actor, &parse_name(&name)?)
            .await?,
    ))
}

/// Create an environment and queue the job that builds its layers.
#[utoipa::path(post, path = "/environments", tag = "environments", request_body = CreateEnvironment,
    responses((status = 202, body = Created, headers(("location" = String, description = "The job"))), super::errors::Errors))]
pub async fn create(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<CreateEnvironment>,
) -> Result<Response, ApiError> {
    let new = body.parse()?;
    let created = engine.create_environment(&actor, new).await?;
    Ok(accepted(created.job.id, created))
}

/// Apply an environment's layers again (queues a job); 409 when locked.
#[utoipa::path(post, path = "/environments/{name}/apply", tag = "environments",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    request_body(content = Option<ApplyRequest>, description = "Optional: all layers when absent"),
    responses((status = 202, body = Queued, headers(("location" = String, description = "The job"))), super::errors::Errors))]
pub async fn apply(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    OptionalJson(body): OptionalJson<ApplyRequest>,
) -> Result<Response, ApiError> {
    let job = engine
        .apply_environment(&actor, &parse_name(&name)?, &body.layers)
        .await?;
    Ok(accepted(job, Queued::new(job)))
}

/// Destroy every layer of an environment (queues a job).
#[utoipa::path(delete, path = "/environments/{name}", tag = "environments",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    responses((status = 202, body = Queued, headers(("location" = String, description = "The job"))), super::errors::Errors))]
pub async fn destroy(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let job = engine
        .destroy_environment(&actor, &parse_name(&name)?)
        .await?;
    Ok(accepted(job, Queued::new(job)))
}

/// Lock an environment: no infrastructure job runs until it is unlocked.
#[utoipa::path(post, path = "/environments/{name}/lock", tag = "environments",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    request_body = LockRequest,
    responses((status = 200, body = Lock), super::errors::Errors))]
pub async fn lock(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<LockRequest>,
) -> Result<Json<Lock>, ApiError> {
    let name = parse_name(&name)?;
    Ok(Json(engine.lock_environment(&actor, &name, &body).await?))
}

/// Unlock an environment.
#[utoipa::path(post, path = "/environments/{name}/unlock", tag = "environments",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    responses((status = 200, body = Lock), super::errors::Errors))]
pub async fn unlock(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Json<Lock>, ApiError> {
    let name = parse_name(&name)?;
    Ok(Json(engine.unlock_environment(&actor, &name).await?))
}
