//! The environments aggregate.

use domain::{Channel, EnvironmentName, EnvironmentStatus, EnvironmentSummary, Manifest, Tier};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use super::{get, json, to_json, StoreError};

/// A new environment row, validated by the domain before it gets here.
#[derive(Debug, Clone)]
pub struct EnvironmentRow {
    pub summary: EnvironmentSummary,
    pub layers: Vec<String>,
    pub locked_reason: Option<String>,
}

const COLUMNS: &str = "name, tier, purpose, channel, oidc_issuer, status, layers, manifest, \
                       locked_reason, created_at, created_by";

fn decode(row: &AnyRow) -> Result<EnvironmentRow, StoreError> {
    let corrupt = |e: domain::ValidationError| StoreError::Corrupt(e.to_string());
    let summary = EnvironmentSummary {
        name: EnvironmentName::parse(&get::<String>(row, "name")?).map_err(corrupt)?,
        tier: Tier::parse(&get::<String>(row, "tier")?).map_err(corrupt)?,
        purpose: get(row, "purpose")?,
        channel: Channel::parse(&get::<String>(row, "channel")?).map_err(corrupt)?,
        oidc_issuer: get(row, "oidc_issuer")?,
        status: EnvironmentStatus::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
        manifest: json::<Manifest>("manifest", &get::<String>(row, "manifest")?)?,
        created_at: get(row, "created_at")?,
        created_by: get(row, "created_by")?,
    };
    Ok(EnvironmentRow {
        summary,
        layers: json("layers", &get::<String>(row, "layers")?)?,
        locked_reason: get(row, "locked_reason")?,
    })
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    env: &EnvironmentRow,
) -> Result<(), StoreError> {
    let s = &env.summary;
    sqlx::query(
        "INSERT INTO environments (name, tier, purpose, channel, oidc_issuer, status, layers, \
         manifest, locked_reason, created_at, created_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10)",
    )
    .bind(s.name.as_str())
    .bind(s.tier.as_str())
    .bind(&s.purpose)
    .bind(s.channel.as_str())
    .bind(&s.oidc_issuer)
    .bind(s.status.as_str())
    .bind(to_json(&env.layers)?)
    .bind(to_json(&s.manifest)?)
    .bind(env.locked_reason.as_deref())
    .bind(s.created_at)
    .bind(&s.created_by)
    .execute(db)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}

pub async fn get_by_name<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &EnvironmentName,
) -> Result<Option<EnvironmentRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM environments WHERE name = $1");
    let row = sqlx::query(&sql)
        .bind(name.as_str())
        .fetch_optional(db)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// Every environment, by name.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<EnvironmentRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM environments ORDER BY name");
    let rows = sqlx::query(&sql).fetch_all(db).await?;
    rows.iter().map(decode).collect()
}

/// Every environment's name, in order.
pub async fn names<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<EnvironmentName>, StoreError> {
    let rows = sqlx::query("SELECT name FROM environments ORDER BY name")
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| {
            EnvironmentName::parse(&get::<String>(row, "name")?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))
        })
        .collect()
}

/// Sets an environment's status. `NotFound` when there is no such environment.
pub async fn set_status<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &EnvironmentName,
    status: EnvironmentStatus,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE environments SET status = $2, updated_at = $3 WHERE name = $1")
        .bind(name.as_str())
        .bind(status.as_str())
        .bind(super::now_ms())
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Locks (with a reason) or unlocks an environment. `NotFound` when missing.
pub async fn set_lock<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &EnvironmentName,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let done =
        sqlx::query("UPDATE environments SET locked_reason = $2, updated_at = $3 WHERE name = $1")
            .bind(name.as_str())
            .bind(reason)
            .bind(super::now_ms())
            .execute(db)
            .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Replaces the manifest (after a promotion or a rollback applied).
pub async fn set_manifest<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &EnvironmentName,
    manifest: &Manifest,
) -> Result<(), StoreError> {
    let done =
        sqlx::query("UPDATE environments SET manifest = $1, updated_at = $2 WHERE name = $3")
            .bind(to_json(manifest)?)
            .bind(super::now_ms())
            .bind(name.as_str())
            .execute(db)
            .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
