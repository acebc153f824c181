//! Jobs: one with its steps and log, lists, cancel and retry. Each function
//! calls one engine method. The views also read the live events of
//! `/api/v1/jobs/{id}/events`, which carry the engine's JSON.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::error::UiError;

/// A job's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub id: i64,
    pub kind: String,
    pub status: String,
    #[serde(default)]
    pub actor: String,
    pub environment: Option<String>,
    #[serde(default)]
    pub cancel_requested: bool,
    pub last_error: Option<String>,
    pub stopped_at: Option<String>,
    #[serde(default)]
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl JobView {
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "succeeded" | "failed" | "cancelled")
    }
}

/// Terraform's add/change/destroy counts of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub add: i64,
    pub change: i64,
    pub destroy: i64,
}

/// One layer and phase of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    pub position: i64,
    pub layer: String,
    pub phase: String,
    pub status: String,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub resources_done: i64,
    pub resources_planned: i64,
    pub summary: Option<PlanView>,
    pub message: Option<String>,
}

/// A job with its steps (the `job` event's data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobDetailView {
    pub job: JobView,
    pub steps: Vec<StepView>,
}

/// One log line (the `log` event's data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLineView {
    pub seq: i64,
    pub step: Option<i64>,
    pub at: i64,
    pub line: String,
}

/// A page of jobs, newest first, and the cursor of the next older page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobsPage {
    pub jobs: Vec<JobView>,
    pub older: Option<i64>,
}

/// How many jobs a page asks the engine for.
pub const PAGE: i64 = 25;

#[cfg(feature = "ssr")]
fn view_of<T: Serialize, V: serde::de::DeserializeOwned>(value: &T) -> Result<V, UiError> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| engine::Error::Internal(Box::new(e)).into())
}

/// A job with its steps.
#[server(prefix = "/_fn", endpoint = "get_job", input = GetUrl)]
pub async fn get_job(id: i64) -> Result<JobDetailView, UiError> {
    let engine = super::context::engine()?;
    let detail = engine
        .get_job(&super::context::actor(), engine::queue::JobId(id))
        .await?;
    view_of(&detail)
}

/// A job's log lines after the sequence number `after`.
#[server(prefix = "/_fn", endpoint = "job_logs", input = GetUrl)]
pub async fn job_logs(id: i64, #[server(default)] after: i64) -> Result<Vec<LogLineView>, UiError> {
    let engine = super::context::engine()?;
    let lines = engine
        .job_logs(
            &super::context::actor(),
            engine::queue::JobId(id),
            after,
            5000,
        )
        .await?;
    view_of(&lines)
}

/// Jobs the caller may see, newest first, narrowed by environment, actor,
/// kind and start date; `before` pages to older ones.
#[server(prefix = "/_fn", endpoint = "list_jobs", input = GetUrl)]
pub async fn list_jobs(
    #[server(default)] environment: String,
    #[server(default)] actor: String,
    #[server(default)] kind: String,
    #[server(default)] since: String,
    #[server(default)] before: Option<i64>,
) -> Result<JobsPage, UiError> {
    let engine = super::context::engine()?;
    let filter = engine::queue::JobFilter {
        environment: Some(environment.trim().to_owned()).filter(|e| !e.is_empty()),
        status: None,
        before: before.map(engine::queue::JobId),
        limit: PAGE,
    };
    let jobs = engine.list_jobs(&super::context::actor(), filter).await?;
    // The engine filters by environment; the rest narrows the page here.
    let since = crate::components::time::parse_date(&since);
    let older = (jobs.len() as i64 == PAGE)
        .then(|| jobs.last().map(|j| j.id.0))
        .flatten();
    let older =
        older.filter(|_| since.is_none_or(|s| jobs.last().is_some_and(|j| j.created_at >= s)));
    let views: Vec<JobView> = view_of(&jobs)?;
    let actor = actor.trim();
    let kind = kind.trim();
    Ok(JobsPage {
        jobs: views
            .into_iter()
            .filter(|j| actor.is_empty() || j.actor == actor || j.actor == format!("user:{actor}"))
            .filter(|j| kind.is_empty() || j.kind == kind)
            .filter(|j| since.is_none_or(|s| j.created_at >= s))
            .collect(),
        older,
    })
}

/// Asks a queued or running job to stop.
#[server(prefix = "/_fn", endpoint = "cancel_job")]
pub async fn cancel_job(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    id: i64,
) -> Result<(), UiError> {
    let engine = super::context::engine()?;
    engine
        .cancel_job(&super::context::actor(), engine::queue::JobId(id))
        .await?;
    Ok(())
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
        .retry_job(&super::context::actor(), engine::queue::JobId(id))
        .await?)
}

/// Whether layers run on Palette's stand-in (simulated resources).
#[server(prefix = "/_fn", endpoint = "layers_simulated", input = GetUrl)]
pub async fn layers_simulated() -> Result<bool, UiError> {
    Ok(super::context::engine()?.simulated_layers())
}
