//! `/api/v1/jobs`: list, detail, logs, cancel and retry. The live stream is
//! in `events.rs`.

use axum::extract::{Extension, Path, State};
use axum::http::{header, HeaderName, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use engine::queue::{
    CancelOutcome, Job, JobFilter, JobId, JobKind, JobStatus, Phase, PlanSummary, Step, StepStatus,
};
use engine::services::jobs::JobDetail;
use engine::{Actor, Engine};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::extract::{limit, ApiQuery, Page};
use super::ApiError;

/// A job in lists and in the environment view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobView {
    pub id: JobId,
    pub kind: JobKind,
    pub status: JobStatus,
    pub environment: Option<String>,
    /// Who asked (`user:<sub>`, `system:<component>`).
    pub actor: String,
    pub attempts: i64,
    pub cancel_requested: bool,
    pub last_error: Option<String>,
    /// `layer/phase` where a failed or cancelled job stopped.
    pub stopped_at: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl From<Job> for JobView {
    fn from(job: Job) -> Self {
        Self {
            id: job.id,
            kind: job.kind,
            status: job.status,
            environment: job.environment,
            actor: job.actor,
            attempts: job.attempts,
            cancel_requested: job.cancel_requested,
            last_error: job.last_error,
            stopped_at: job.stopped_at,
            created_at: job.created_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
        }
    }
}

/// One layer and phase of a job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepView {
    /// The step's number: log lines name it in `step`.
    pub position: i64,
    pub layer: String,
    pub phase: Phase,
    pub status: StepStatus,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub progress: Progress,
    /// Terraform's plan counts, once planned.
    pub summary: Option<PlanSummary>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    pub done: i64,
    pub planned: i64,
}

impl From<Step> for StepView {
    fn from(step: Step) -> Self {
        Self {
            position: step.position,
            layer: step.layer,
            phase: step.phase,
            status: step.status,
            started_at: step.started_at,
            finished_at: step.finished_at,
            progress: Progress {
                done: step.resources_done,
                planned: step.resources_planned,
            },
            summary: step.summary,
            message: step.message,
        }
    }
}

/// A job with its steps: `GET /jobs/{id}` and the `job`/`end` SSE events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobDetailView {
    #[serde(flatten)]
    pub job: JobView,
    pub payload: serde_json::Value,
    pub steps: Vec<StepView>,
}

impl From<JobDetail> for JobDetailView {
    fn from(detail: JobDetail) -> Self {
        let payload = detail.job.payload.clone();
        Self {
            job: detail.job.into(),
            payload,
            steps: detail.steps.into_iter().map(StepView::from).collect(),
        }
    }
}

/// A job id from the path; anything else names no job.
pub fn job_id(id: &str) -> Result<JobId, ApiError> {
    id.parse()
        .map(JobId)
        .map_err(|_| engine::Error::NotFound(format!("job {id}")).into())
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    environment: Option<String>,
    status: Option<String>,
    limit: Option<i64>,
    before: Option<i64>,
}

/// `GET /jobs?environment=&status=`: newest first, on environments the
/// caller may view.
pub async fn list(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Page<JobView, JobId>, ApiError> {
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(JobStatus::parse(s).ok_or_else(|| {
            let known: Vec<_> = JobStatus::ALL.iter().map(|s| s.as_str()).collect();
            engine::Error::invalid(domain::ValidationError::new(
                "status",
                format!("unknown status {s:?} (known: {})", known.join(", ")),
            ))
        })?),
    };
    let limit = limit(query.limit);
    let filter = JobFilter {
        environment: query.environment.filter(|e| !e.is_empty()),
        status,
        before: query.before.map(JobId),
        limit,
    };
    let jobs = engine.list_jobs(&actor, filter).await?;
    Ok(Page::new(
        jobs.into_iter().map(JobView::from).collect(),
        limit,
        |job| job.id,
    ))
}

/// `GET /jobs/{id}`: the job and its steps; 404 when not visible.
pub async fn get(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<JobDetailView>, ApiError> {
    Ok(Json(engine.get_job(&actor, job_id(&id)?).await?.into()))
}

#[derive(Debug, Default, Deserialize)]
pub struct LogsQuery {
    /// Only lines after this sequence number.
    after: Option<i64>,
    /// A step: its position, its layer (both phases) or `layer/phase`.
    step: Option<String>,
    /// At most this many lines (default and maximum 50 000).
    limit: Option<i64>,
}

/// The last sequence number in a logs response: continue with `?after=`.
const LAST_SEQ: HeaderName = HeaderName::from_static("x-palette-last-seq");
const MAX_LINES: i64 = 50_000;
const BATCH: i64 = 5_000;

/// `GET /jobs/{id}/logs?after=&step=`: the log as plain text, one line each.
pub async fn logs(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<LogsQuery>,
) -> Result<Response, ApiError> {
    let id = job_id(&id)?;
    let steps = match query.step.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(wanted) => Some(select_steps(
            &engine.get_job(&actor, id).await?.steps,
            wanted,
        )?),
    };
    let max = query.limit.unwrap_or(MAX_LINES).clamp(1, MAX_LINES);
    let (mut after, mut text, mut count) = (query.after.unwrap_or(0), String::new(), 0_i64);
    let mut last = after;
    while count < max {
        let batch = engine.job_logs(&actor, id, after, BATCH).await?;
        let Some(tail) = batch.last() else { break };
        after = tail.seq;
        let full = i64::try_from(batch.len()).is_ok_and(|n| n >= BATCH);
        for line in batch {
            if count >= max {
                break;
            }
            if steps
                .as_ref()
                .is_none_or(|s| line.step.is_some_and(|p| s.contains(&p)))
            {
                text.push_str(&line.line);
                text.push('\n');
                count += 1;
            }
            last = line.seq;
        }
        if !full {
            break;
        }
    }
    let headers = [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
        (LAST_SEQ, last.to_string()),
    ];
    Ok((headers, text).into_response())
}

/// The positions of the steps `wanted` names.
fn select_steps(steps: &[Step], wanted: &str) -> Result<Vec<i64>, ApiError> {
    let chosen: Vec<i64> = steps
        .iter()
        .filter(|s| {
            wanted.parse::<i64>().is_ok_and(|p| p == s.position)
                || wanted == s.layer
                || wanted == format!("{}/{}", s.layer, s.phase)
        })
        .map(|s| s.position)
        .collect();
    if chosen.is_empty() {
        let err = domain::ValidationError::new("step", format!("the job has no step {wanted:?}"));
        return Err(engine::Error::invalid(err).into());
    }
    Ok(chosen)
}

/// `POST /jobs/{id}/cancel`: cancels a queued job at once, asks a running
/// one to stop.
pub async fn cancel(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = job_id(&id)?;
    let outcome = match engine.cancel_job(&actor, id).await? {
        CancelOutcome::Cancelled => "cancelled",
        CancelOutcome::Requested => "requested",
        CancelOutcome::AlreadyFinished => "already_finished",
    };
    Ok(Json(json!({ "job": { "id": id }, "outcome": outcome })))
}

/// `POST /jobs/{id}/retry`: queues a failed or cancelled job again; it
/// resumes at the step where it stopped.
pub async fn retry(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = job_id(&id)?;
    engine.retry_job(&actor, id).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": { "id": id } }))).into_response())
}
