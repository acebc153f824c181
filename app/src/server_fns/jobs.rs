//! Jobs: one with its steps and log, lists, cancel and retry. Each function
//! calls one engine method and returns the domain's types, the same the
//! REST API and its live events carry.

use domain::job::{Cancelled, Job, JobDetail, JobId, JobQuery, LogLine};
use domain::Page;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::UiError;

/// How many jobs a page of the jobs list holds.
pub const PAGE: i64 = 25;

/// A job with its steps.
#[server(prefix = "/_fn", endpoint = "get_job", input = GetUrl)]
pub async fn get_job(id: i64) -> Result<JobDetail, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.get_job(&super::context::actor(), JobId(id)).await?)
}

/// A job's log lines after the sequence number `after`.
#[server(prefix = "/_fn", endpoint = "job_logs", input = GetUrl)]
pub async fn job_logs(id: i64, #[server(default)] after: i64) -> Result<Vec<LogLine>, UiError> {
    let engine = super::context::engine()?;
    let max = engine::services::jobs::MAX_LOG_BATCH;
    Ok(engine
        .job_logs(&super::context::actor(), JobId(id), after, max)
        .await?)
}

/// Jobs the caller may see, newest first, filtered as `GET /api/v1/jobs`
/// filters: the same query, parsed by the same parser, answered by the
/// same engine method.
#[server(prefix = "/_fn", endpoint = "list_jobs", input = GetUrl)]
pub async fn list_jobs(#[server(default)] query: JobQuery) -> Result<Page<Job, JobId>, UiError> {
    let filter = query.parse()?;
    let engine = super::context::engine()?;
    Ok(engine.list_jobs(&super::context::actor(), &filter).await?)
}

/// Asks a queued or running job to stop.
#[server(prefix = "/_fn", endpoint = "cancel_job")]
pub async fn cancel_job(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    id: i64,
) -> Result<Cancelled, UiError> {
    let engine = super::context::engine()?;
    Ok(engine
        .cancel_job(&super::context::actor(), JobId(id))
        .await?)
}

/// Puts a failed or cancelled job back in the queue, from the layer where
/// it stopped.
#[server(prefix = "/_fn", endpoint = "retry_job")]
pub async fn retry_job(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    id: i64,
) -> Result<(), UiError> {
    let engine = super::context::engine()?;
    Ok(engine
        .retry_job(&super::context::actor(), JobId(id))
        .await?)
}

/// Whether layers run on Palette's stand-in (simulated resources).
#[server(prefix = "/_fn", endpoint = "layers_simulated", input = GetUrl)]
pub async fn layers_simulated() -> Result<bool, UiError> {
    Ok(super::context::engine()?.simulated_layers())
}
