//! Writes by the worker holding a job's lease, fenced by its token.
//!
//! A write happens only while the job's row says `status = 'running'` with
//! the writer's fencing token, and it holds the row against a concurrent
//! reclaim until it commits: the write either commits before a reclaim moves
//! the token on, or finds no such row and is refused with
//! [`LeaseError::LeaseLost`], changing nothing.
//!
//! The frequent single-statement writes (a batch of log lines, a step's
//! progress) carry the check in their own `WHERE` (one round trip; on
//! PostgreSQL the check's `FOR SHARE` holds the row). Multi-statement writes
//! open a [`fenced`] transaction: PostgreSQL locks the row `FOR SHARE`;
//! SQLite takes its single writer lock at once with a no-op `UPDATE`.

use sqlx::{Any, Row, Transaction};

use super::model::{JobId, JobKind, JobStatus, PlanSummary, StepStatus};
use crate::store::{now_ms, Backend, Store, StoreError};

/// The right to write to one job: its id and the fencing token of the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub job: JobId,
    pub token: i64,
}

/// Why a fenced write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("the lease on this job was lost to another worker")]
    LeaseLost,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for LeaseError {
    fn from(err: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(err))
    }
}

/// A transaction in which `lease` is known to be current.
pub(crate) async fn fenced(
    store: &Store,
    lease: Lease,
) -> Result<Transaction<'static, Any>, LeaseError> {
    let mut tx = store.pool().begin().await?;
    let check = match store.backend() {
        Backend::Postgres => {
            "SELECT 1 AS held FROM jobs WHERE id = $1 AND fencing_token = $2 AND status = $3 FOR SHARE"
        }
        Backend::Sqlite => {
            "UPDATE jobs SET fencing_token = fencing_token \
             WHERE id = $1 AND fencing_token = $2 AND status = $3 RETURNING 1 AS held"
        }
    };
    let held = sqlx::query(check)
        .bind(lease.job.0)
        .bind(lease.token)
        .bind(JobStatus::Running.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if held.is_none() {
        tx.rollback().await?;
        return Err(LeaseError::LeaseLost);
    }
    Ok(tx)
}

/// A condition that holds while `lease` is current, for the `WHERE` of a
/// single-statement write; `$1` is the job's id and `$token` its token. On
/// PostgreSQL it locks the job's row `FOR SHARE` until the statement
/// commits, so a reclaim waits for the write (or the write, re-checking the
/// row after the reclaim, finds the token moved on).
fn held(backend: Backend, token: usize) -> String {
    let lock = match backend {
        Backend::Postgres => " FOR SHARE",
        Backend::Sqlite => "",
    };
    format!(
        "EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND fencing_token = ${token} \
         AND status = 'running'{lock})"
    )
}

/// Extends the lease to `lease_ms` from now; answers whether cancellation
/// was requested.
pub async fn heartbeat(store: &Store, lease: Lease, lease_ms: i64) -> Result<bool, LeaseError> {
    let now = now_ms();
    let row = sqlx::query(
        "UPDATE jobs SET lease_expires_at = $3, updated_at = $4 \
         WHERE id = $1 AND fencing_token = $2 AND status = 'running' RETURNING cancel_requested",
    )
    .bind(lease.job.0)
    .bind(lease.token)
    .bind(now + lease_ms)
    .bind(now)
    .fetch_optional(store.pool())
    .await?;
    let row = row.ok_or(LeaseError::LeaseLost)?;
    Ok(row.try_get::<i64, _>("cancel_requested")? != 0)
}

/// Answers whether cancellation was requested, without extending the lease.
pub async fn cancel_requested(store: &Store, lease: Lease) -> Result<bool, LeaseError> {
    let row = sqlx::query(
        "SELECT cancel_requested FROM jobs WHERE id = $1 AND fencing_token = $2 AND status = 'running'",
    )
    .bind(lease.job.0)
    .bind(lease.token)
    .fetch_optional(store.pool())
    .await?;
    let row = row.ok_or(LeaseError::LeaseLost)?;
    Ok(row.try_get::<i64, _>("cancel_requested")? != 0)
}

/// A log line ready to store.
#[derive(Debug, Clone)]
pub struct PendingLine {
    pub seq: i64,
    pub step: Option<i64>,
    pub at: i64,
    pub line: String,
}

/// The sequence number the next log line of `job` takes.
pub async fn next_log_seq(store: &Store, job: JobId) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM job_logs WHERE job_id = $1")
        .bind(job.0)
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get::<i64, _>("last")? + 1)
}

/// The most lines one statement inserts.
const LINES_PER_STATEMENT: usize = 200;

/// Appends `lines` (already numbered), all or none: up to 200 lines (every
/// batch of a job that writes as it goes) in one statement that checks the
/// lease itself; more (what piled up while the database did not answer) in
/// a [`fenced`] transaction, so that a write tried again after a failure
/// never finds half of its lines already stored.
pub async fn append_logs(
    store: &Store,
    lease: Lease,
    lines: &[PendingLine],
) -> Result<(), LeaseError> {
    if lines.is_empty() {
        return Ok(());
    }
    if lines.len() <= LINES_PER_STATEMENT {
        let sql = insert_lines(lines.len(), Some(held(store.backend(), 2)));
        let done = bind_lines(sqlx::query(&sql), lease, lines)
            .execute(store.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(LeaseError::LeaseLost);
        }
        return Ok(());
    }
    let mut tx = fenced(store, lease).await?;
    for chunk in lines.chunks(LINES_PER_STATEMENT) {
        let sql = insert_lines(chunk.len(), None);
        bind_lines(sqlx::query(&sql), lease, chunk)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `INSERT` of `n` lines of job `$1` (`$2` its fencing token), kept only
/// when `condition` holds.
fn insert_lines(n: usize, condition: Option<String>) -> String {
    let values: Vec<String> = (0..n)
        .map(|i| {
            let b = 2 + i * 4;
            format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4)
        })
        .collect();
    format!(
        "WITH v (seq, step, at, line) AS (VALUES {}) \
         INSERT INTO job_logs (job_id, seq, step, at, line) \
         SELECT $1, v.seq, v.step, v.at, v.line FROM v WHERE {}",
        values.join(", "),
        // The token is bound either way; unused, it must still be typed.
        condition.unwrap_or_else(|| "$2 = $2".to_owned()),
    )
}

fn bind_lines<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    lease: Lease,
    lines: &'q [PendingLine],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    let mut query = query.bind(lease.job.0).bind(lease.token);
    for line in lines {
        query = query
            .bind(line.seq)
            .bind(line.step)
            .bind(line.at)
            .bind(line.line.as_str());
    }
    query
}

/// Creates the job's steps the first time it runs; on a resumed or retried
/// job, keeps the steps it has. Returns the steps' positions in order.
pub async fn ensure_steps(
    store: &Store,
    lease: Lease,
    steps: &[(String, super::Phase)],
) -> Result<(), LeaseError> {
    let mut tx = fenced(store, lease).await?;
    let have: i64 = sqlx::query("SELECT COUNT(*) AS n FROM job_steps WHERE job_id = $1")
        .bind(lease.job.0)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    if have == 0 {
        for (position, (layer, phase)) in (0_i64..).zip(steps) {
            sqlx::query(
                "INSERT INTO job_steps (job_id, position, layer, phase, status) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(lease.job.0)
            .bind(position)
            .bind(layer.as_str())
            .bind(phase.as_str())
            .bind(StepStatus::Pending.as_str())
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A change to one step.
#[derive(Debug, Clone, Default)]
pub struct StepUpdate {
    pub status: Option<StepStatus>,
    pub resources_done: Option<i64>,
    pub resources_planned: Option<i64>,
    pub summary: Option<PlanSummary>,
    pub message: Option<String>,
}

/// Applies `update` to step `position`; starting a step stamps `started_at`
/// and clears what an earlier attempt left, finishing it stamps `finished_at`.
pub async fn update_step(
    store: &Store,
    lease: Lease,
    position: i64,
    update: &StepUpdate,
) -> Result<(), LeaseError> {
    let now = now_ms();
    let status = update.status.map(StepStatus::as_str);
    let starting = i64::from(update.status == Some(StepStatus::Running));
    let finishing = i64::from(matches!(
        update.status,
        Some(StepStatus::Succeeded | StepStatus::Failed | StepStatus::Cancelled)
    ));
    let sql = format!(
        "UPDATE job_steps SET status = COALESCE($3, status), \
           started_at = CASE WHEN $4 = 1 THEN $6 ELSE started_at END, \
           finished_at = CASE WHEN $5 = 1 THEN $6 WHEN $4 = 1 THEN NULL ELSE finished_at END, \
           resources_done = CASE WHEN $4 = 1 THEN 0 ELSE COALESCE($7, resources_done) END, \
           resources_planned = COALESCE($8, resources_planned), \
           plan_add = COALESCE($9, plan_add), plan_change = COALESCE($10, plan_change), \
           plan_destroy = COALESCE($11, plan_destroy), \
           message = CASE WHEN $4 = 1 THEN $12 ELSE COALESCE($12, message) END \
         WHERE job_id = $1 AND position = $2 AND {}",
        held(store.backend(), 13),
    );
    let done = sqlx::query(&sql)
        .bind(lease.job.0)
        .bind(position)
        .bind(status)
        .bind(starting)
        .bind(finishing)
        .bind(now)
        .bind(update.resources_done)
        .bind(update.resources_planned)
        .bind(update.summary.map(|s| s.add))
        .bind(update.summary.map(|s| s.change))
        .bind(update.summary.map(|s| s.destroy))
        .bind(update.message.as_deref())
        .bind(lease.token)
        .execute(store.pool())
        .await?;
    if done.rows_affected() == 0 {
        // Either the lease is gone or there is no such step (nothing to do).
        cancel_requested(store, lease).await?;
    }
    Ok(())
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    Succeeded,
    Failed {
        error: String,
        stopped_at: Option<String>,
    },
    Cancelled {
        stopped_at: Option<String>,
    },
    /// Queue again, not before `run_at`.
    RetryAt {
        run_at: i64,
        error: String,
    },
    /// Give the job back untouched (worker shutdown): queued at once, and
    /// this attempt does not count.
    Release,
}

/// Records how the attempt ended and gives up the lease.
pub async fn complete(
    store: &Store,
    lease: Lease,
    completion: &Completion,
) -> Result<(), LeaseError> {
    let now = now_ms();
    let refund = i64::from(*completion == Completion::Release);
    let (status, error, stopped_at, run_at, finished) = match completion {
        Completion::Succeeded => (JobStatus::Succeeded, None, None, None, Some(now)),
        Completion::Failed { error, stopped_at } => (
            JobStatus::Failed,
            Some(error.as_str()),
            stopped_at.as_deref(),
            None,
            Some(now),
        ),
        Completion::Cancelled { stopped_at } => (
            JobStatus::Cancelled,
            Some("cancelled"),
            stopped_at.as_deref(),
            None,
            Some(now),
        ),
        Completion::RetryAt { run_at, error } => (
            JobStatus::Queued,
            Some(error.as_str()),
            None,
            Some(*run_at),
            None,
        ),
        Completion::Release => (JobStatus::Queued, None, None, Some(now), None),
    };
    if let Completion::Failed { error, stopped_at } = completion {
        return fail(store, lease, error, stopped_at.as_deref(), now).await;
    }
    let done = sqlx::query(
        "UPDATE jobs SET status = $3, last_error = $4, stopped_at = $5, run_at = COALESCE($6, run_at), \
           finished_at = $7, lease_owner = NULL, lease_expires_at = NULL, updated_at = $8, \
           attempts = attempts - $9 \
         WHERE id = $1 AND fencing_token = $2 AND status = 'running'",
    )
    .bind(lease.job.0)
    .bind(lease.token)
    .bind(status.as_str())
    .bind(error)
    .bind(stopped_at)
    .bind(run_at)
    .bind(finished)
    .bind(now)
    .bind(refund)
    .execute(store.pool())
    .await?;
    if done.rows_affected() == 0 {
        return Err(LeaseError::LeaseLost);
    }
    super::signal::ring_jobs();
    Ok(())
}

/// Marks the job failed and, for an infrastructure job of an environment,
/// tells the webhooks that hear it, in one transaction.
async fn fail(
    store: &Store,
    lease: Lease,
    error: &str,
    stopped_at: Option<&str>,
    now: i64,
) -> Result<(), LeaseError> {
    let mut tx = store.pool().begin().await.map_err(StoreError::Database)?;
    let row = sqlx::query(
        "UPDATE jobs SET status = 'failed', last_error = $3, stopped_at = $4, finished_at = $5, \
           lease_owner = NULL, lease_expires_at = NULL, updated_at = $5 \
         WHERE id = $1 AND fencing_token = $2 AND status = 'running' RETURNING kind, environment",
    )
    .bind(lease.job.0)
    .bind(lease.token)
    .bind(error)
    .bind(stopped_at)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await
    .map_err(StoreError::Database)?;
    let Some(row) = row else {
        return Err(LeaseError::LeaseLost);
    };
    let kind: String = row.try_get("kind").map_err(StoreError::Database)?;
    let environment: Option<String> = row.try_get("environment").map_err(StoreError::Database)?;
    let infrastructure = matches!(
        JobKind::parse(&kind),
        Ok(JobKind::EnvironmentCreate | JobKind::EnvironmentApply | JobKind::EnvironmentDestroy)
    );
    if let (true, Some(environment)) = (infrastructure, environment) {
        let at = stopped_at.map(|s| format!(" at {s}")).unwrap_or_default();
        let notification = crate::store::webhooks::Notification {
            event: domain::notification::NotificationEvent::JobFailed,
            summary: domain::oidc::one_line(&format!(
                "Job #{} {kind} on {environment} failed{at}: {error}",
                lease.job
            )),
            environment,
            path: format!("/jobs/{}", lease.job),
            at: now,
            details: serde_json::json!({
                "job": lease.job.0,
                "kind": kind,
                "stopped_at": stopped_at,
                "error": error,
            }),
        };
        crate::store::webhooks::emit(&mut tx, &notification).await?;
    }
    tx.commit().await.map_err(StoreError::Database)?;
    super::signal::ring_jobs();
    Ok(())
}
