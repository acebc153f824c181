//! `/api/v1/environments`: create, read, apply, destroy, lock and unlock.
//! Each handler parses its input, calls one engine method and shapes the
//! answer; the engine authorizes.

use axum::extract::{Extension, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use domain::{EnvironmentName, EnvironmentSummary, Manifest, NewEnvironment};
use engine::queue::JobId;
use engine::{Actor, Engine};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::extract::{limit, ApiJson, ApiQuery, OptionalJson, Page};
use super::jobs::JobView;
use super::ApiError;

fn parse_name(name: &str) -> Result<EnvironmentName, ApiError> {
    EnvironmentName::parse(name).map_err(|e| engine::Error::invalid(e).into())
}

/// 202 with the job that does the work, and where to watch it.
fn accepted(job: JobId, body: serde_json::Value) -> Response {
    let location = format!("/api/v1/jobs/{}", job.0);
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
    /// The `next` of the previous page: the last name it held.
    before: Option<String>,
}

/// `GET /environments`: those the caller may view, by name.
pub async fn list(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Page<EnvironmentSummary, String>, ApiError> {
    let limit = limit(query.limit);
    let items: Vec<_> = engine
        .list_environments(&actor)
        .await?
        .into_iter()
        .filter(|env| {
            query
                .before
                .as_deref()
                .is_none_or(|after| env.name.as_str() > after)
        })
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    Ok(Page::new(items, limit, |env| env.name.as_str().to_owned()))
}

/// An environment as `GET /environments/{name}` shows it.
#[derive(Debug, Serialize)]
pub struct EnvironmentView {
    #[serde(flatten)]
    pub environment: EnvironmentSummary,
    pub layers: Vec<String>,
    pub locked_reason: Option<String>,
    /// Hints for clients; every action is authorized when asked for.
    pub permissions: Permissions,
    pub recent_jobs: Vec<JobView>,
}

#[derive(Debug, Serialize)]
pub struct Permissions {
    pub apply: bool,
    pub destroy: bool,
}

/// `GET /environments/{name}`: 404 when it does not exist or is not visible.
pub async fn get(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Json<EnvironmentView>, ApiError> {
    let detail = engine
        .environment_detail(&actor, &parse_name(&name)?)
        .await?;
    Ok(Json(EnvironmentView {
        environment: detail.environment,
        layers: detail.layers,
        locked_reason: detail.locked_reason,
        permissions: Permissions {
            apply: detail.can_apply,
            destroy: detail.can_destroy,
        },
        recent_jobs: detail.recent_jobs.into_iter().map(JobView::from).collect(),
    }))
}

/// The body of `POST /environments`. Text fields default to empty so that a
/// missing one is reported with the others, per field, as a 422.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateEnvironment {
    #[serde(default)]
    name: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    oidc_issuer: String,
    /// All of the blueprint's layers when absent or empty.
    #[serde(default)]
    layers: Vec<String>,
    /// The identity stack on the environment's channel when absent.
    manifest: Option<Manifest>,
}

/// `POST /environments`: 202 with the environment and the job building it.
pub async fn create(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<CreateEnvironment>,
) -> Result<Response, ApiError> {
    let new = NewEnvironment::parse(
        &body.name,
        &body.tier,
        &body.purpose,
        &body.channel,
        &body.oidc_issuer,
    )
    .map_err(engine::Error::Invalid)?;
    let created = engine
        .create_environment(&actor, new, body.layers, body.manifest)
        .await?;
    Ok(accepted(
        created.job,
        json!({ "environment": created.environment, "job": { "id": created.job } }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    /// All of the environment's layers when absent or empty.
    #[serde(default)]
    layers: Vec<String>,
}

/// `POST /environments/{name}/apply`: 202 with the job; 409 when locked.
pub async fn apply(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    OptionalJson(body): OptionalJson<ApplyBody>,
) -> Result<Response, ApiError> {
    let job = engine
        .apply_environment(&actor, &parse_name(&name)?, &body.layers)
        .await?;
    Ok(accepted(job, json!({ "job": { "id": job } })))
}

/// `DELETE /environments/{name}`: 202 with the job destroying every layer.
pub async fn destroy(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let job = engine
        .destroy_environment(&actor, &parse_name(&name)?)
        .await?;
    Ok(accepted(job, json!({ "job": { "id": job } })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockBody {
    #[serde(default)]
    reason: String,
}

/// `POST /environments/{name}/lock`: no infrastructure job runs until unlocked.
pub async fn lock(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<LockBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let name = parse_name(&name)?;
    engine.lock_environment(&actor, &name, &body.reason).await?;
    Ok(Json(
        json!({ "name": name, "locked_reason": body.reason.trim() }),
    ))
}

/// `POST /environments/{name}/unlock`.
pub async fn unlock(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let name = parse_name(&name)?;
    engine.unlock_environment(&actor, &name).await?;
    Ok(Json(json!({ "name": name, "locked_reason": null })))
}
