//! What people do to jobs: cancel them and retry them.

use sqlx::AnyConnection;

use super::model::{CancelOutcome, JobId, JobStatus, StepStatus};
use super::signal;
use crate::store::{now_ms, StoreError};

/// Cancels job `id`. Works inside a transaction (`&mut *tx`) or on a pooled
/// connection.
pub async fn cancel(conn: &mut AnyConnection, id: JobId) -> Result<CancelOutcome, StoreError> {
    let now = now_ms();
    let queued = sqlx::query(
        "UPDATE jobs SET status = 'cancelled', cancel_requested = 1, last_error = 'cancelled', \
         stopped_at = 'before it started', finished_at = $2, updated_at = $2 WHERE id = $1 AND status = 'queued'",
    )
    .bind(id.0)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if queued.rows_affected() == 1 {
        sqlx::query(
            "UPDATE job_steps SET status = 'cancelled' WHERE job_id = $1 AND status = 'pending'",
        )
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
        return Ok(CancelOutcome::Cancelled);
    }
    let running = sqlx::query(
        "UPDATE jobs SET cancel_requested = 1, updated_at = $2 WHERE id = $1 AND status = 'running'",
    )
    .bind(id.0)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if running.rows_affected() == 1 {
        signal::ring_cancels();
        return Ok(CancelOutcome::Requested);
    }
    match super::read::get_job(&mut *conn, id).await? {
        Some(_) => Ok(CancelOutcome::AlreadyFinished),
        None => Err(StoreError::NotFound),
    }
}

/// Queues a failed or cancelled job again. Its succeeded steps stay
/// succeeded, so an infrastructure job resumes at the layer that failed.
/// `Conflict` when the job is not failed or cancelled.
pub async fn retry(conn: &mut AnyConnection, id: JobId) -> Result<(), StoreError> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $2, cancel_requested = 0, \
         last_error = NULL, stopped_at = NULL, finished_at = NULL, updated_at = $2 \
         WHERE id = $1 AND status IN ($3, $4)",
    )
    .bind(id.0)
    .bind(now)
    .bind(JobStatus::Failed.as_str())
    .bind(JobStatus::Cancelled.as_str())
    .execute(&mut *conn)
    .await
    // A unique index may refuse it (one pending `oidc.check` per environment).
    .map_err(StoreError::from_insert)?;
    if done.rows_affected() == 0 {
        return match super::read::get_job(&mut *conn, id).await? {
            Some(_) => Err(StoreError::Conflict),
            None => Err(StoreError::NotFound),
        };
    }
    sqlx::query(
        "UPDATE job_steps SET status = $2, message = NULL WHERE job_id = $1 AND status <> $3",
    )
    .bind(id.0)
    .bind(StepStatus::Pending.as_str())
    .bind(StepStatus::Succeeded.as_str())
    .execute(&mut *conn)
    .await?;
    signal::ring_jobs();
    Ok(())
}
