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
    let row = insert(db, &job, "").await?.ok_or(StoreError::Conflict)?;
    signal::ring_jobs();
    Ok(row)
}

/// [`enqueue`] unless a unique index refuses the job (e.g. the one pending
/// `oidc.check` per environment): `None` then, and nothing is written. Safe
/// against concurrent callers in any number of processes.
pub async fn enqueue_unless_pending<'e>(
    db: impl Executor<'e, Database = Any>,
    job: NewJob,
) -> Result<Option<JobId>, StoreError> {
    let id = insert(db, &job, " ON CONFLICT DO NOTHING").await?;
    if id.is_some() {
        signal::ring_jobs();
    }
    Ok(id)
}

async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    job: &NewJob,
    on_conflict: &str,
) -> Result<Option<JobId>, StoreError> {
    let now = now_ms();
    let payload =
        serde_json::to_string(&job.payload).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let sql = format!(
        "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, actor, environment, \
         concurrency_key, created_at, updated_at) \
         VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8, $9, $9){on_conflict} RETURNING id"
    );
    let row = sqlx::query(&sql)
        .bind(job.kind.as_str())
        .bind(payload)
        .bind(JobStatus::Queued.as_str())
        .bind(
            job.max_attempts
                .unwrap_or_else(|| job.kind.default_max_attempts())
                .max(1),
        )
        .bind(job.run_at.unwrap_or(now))
        .bind(&job.actor)
        .bind(job.environment.as_deref())
        .bind(job.concurrency_key())
        .bind(now)
        .fetch_optional(db)
        .await?;
    row.map(|row| Ok(JobId(row.try_get::<i64, _>("id")?)))
        .transpose()
}
