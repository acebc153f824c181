//! Reads for the UI and the REST API: jobs, their steps, their logs.

use domain::oidc::RuleStatus;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::model::{
    Job, JobFilter, JobId, JobKind, JobStatus, LogLine, Phase, PlanSummary, Progress, Step,
    StepStatus,
};
use crate::store::StoreError;

/// A job's columns, and for an OIDC check job the verdict of the check it
/// stored (`oidc_checks.job_id` is indexed).
const JOB_COLUMNS: &str = "id, kind, payload, status, attempts, max_attempts, run_at, actor, environment, \
                           cancel_requested, last_error, stopped_at, created_at, started_at, finished_at, \
                           CASE WHEN kind = 'oidc.check' THEN (SELECT c.status FROM oidc_checks c \
                           WHERE c.job_id = jobs.id ORDER BY c.id DESC LIMIT 1) END AS verdict";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

fn decode_job(row: &AnyRow) -> Result<Job, StoreError> {
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let payload: String = row.try_get("payload")?;
    let verdict: Option<String> = row.try_get("verdict")?;
    Ok(Job {
        id: JobId(row.try_get("id")?),
        kind: JobKind::parse(&kind).map_err(|_| corrupt("job kind", &kind))?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("payload: {e}")))?,
        status: JobStatus::parse(&status).map_err(|_| corrupt("job status", &status))?,
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
        verdict: verdict
            .map(|v| RuleStatus::parse(&v).map_err(|_| corrupt("oidc check status", &v)))
            .transpose()?,
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

/// Which environments a list may show: all of them, or only these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    All,
    Only(Vec<String>),
}

impl Visible {
    /// `AND column IN ($n, …)` for a restricted view, binding from `first`;
    /// `None` when nothing at all is visible.
    pub(crate) fn sql(&self, column: &str, first: usize) -> Option<(String, Vec<String>)> {
        match self {
            Self::All => Some((String::new(), Vec::new())),
            Self::Only(names) if names.is_empty() => None,
            Self::Only(names) => {
                let marks: Vec<String> = (first..first + names.len())
                    .map(|i| format!("${i}"))
                    .collect();
                Some((
                    format!(" AND {column} IN ({})", marks.join(", ")),
                    names.clone(),
                ))
            }
        }
    }
}

/// Jobs, newest first: the filter's page plus one more, so the caller
/// knows whether another page exists. Filtering and visibility are in the
/// query, so a page is full whenever more matching rows exist.
pub async fn list_jobs<'e>(
    db: impl Executor<'e, Database = Any>,
    filter: &JobFilter,
    visible: &Visible,
) -> Result<Vec<Job>, StoreError> {
    let Some((restrict, names)) = visible.sql("environment", 8) else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM jobs \
         WHERE ($1 IS NULL OR environment = $1) AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR kind = $3) \
         AND ($4 IS NULL OR actor = $4) AND ($5 IS NULL OR created_at >= $5) AND ($6 IS NULL OR id < $6){restrict} \
         ORDER BY id DESC LIMIT $7"
    );
    let mut query = sqlx::query(&sql)
        .bind(filter.environment.as_ref().map(|e| e.as_str().to_owned()))
        .bind(filter.status.map(JobStatus::as_str))
        .bind(filter.kind.map(JobKind::as_str))
        .bind(filter.actor.as_deref())
        .bind(filter.since)
        .bind(filter.before.map(|id| id.0))
        .bind(filter.limit.overfetch());
    for name in names {
        query = query.bind(name);
    }
    let rows = query.fetch_all(db).await?;
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
        phase: Phase::parse(&phase).map_err(|_| corrupt("step phase", &phase))?,
        status: StepStatus::parse(&status).map_err(|_| corrupt("step status", &status))?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        progress: Progress {
            done: row.try_get("resources_done")?,
            planned: row.try_get("resources_planned")?,
        },
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

/// When the newest job of `kind` on each environment was created.
pub async fn last_created_per_environment<'e>(
    db: impl Executor<'e, Database = Any>,
    kind: JobKind,
) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT environment, MAX(created_at) AS at FROM jobs \
         WHERE kind = $1 AND environment IS NOT NULL GROUP BY environment",
    )
    .bind(kind.as_str())
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("environment")?, row.try_get("at")?)))
        .collect()
}

/// Each environment's newest job that is not an OIDC check, and its running
/// one when that is older (a queued job waits behind it). One correlated
/// lookup per environment through the `(environment, id)` index, so the
/// cost follows the number of environments, not of jobs.
pub async fn latest_per_environment<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<std::collections::HashMap<String, Job>, StoreError> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE id IN (\
         SELECT (SELECT j.id FROM jobs j WHERE j.environment = e.name AND j.kind <> 'oidc.check' \
         ORDER BY j.id DESC LIMIT 1) FROM environments e \
         UNION SELECT (SELECT j.id FROM jobs j WHERE j.environment = e.name AND j.status = 'running' \
         AND j.kind <> 'oidc.check' ORDER BY j.id DESC LIMIT 1) FROM environments e) ORDER BY id"
    );
    let rows = sqlx::query(&sql).fetch_all(db).await?;
    let mut latest = std::collections::HashMap::new();
    for row in &rows {
        let job = decode_job(row)?;
        let Some(env) = job.environment.clone() else {
            continue;
        };
        // Ascending ids: a running job stays; otherwise the newest wins.
        let keep = latest
            .get(&env)
            .is_some_and(|kept: &Job| kept.status == JobStatus::Running);
        if !keep {
            latest.insert(env, job);
        }
    }
    Ok(latest)
}
