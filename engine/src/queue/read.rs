//! Reads for the UI and the REST API: jobs, their steps, their logs.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::model::{Job, JobId, JobKind, JobStatus, LogLine, Phase, PlanSummary, Step, StepStatus};
use crate::store::StoreError;

const JOB_COLUMNS: &str = "id, kind, payload, status, attempts, max_attempts, run_at, actor, environment, \
                           cancel_requested, last_error, stopped_at, created_at, started_at, finished_at";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

fn decode_job(row: &AnyRow) -> Result<Job, StoreError> {
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let payload: String = row.try_get("payload")?;
    Ok(Job {
        id: JobId(row.try_get("id")?),
        kind: JobKind::parse(&kind).ok_or_else(|| corrupt("job kind", &kind))?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("payload: {e}")))?,
        status: JobStatus::parse(&status).ok_or_else(|| corrupt("job status", &status))?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        run_at: row.try_get("run_at")?,
        actor: row.try_get("actor")?,
        environment: row.try_get("environment")?,
        cancel_requested: row.try_get::<i64, _>("cancel_requested")? != 0,
        last_error: row.try_get("last_error")?,
        stopped_at: row.try_get("stopped_at")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

/// One job.
pub async fn get_job<'e>(
    db: impl Executor<'e, Database = Any>,
    id: JobId,
) -> Result<Option<Job>, StoreError> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
    let row = sqlx::query(&sql).bind(id.0).fetch_optional(db).await?;
    row.as_ref().map(decode_job).transpose()
}

/// Which jobs to list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub environment: Option<String>,
    pub status: Option<JobStatus>,
    /// Only jobs with an id below this (paging, newest first).
    pub before: Option<JobId>,
    pub limit: i64,
}

/// Jobs, newest first.
pub async fn list_jobs<'e>(
    db: impl Executor<'e, Database = Any>,
    filter: &JobFilter,
) -> Result<Vec<Job>, StoreError> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM jobs \
         WHERE ($1 IS NULL OR environment = $1) AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR id < $3) \
         ORDER BY id DESC LIMIT $4"
    );
    let rows = sqlx::query(&sql)
        .bind(filter.environment.as_deref())
        .bind(filter.status.map(JobStatus::as_str))
        .bind(filter.before.map(|id| id.0))
        .bind(if filter.limit > 0 { filter.limit } else { 50 })
        .fetch_all(db)
        .await?;
    rows.iter().map(decode_job).collect()
}

fn decode_step(row: &AnyRow) -> Result<Step, StoreError> {
    let phase: String = row.try_get("phase")?;
    let status: String = row.try_get("status")?;
    let add: Option<i64> = row.try_get("plan_add")?;
    let change: Option<i64> = row.try_get("plan_change")?;
    let destroy: Option<i64> = row.try_get("plan_destroy")?;
    let summary = match (add, change, destroy) {
        (None, None, None) => None,
        (a, c, d) => Some(PlanSummary {
            add: a.unwrap_or(0),
            change: c.unwrap_or(0),
            destroy: d.unwrap_or(0),
        }),
    };
    Ok(Step {
        position: row.try_get("position")?,
        layer: row.try_get("layer")?,
        phase: Phase::parse(&phase).ok_or_else(|| corrupt("step phase", &phase))?,
        status: StepStatus::parse(&status).ok_or_else(|| corrupt("step status", &status))?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        resources_done: row.try_get("resources_done")?,
        resources_planned: row.try_get("resources_planned")?,
        summary,
        message: row.try_get("message")?,
    })
}

/// A job's steps in order.
pub async fn steps<'e>(
    db: impl Executor<'e, Database = Any>,
    job: JobId,
) -> Result<Vec<Step>, StoreError> {
    let rows = sqlx::query(
        "SELECT position, layer, phase, status, started_at, finished_at, resources_done, resources_planned, \
         plan_add, plan_change, plan_destroy, message FROM job_steps WHERE job_id = $1 ORDER BY position",
    )
    .bind(job.0)
    .fetch_all(db)
    .await?;
    rows.iter().map(decode_step).collect()
}

/// Up to `limit` log lines of `job` with a sequence number above `after`
/// (0 for the start): what an SSE stream sends next.
pub async fn logs<'e>(
    db: impl Executor<'e, Database = Any>,
    job: JobId,
    after: i64,
    limit: i64,
) -> Result<Vec<LogLine>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, step, at, line FROM job_logs WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(job.0)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(LogLine {
                seq: row.try_get("seq")?,
                step: row.try_get("step")?,
                at: row.try_get("at")?,
                line: row.try_get("line")?,
            })
        })
        .collect()
}
