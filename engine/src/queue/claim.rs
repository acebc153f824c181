//! Claiming due jobs, and requeueing the jobs of workers that died.
//!
//! PostgreSQL: `FOR UPDATE SKIP LOCKED`, so many workers in many processes
//! claim different rows without waiting on each other. SQLite: the claim is
//! one `UPDATE … RETURNING` statement, which SQLite runs as a single-writer
//! transaction. On both, a job with a concurrency key is claimable only when
//! no other job with that key is running and no older one is queued; the
//! partial unique index `jobs_one_running_per_key` is the backstop.

use sqlx::any::AnyRow;

use super::fence::Lease;
use super::model::{JobId, JobKind, JobStatus};
use crate::store::{now_ms, Backend, Store, StoreError};
use sqlx::Row;

/// A job a worker now holds the lease of.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub lease: Lease,
    pub kind: JobKind,
    pub payload: serde_json::Value,
    pub attempts: i64,
    pub max_attempts: i64,
    pub actor: String,
    pub environment: Option<String>,
}

fn kinds_list(kinds: &[JobKind], first: usize) -> String {
    (0..kinds.len())
        .map(|i| format!("${}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Claims up to `limit` due jobs of `kinds` for `owner`, with a lease of
/// `lease_ms`. Each claim increments the attempt count and the fencing token.
pub async fn claim(
    store: &Store,
    owner: &str,
    kinds: &[JobKind],
    limit: i64,
    lease_ms: i64,
) -> Result<Vec<Claimed>, StoreError> {
    if kinds.is_empty() || limit < 1 {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let lock = match store.backend() {
        Backend::Postgres => "FOR UPDATE OF j SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
         fencing_token = fencing_token + 1, lease_owner = $1, lease_expires_at = $2, \
         started_at = COALESCE(started_at, $3), updated_at = $3 \
         WHERE id IN (SELECT j.id FROM jobs j \
           WHERE j.status = 'queued' AND j.run_at <= $3 AND j.kind IN ({kinds}) \
           AND (j.concurrency_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs o \
             WHERE o.concurrency_key = j.concurrency_key AND o.id <> j.id \
             AND (o.status = 'running' OR (o.status = 'queued' AND o.id < j.id)))) \
           ORDER BY j.run_at, j.id LIMIT $4 {lock}) \
         RETURNING id, kind, payload, attempts, max_attempts, fencing_token, actor, environment",
        kinds = kinds_list(kinds, 5),
    );
    let mut query = sqlx::query(&sql)
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now)
        .bind(limit);
    for kind in kinds {
        query = query.bind(kind.as_str());
    }
    match query.fetch_all(store.pool()).await {
        Ok(rows) => rows.iter().map(decode).collect(),
        // Two claimers raced for one key: the index refused the second; the
        // job stays queued for the next round.
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(Vec::new()),
        Err(other) => Err(other.into()),
    }
}

fn decode(row: &AnyRow) -> Result<Claimed, StoreError> {
    let kind: String = row.try_get("kind")?;
    let payload: String = row.try_get("payload")?;
    Ok(Claimed {
        lease: Lease {
            job: JobId(row.try_get("id")?),
            token: row.try_get("fencing_token")?,
        },
        kind: JobKind::parse(&kind).map_err(|_| StoreError::Corrupt(format!("job kind {kind}")))?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("payload: {e}")))?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        actor: row.try_get("actor")?,
        environment: row.try_get("environment")?,
    })
}

/// Takes back the jobs whose lease expired (their worker died or hung):
/// the fencing token moves on, so the old worker's writes are refused, and
/// the job is queued again to resume, or failed once out of attempts, or
/// cancelled when that was asked. Returns how many jobs it took back.
pub async fn reclaim_expired(store: &Store) -> Result<u64, StoreError> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE jobs SET \
           status = CASE WHEN cancel_requested <> 0 THEN 'cancelled' \
                         WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, \
           last_error = CASE WHEN cancel_requested <> 0 THEN 'cancelled after its worker stopped' \
                             WHEN attempts >= max_attempts THEN 'its worker stopped answering too often' \
                             ELSE last_error END, \
           finished_at = CASE WHEN cancel_requested <> 0 OR attempts >= max_attempts THEN $1 \
                              ELSE NULL END, \
           fencing_token = fencing_token + 1, lease_owner = NULL, lease_expires_at = NULL, \
           updated_at = $1 \
         WHERE status = $2 AND lease_expires_at < $1",
    )
    .bind(now)
    .bind(JobStatus::Running.as_str())
    .execute(store.pool())
    .await?;
    if done.rows_affected() > 0 {
        tracing::warn!(
            jobs = done.rows_affected(),
            "took back jobs whose lease expired"
        );
        super::signal::ring_jobs();
    }
    Ok(done.rows_affected())
}

/// The earliest future `run_at` of a queued job: when something becomes
/// due without anyone ringing.
pub async fn next_due(store: &Store) -> Result<Option<i64>, StoreError> {
    let row =
        sqlx::query("SELECT MIN(run_at) AS due FROM jobs WHERE status = 'queued' AND run_at > $1")
            .bind(now_ms())
            .fetch_one(store.pool())
            .await?;
    Ok(row.try_get("due")?)
}
