//! `/api/v1/releases`, `/api/v1/quarantines` and `/api/v1/release-matrix`:
//! CI records releases (which auto-deploy where the policy says so),
//! release owners quarantine revisions, everyone sees what runs where.
//! The same engine methods as the release pages.

use axum::extract::{Extension, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use domain::{
    Page, Quarantine, QuarantineKey, QuarantineRequest, RecordRelease, RecordedRelease, Release,
    ReleaseId, ReleaseMatrix, ReleaseQuery,
};
use engine::{Actor, Engine};

use super::extract::{ApiJson, ApiQuery};
use super::ApiError;

/// Recorded releases, newest first, with where each went and how it ended.
#[utoipa::path(get, path = "/releases", tag = "releases", params(ReleaseQuery),
    responses((status = 200, body = Page<Release, ReleaseId>), super::errors::Errors))]
pub async fn list(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiQuery(query): ApiQuery<ReleaseQuery>,
) -> Result<Json<Page<Release, ReleaseId>>, ApiError> {
    Ok(Json(engine.releases(&actor, &query).await?))
}

/// Record a release (`releaser` on the platform). 201 with the release and
/// the promotions it opened; the same charm, channel and revision again
/// answers 200 with the stored release and opens nothing.
#[utoipa::path(post, path = "/releases", tag = "releases",
    request_body = RecordRelease,
    responses(
        (status = 201, body = RecordedRelease, description = "Recorded; `opened` lists the promotions it opened"),
        (status = 200, body = RecordedRelease, description = "Recorded before; nothing new was opened"),
        super::errors::Errors))]
pub async fn record(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<RecordRelease>,
) -> Result<Response, ApiError> {
    let recorded = engine.record_release(&actor, &body).await?;
    let status = if recorded.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/releases/{}", recorded.release.id);
    Ok((status, [(header::LOCATION, location)], Json(recorded)).into_response())
}

/// One release and where it went.
#[utoipa::path(get, path = "/releases/{id}", tag = "releases",
    params(("id" = i64, Path, minimum = 1, description = "The release")),
    responses((status = 200, body = Release), super::errors::Errors))]
pub async fn get(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<Release>, ApiError> {
    let id = ReleaseId::parse(&id)
        .ok_or_else(|| ApiError::from(engine::Error::NotFound(format!("release {id}"))))?;
    Ok(Json(engine.release(&actor, id).await?))
}

/// Environments (in upstream order) × applications: what runs where,
/// holds, quarantines and the newest release of each channel.
#[utoipa::path(get, path = "/release-matrix", tag = "releases",
    responses((status = 200, body = ReleaseMatrix), super::errors::Errors))]
pub async fn matrix(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
) -> Result<Json<ReleaseMatrix>, ApiError> {
    Ok(Json(engine.release_matrix(&actor).await?))
}

/// Every quarantined revision.
#[utoipa::path(get, path = "/quarantines", tag = "releases",
    responses((status = 200, body = Vec<Quarantine>), super::errors::Errors))]
pub async fn quarantines(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
) -> Result<Json<Vec<Quarantine>>, ApiError> {
    Ok(Json(engine.quarantines(&actor).await?))
}

/// Quarantine a revision everywhere (`releaser`): no promotion brings it
/// anywhere until it is lifted; waiting promotions carrying it are
/// cancelled. 201.
#[utoipa::path(post, path = "/quarantines", tag = "releases",
    request_body = QuarantineRequest,
    responses((status = 201, body = Quarantine), super::errors::Errors))]
pub async fn quarantine(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<QuarantineRequest>,
) -> Result<Response, ApiError> {
    let quarantine = engine.quarantine(&actor, &body).await?;
    Ok((StatusCode::CREATED, Json(quarantine)).into_response())
}

/// Lift a quarantine (`releaser`). 204.
#[utoipa::path(delete, path = "/quarantines/{charm}/{revision}", tag = "releases",
    params(
        ("charm" = domain::openapi::Name, Path, description = "The quarantined charm"),
        ("revision" = domain::openapi::Revision, Path, description = "The quarantined revision"),
    ),
    responses((status = 204, description = "Lifted"), super::errors::Errors))]
pub async fn lift(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path((charm, revision)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let key = QuarantineKey::parse(&charm, &revision).map_err(engine::Error::Invalid)?;
    engine.lift_quarantine(&actor, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
