//! Enqueueing, inside the transaction of the change that needs the job.

use sqlx::{Any, Executor, Row};

use super::model::{JobId, JobStatus, NewJob};
use super::signal;
use crate::store::{now_ms, StoreError};

/// Inserts `job` as `queued`. Call it with `&mut *tx` so the job exists
/// exactly when the change that needs it commits. On PostgreSQL a trigger
/// sends `NOTIFY palette_jobs` in the same transaction (delivered on
/// commit); in-process workers are rung at once and look again shortly
/// after, in case the transaction commits later.
pub async fn enqueue<'e>(
    db: impl Executor<'e, Database = Any>,
    job: NewJob,
) -> Result<JobId, StoreError> {
    let now = now_ms();
    let payload =
        serde_json::to_string(&job.payload).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = sqlx::query(
        "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, actor, environment, \
         concurrency_key, created_at, updated_at) \
         VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(job.kind.as_str())
    .bind(payload)
    .bind(JobStatus::Queued.as_str())
    .bind(job.max_attempts.unwrap_or_else(|| job.kind.default_max_attempts()).max(1))
    .bind(job.run_at.unwrap_or(now))
    .bind(&job.actor)
    .bind(job.environment.as_deref())
    .bind(job.concurrency_key())
    .bind(now)
    .fetch_one(db)
    .await?;
    signal::ring_jobs();
    Ok(JobId(row.try_get::<i64, _>("id")?))
}
