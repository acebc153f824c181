//! Claiming due jobs, and requeueing the jobs of workers that died.
//!
//! PostgreSQL: `FOR UPDATE SKIP LOCKED`, so many workers in many processes
//! claim different rows without waiting on each other. SQLite: the claim is
//! one `UPDATE … RETURNING` statement, which SQLite runs as a single-writer
//! transaction. On both, a job with a concurrency key is claimable only when
//! no other job with that key is running and no older one is queued; the
//! partial unique index `jobs_one_running_per_key` is the backstop.
//!
//! A claim costs the same however long the queue is: jobs without a key come
//! in due order from their own partial index (`jobs_queued_free`), and of the
//! keyed ones only each key's oldest queued job (its head) is looked at,
//! found by skipping from key to key through `jobs_queued_key`. A backlog of
//! jobs waiting behind a busy key is never scanned.

use std::collections::HashSet;

use sqlx::any::AnyRow;

use super::fence::{Lease, LeaseError};
use super::finish::Finished;
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
    let sql = format!("{} {CLAIM}", picking(store.backend(), kinds.len(), limit));
    let query = bind_claim(sqlx::query(&sql), owner, kinds, lease_ms);
    match query.fetch_all(store.pool()).await {
        Ok(rows) => rows.iter().map(decode).collect(),
        // Two claimers raced for one key: the index refused the second; the
        // job stays queued for the next round.
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(Vec::new()),
        Err(other) => Err(other.into()),
    }
}

/// Records that the job of `lease` succeeded and claims the next due job
/// for the same worker slot, in one statement on PostgreSQL (two on
/// SQLite, where a statement is not a round trip): the slot goes on without
/// waiting for the dispatcher. `next` is `None` when nothing was due;
/// `recorded` is false when the lease was lost (a job may still have been
/// claimed for the slot).
pub(crate) async fn succeed_and_claim(
    store: &Store,
    lease: Lease,
    owner: &str,
    kinds: &[JobKind],
    lease_ms: i64,
) -> Result<Finished, LeaseError> {
    if store.backend() == Backend::Sqlite || kinds.is_empty() {
        super::fence::complete(store, lease, &super::fence::Completion::Succeeded).await?;
        let next = claim(store, owner, kinds, 1, lease_ms).await?.pop();
        return Ok(Finished {
            recorded: true,
            next,
        });
    }
    match succeed_all_and_claim(store, &[lease], owner, kinds, lease_ms).await {
        Ok((done, mut claimed)) => Ok(Finished {
            recorded: !done.is_empty(),
            next: claimed.pop(),
        }),
        // The claim raced another for a key and the statement was undone:
        // record the completion alone.
        Err(StoreError::Database(sqlx::Error::Database(db))) if db.is_unique_violation() => {
            super::fence::complete(store, lease, &super::fence::Completion::Succeeded).await?;
            Ok(Finished {
                recorded: true,
                next: None,
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// PostgreSQL, one statement: the successes of `leases` (those whose lease
/// still holds; their ids are returned) and a claim of as many due jobs.
pub(crate) async fn succeed_all_and_claim(
    store: &Store,
    leases: &[Lease],
    owner: &str,
    kinds: &[JobKind],
    lease_ms: i64,
) -> Result<(HashSet<JobId>, Vec<Claimed>), StoreError> {
    let limit = i64::try_from(leases.len()).unwrap_or(1);
    let sql = batch_claim_sql(kinds.len(), leases.len(), limit);
    let mut query = bind_claim(sqlx::query(&sql), owner, kinds, lease_ms);
    for lease in leases {
        query = query.bind(lease.job.0).bind(lease.token);
    }
    let rows = query.fetch_all(store.pool()).await?;
    let mut done = HashSet::new();
    let mut claimed = Vec::new();
    for row in &rows {
        if row.try_get::<i64, _>("done")? == 1 {
            done.insert(JobId(row.try_get("id")?));
        } else {
            claimed.push(decode(row)?);
        }
    }
    if !done.is_empty() {
        super::signal::ring_jobs();
    }
    Ok((done, claimed))
}

/// The statement of [`succeed_all_and_claim`]: the successes of `n`
/// leases, bound after the kinds as (id, token) pairs, and a claim of up to
/// `limit` jobs. Rows: `done = 1` with the `id` of each success recorded,
/// `done = 0` with each claimed job.
fn batch_claim_sql(kinds: usize, n: usize, limit: i64) -> String {
    let first = 4 + kinds;
    let values: Vec<String> = (0..n)
        .map(|i| format!("(${}, ${})", first + 2 * i, first + 2 * i + 1))
        .collect();
    format!(
        "{picking}, claimed AS ({CLAIM}), \
         v (id, token) AS (VALUES {values}), \
         done AS (UPDATE jobs SET status = 'succeeded', last_error = NULL, stopped_at = NULL, \
           finished_at = $3, lease_owner = NULL, lease_expires_at = NULL, updated_at = $3 \
           FROM v WHERE jobs.id = v.id AND jobs.fencing_token = v.token AND jobs.status = 'running' \
           RETURNING jobs.id) \
         SELECT 1::bigint AS done, id, NULL::text AS kind, NULL::text AS payload, NULL::bigint AS attempts, \
           NULL::bigint AS max_attempts, NULL::bigint AS fencing_token, NULL::text AS actor, \
           NULL::text AS environment FROM done \
         UNION ALL SELECT 0::bigint AS done, id, kind, payload, attempts, max_attempts, fencing_token, actor, \
           environment FROM claimed",
        picking = picking(Backend::Postgres, kinds, limit),
        values = values.join(", "),
    )
}

/// Takes the jobs in `picked`; `$1` owner, `$2` lease end, `$3` now.
const CLAIM: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
    fencing_token = fencing_token + 1, lease_owner = $1, lease_expires_at = $2, \
    started_at = COALESCE(started_at, $3), updated_at = $3 \
    WHERE id IN (SELECT id FROM picked) \
    RETURNING id, kind, payload, attempts, max_attempts, fencing_token, actor, environment";

/// Common table expressions ending in `picked`, up to `limit` jobs to claim:
/// `$3` now, `$4`… the kinds. The limit is written into the statement (one
/// prepared statement per limit, at most one per worker count): with it a
/// parameter, PostgreSQL would plan the statement anew on every run (a
/// generic plan cannot know the limit is small), which costs as much as
/// running it.
fn picking(backend: Backend, kinds: usize, limit: i64) -> String {
    let lock = |alias: &str| match backend {
        Backend::Postgres => format!("FOR UPDATE OF {alias} SKIP LOCKED"),
        Backend::Sqlite => String::new(),
    };
    let list = (0..kinds)
        .map(|i| format!("${}", 4 + i))
        .collect::<Vec<_>>()
        .join(", ");
    let of_kinds = |alias: &str| format!("{alias}.kind IN ({list})");
    format!(
        "WITH RECURSIVE keys (k) AS ( \
           SELECT (SELECT q.concurrency_key FROM jobs q WHERE q.status = 'queued' \
             AND q.concurrency_key IS NOT NULL ORDER BY q.concurrency_key LIMIT 1) \
           UNION ALL \
           SELECT (SELECT q.concurrency_key FROM jobs q WHERE q.status = 'queued' \
             AND q.concurrency_key IS NOT NULL AND q.concurrency_key > keys.k \
             ORDER BY q.concurrency_key LIMIT 1) \
           FROM keys WHERE keys.k IS NOT NULL), \
         heads (id) AS ( \
           SELECT (SELECT q.id FROM jobs q WHERE q.status = 'queued' AND q.concurrency_key = keys.k \
             ORDER BY q.id LIMIT 1) FROM keys WHERE keys.k IS NOT NULL), \
         free AS ( \
           SELECT f.id, f.run_at FROM jobs f WHERE f.status = 'queued' AND f.concurrency_key IS NULL \
             AND f.run_at <= $3 AND {free_kinds} ORDER BY f.run_at, f.id LIMIT {limit} {lock_f}), \
         keyed AS ( \
           SELECT j.id, j.run_at FROM jobs j WHERE j.id IN (SELECT id FROM heads) \
             AND j.status = 'queued' AND j.run_at <= $3 AND {keyed_kinds} \
             AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.concurrency_key = j.concurrency_key \
               AND r.status = 'running') \
             ORDER BY j.run_at, j.id LIMIT {limit} {lock_j}), \
         picked AS ( \
           SELECT id, run_at FROM free UNION ALL SELECT id, run_at FROM keyed \
           ORDER BY run_at, id LIMIT {limit})",
        free_kinds = of_kinds("f"),
        keyed_kinds = of_kinds("j"),
        lock_f = lock("f"),
        lock_j = lock("j"),
    )
}

fn bind_claim<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    owner: &'q str,
    kinds: &[JobKind],
    lease_ms: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let now = now_ms();
    let mut query = query.bind(owner).bind(now + lease_ms).bind(now);
    for kind in kinds {
        query = query.bind(kind.as_str());
    }
    query
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
