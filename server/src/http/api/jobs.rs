//! `/api/v1/jobs`: list, detail, logs, cancel and retry. The live stream is
//! in `events.rs`.

use axum::extract::{Extension, Path, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Json, Response};
use domain::job::{Cancelled, Job, JobDetail, JobId, JobQuery, Queued};
use domain::Page;
use engine::services::jobs::MAX_LOG_LINES;
use engine::{Actor, Engine};
use serde::Deserialize;

use super::environments::accepted;
use super::extract::ApiQuery;
use super::ApiError;

/// A job id from the path; anything else names no job.
pub fn job_id(id: &str) -> Result<JobId, ApiError> {
    JobId::parse(id).ok_or_else(|| engine::Error::NotFound(format!("job {id}")).into())
}

/// Jobs on environments the caller may view, newest first.
#[utoipa::path(get, path = "/jobs", tag = "jobs", params(JobQuery),
    responses((status = 200, body = Page<Job, JobId>), super::errors::Errors))]
pub async fn list(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiQuery(query): ApiQuery<JobQuery>,
) -> Result<Json<Page<Job, JobId>>, ApiError> {
    let filter = query.parse()?;
    Ok(Json(engine.list_jobs(&actor, &filter).await?))
}

/// One job with its steps; 404 when not visible.
#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs",
    params(("id" = i64, Path, minimum = 1, description = "The job")),
    responses((status = 200, body = JobDetail), super::errors::Errors))]
pub async fn get(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<JobDetail>, ApiError> {
    Ok(Json(engine.get_job(&actor, job_id(&id)?).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogsQuery {
    /// Only lines after this sequence number (see the X-Palette-Last-Seq header).
    #[param(value_type = Option<domain::openapi::Seq>)]
    after: Option<String>,
    /// A step: its position, its layer (both phases) or `layer/phase`;
    /// 404 when the job has no such step.
    #[param(value_type = Option<domain::openapi::Trimmed>)]
    step: Option<String>,
    /// At most this many lines (default and maximum 50 000).
    #[param(schema_with = log_limit)]
    limit: Option<String>,
    /// `true`: as a file to save (`Content-Disposition: attachment`,
    /// `palette-job-{id}.log`).
    #[param(value_type = Option<bool>)]
    download: Option<String>,
}

fn log_limit() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .minimum(Some(1))
        .maximum(Some(MAX_LOG_LINES))
        .into()
}

/// A whole number from a query string, within `min..=max`.
pub fn whole(field: &str, text: Option<&str>, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
    match text {
        None => Ok(None),
        Some(t) => domain::page::whole_number(t)
            .filter(|n| (min..=max).contains(n))
            .map(Some)
            .ok_or_else(|| {
                domain::ValidationError::new(
                    field,
                    format!("must be a whole number from {min} to {max}"),
                )
                .into()
            }),
    }
}

/// The last sequence number in a logs response: continue with `?after=`.
const LAST_SEQ: HeaderName = HeaderName::from_static("x-palette-last-seq");

/// A job's log as plain text, one line each: the lines as Terraform and
/// Palette wrote them. With `?download=true` as a file to save.
#[utoipa::path(get, path = "/jobs/{id}/logs", tag = "jobs",
    params(("id" = i64, Path, minimum = 1, description = "The job"), LogsQuery),
    responses((status = 200, content_type = "text/plain", body = String,
        headers(("x-palette-last-seq" = i64, description = "The last sequence number read"),
            ("content-disposition" = String, description = "With download=true: attachment; filename=\"palette-job-{id}.log\""))),
        super::errors::Errors))]
pub async fn logs(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<LogsQuery>,
) -> Result<Response, ApiError> {
    let id = job_id(&id)?;
    let after = whole("after", query.after.as_deref(), 0, i64::MAX)?.unwrap_or(0);
    let max = whole("limit", query.limit.as_deref(), 1, MAX_LOG_LINES)?.unwrap_or(MAX_LOG_LINES);
    let download = query
        .download
        .as_deref()
        .map(|d| domain::page::flag("download", d))
        .transpose()?
        .unwrap_or(false);
    let (text, last) = engine
        .job_log_text(&actor, id, after, query.step.as_deref(), max)
        .await?;
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (LAST_SEQ, last.to_string()),
        ],
        text,
    )
        .into_response();
    if download {
        let name = domain::job::log_file_name(id, query.step.as_deref());
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
    }
    Ok(response)
}

/// Cancel a job: at once when queued, by stopping it when running.
#[utoipa::path(post, path = "/jobs/{id}/cancel", tag = "jobs",
    params(("id" = i64, Path, minimum = 1, description = "The job")),
    responses((status = 200, body = Cancelled), super::errors::Errors))]
pub async fn cancel(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<Cancelled>, ApiError> {
    Ok(Json(engine.cancel_job(&actor, job_id(&id)?).await?))
}

/// Queue a failed or cancelled job again, from the step where it stopped.
#[utoipa::path(post, path = "/jobs/{id}/retry", tag = "jobs",
    params(("id" = i64, Path, minimum = 1, description = "The job")),
    responses((status = 202, body = Queued), super::errors::Errors))]
pub async fn retry(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = job_id(&id)?;
    engine.retry_job(&actor, id).await?;
    Ok(accepted(id, Queued::new(id)))
}
