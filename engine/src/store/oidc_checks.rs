//! Stored OIDC endpoint check results: one row per check of an
//! environment's issuer, with the full report as JSON.

use palette_oidc_check::Report;
use sqlx::any::AnyRow;
use std::collections::HashMap;

use domain::oidc::{OidcVerdict, RuleStatus};
use sqlx::{Any, Executor};

use super::{get, json, to_json, StoreError};

pub use domain::oidc::{LatencyPoint, Trigger};

/// A check result to store.
#[derive(Debug, Clone)]
pub struct NewOidcCheck<'a> {
    pub environment: &'a str,
    pub at: i64,
    pub report: &'a Report,
    pub trigger: Trigger,
    pub actor: &'a str,
    /// The job that ran the check, when one did.
    pub job: Option<i64>,
}

/// A stored check result, with the whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcCheckRecord {
    pub id: i64,
    pub environment: String,
    pub at: i64,
    pub ok: bool,
    pub report: Report,
    pub trigger: Trigger,
    pub actor: String,
}

impl OidcCheckRecord {
    /// The check as the API and the pages show it (no fetched documents).
    pub fn to_check(&self) -> domain::oidc::OidcCheck {
        domain::oidc::OidcCheck {
            at: self.at,
            ok: self.ok,
            status: domain::oidc::overall(self.report.ok, &self.report.rules),
            rules: self.report.rules.clone(),
            timings_ms: self.report.timings_ms,
            trigger: self.trigger,
        }
    }
}

const COLUMNS: &str = "id, environment, at, ok, report, trigger, actor";

fn decode(row: &AnyRow) -> Result<OidcCheckRecord, StoreError> {
    let trigger: String = get(row, "trigger")?;
    Ok(OidcCheckRecord {
        id: get(row, "id")?,
        environment: get(row, "environment")?,
        at: get(row, "at")?,
        ok: get::<i64>(row, "ok")? != 0,
        report: json("report", &get::<String>(row, "report")?)?,
        trigger: Trigger::parse(&trigger)
            .map_err(|_| StoreError::Corrupt(format!("trigger: {trigger:?}")))?,
        actor: get(row, "actor")?,
    })
}

fn ms(value: Option<u64>) -> Option<i64> {
    value.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

/// Stores one result; returns its id.
pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    check: &NewOidcCheck<'_>,
) -> Result<i64, StoreError> {
    let t = check.report.timings_ms;
    let row = sqlx::query(
        "INSERT INTO oidc_checks (environment, at, ok, report, discovery_ms, jwks_ms, total_ms, \
         trigger, actor, job_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING id",
    )
    .bind(check.environment)
    .bind(check.at)
    .bind(i64::from(check.report.ok))
    .bind(to_json(check.report)?)
    .bind(ms(t.discovery))
    .bind(ms(t.jwks))
    .bind(ms(Some(t.total)).unwrap_or_default())
    .bind(check.trigger.as_str())
    .bind(check.actor)
    .bind(check.job)
    .bind(domain::oidc::overall(check.report.ok, &check.report.rules).as_str())
    .fetch_one(db)
    .await?;
    get(&row, "id")
}

/// An environment's results, newest first.
pub async fn history<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &str,
    limit: i64,
) -> Result<Vec<OidcCheckRecord>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM oidc_checks WHERE environment = $1 ORDER BY at DESC, id DESC LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(environment)
        .bind(limit)
        .fetch_all(db)
        .await?;
    rows.iter().map(decode).collect()
}

/// The newest result of every environment that has one.
pub async fn latest_per_environment<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<OidcCheckRecord>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM oidc_checks WHERE id IN \
         (SELECT MAX(id) FROM oidc_checks GROUP BY environment) ORDER BY environment"
    );
    let rows = sqlx::query(&sql).fetch_all(db).await?;
    rows.iter().map(decode).collect()
}

/// The newest verdict of every environment that has one, read through the
/// `(environment, at)` index one environment at a time: the cost follows
/// the number of environments, not the length of their histories.
pub async fn verdicts<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<HashMap<String, OidcVerdict>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.environment, c.at, c.job_id, c.status, \
         CASE WHEN c.status IS NULL THEN c.report END AS report FROM oidc_checks c \
         WHERE c.id IN (SELECT (SELECT o.id FROM oidc_checks o WHERE o.environment = e.name \
         ORDER BY o.at DESC, o.id DESC LIMIT 1) FROM environments e)",
    )
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let status = match get::<Option<String>>(row, "status")? {
                Some(status) => RuleStatus::parse(&status)
                    .map_err(|_| StoreError::Corrupt(format!("oidc check status {status:?}")))?,
                // Stored before verdicts were: the report says.
                None => {
                    let text: Option<String> = get(row, "report")?;
                    let report: Report = json("report", text.as_deref().unwrap_or_default())?;
                    domain::oidc::overall(report.ok, &report.rules)
                }
            };
            let verdict = OidcVerdict {
                status,
                at: get(row, "at")?,
                job: get::<Option<i64>>(row, "job_id")?.map(domain::JobId),
            };
            Ok((get(row, "environment")?, verdict))
        })
        .collect()
}

/// An environment's timings since `since_ms`, oldest first.
pub async fn series<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &str,
    since_ms: i64,
) -> Result<Vec<LatencyPoint>, StoreError> {
    let rows = sqlx::query(
        "SELECT at, ok, discovery_ms, jwks_ms, total_ms FROM oidc_checks \
         WHERE environment = $1 AND at >= $2 ORDER BY at, id",
    )
    .bind(environment)
    .bind(since_ms)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(LatencyPoint {
                at: get(row, "at")?,
                ok: get::<i64>(row, "ok")? != 0,
                discovery_ms: get(row, "discovery_ms")?,
                jwks_ms: get(row, "jwks_ms")?,
                total_ms: get(row, "total_ms")?,
            })
        })
        .collect()
}

/// The newest result of one environment.
pub async fn latest<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &str,
) -> Result<Option<OidcCheckRecord>, StoreError> {
    Ok(history(db, environment, 1).await?.into_iter().next())
}

/// The queued or running `oidc.check` job of an environment, if any.
pub async fn pending_job<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &str,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "SELECT id FROM jobs WHERE kind = 'oidc.check' AND environment = $1 \
         AND status IN ('queued', 'running') ORDER BY id LIMIT 1",
    )
    .bind(environment)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(|row| get(row, "id")).transpose()
}
