//! Releases recorded by CI, where each went, and quarantines.

use std::collections::BTreeMap;

use domain::{
    ChannelRelease, EnvironmentName, NewRelease, PromotionId, PromotionState, Quarantine,
    QuarantineKey, Release, ReleaseFilter, ReleaseId, ReleaseOutcome,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use super::{get, json, to_json, StoreError};

const COLUMNS: &str = "id, application, charm, channel, revision, resources, at, by_actor";

fn revision(row: &AnyRow, column: &str) -> Result<u32, StoreError> {
    u32::try_from(get::<i64>(row, column)?)
        .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn decode(row: &AnyRow) -> Result<Release, StoreError> {
    Ok(Release {
        id: ReleaseId(get(row, "id")?),
        application: get(row, "application")?,
        charm: get(row, "charm")?,
        channel: get(row, "channel")?,
        revision: revision(row, "revision")?,
        resources: json("resources", &get::<String>(row, "resources")?)?,
        at: get(row, "at")?,
        by: get(row, "by_actor")?,
        outcomes: Vec::new(),
    })
}

/// Records a release (its channel with the track spelled out). Recording
/// the same charm, channel and revision again changes nothing: the answer
/// is the stored release and `false`.
pub async fn insert(
    tx: &mut sqlx::Transaction<'_, Any>,
    release: &NewRelease,
    at: i64,
    by: &str,
) -> Result<(Release, bool), StoreError> {
    let channel = release.channel.canonical();
    let done = sqlx::query(
        "INSERT INTO releases (application, charm, channel, revision, resources, at, by_actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&release.application)
    .bind(&release.charm)
    .bind(&channel)
    .bind(i64::from(release.revision))
    .bind(to_json(&release.resources)?)
    .bind(at)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM releases WHERE charm = $1 AND channel = $2 AND revision = $3"
    );
    let row = sqlx::query(&sql)
        .bind(&release.charm)
        .bind(&channel)
        .bind(i64::from(release.revision))
        .fetch_one(&mut **tx)
        .await?;
    Ok((decode(&row)?, done.rows_affected() > 0))
}

/// One release with its outcomes.
pub async fn get_release(db: &sqlx::AnyPool, id: ReleaseId) -> Result<Option<Release>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM releases WHERE id = $1");
    let Some(row) = sqlx::query(&sql).bind(id.0).fetch_optional(db).await? else {
        return Ok(None);
    };
    let mut release = decode(&row)?;
    release.outcomes = outcomes(db, &[id]).await?.remove(&id).unwrap_or_default();
    Ok(Some(release))
}

/// Releases newest first (the page plus one more), with their outcomes.
pub async fn list(db: &sqlx::AnyPool, filter: &ReleaseFilter) -> Result<Vec<Release>, StoreError> {
    let mut sql = format!("SELECT {COLUMNS} FROM releases WHERE 1 = 1");
    let mut next = 1;
    if filter.charm.is_some() {
        sql.push_str(&format!(" AND charm = ${next}"));
        next += 1;
    }
    if filter.before.is_some() {
        sql.push_str(&format!(" AND id < ${next}"));
    }
    sql.push_str(&format!(
        " ORDER BY id DESC LIMIT {}",
        filter.limit.overfetch()
    ));
    let mut query = sqlx::query(&sql);
    if let Some(charm) = &filter.charm {
        query = query.bind(charm.as_str());
    }
    if let Some(before) = filter.before {
        query = query.bind(before.0);
    }
    let rows = query.fetch_all(db).await?;
    let mut releases = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<ReleaseId> = releases.iter().map(|r| r.id).collect();
    let mut found = outcomes(db, &ids).await?;
    for release in &mut releases {
        release.outcomes = found.remove(&release.id).unwrap_or_default();
    }
    Ok(releases)
}

/// The outcomes of `ids`, with the state their promotions are in now.
async fn outcomes(
    db: &sqlx::AnyPool,
    ids: &[ReleaseId],
) -> Result<BTreeMap<ReleaseId, Vec<ReleaseOutcome>>, StoreError> {
    let mut found: BTreeMap<ReleaseId, Vec<ReleaseOutcome>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT o.release_id, o.environment, o.promotion_id, o.note, p.state \
         FROM release_outcomes o LEFT JOIN promotions p ON p.id = o.promotion_id \
         WHERE o.release_id IN ({}) ORDER BY o.release_id, o.environment",
        marks.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(id.0);
    }
    for row in query.fetch_all(db).await? {
        let environment = EnvironmentName::parse(&get::<String>(&row, "environment")?)
            .map_err(|e| StoreError::Corrupt(format!("environment: {e}")))?;
        let state = get::<Option<String>>(&row, "state")?
            .map(|s| PromotionState::parse(&s))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("state: {e}")))?;
        found
            .entry(ReleaseId(get(&row, "release_id")?))
            .or_default()
            .push(ReleaseOutcome {
                environment,
                promotion: get::<Option<i64>>(&row, "promotion_id")?.map(PromotionId),
                state,
                note: get(&row, "note")?,
            });
    }
    Ok(found)
}

/// Records what a release did in one environment.
pub async fn insert_outcome<'e>(
    db: impl Executor<'e, Database = Any>,
    release: ReleaseId,
    environment: &EnvironmentName,
    promotion: Option<PromotionId>,
    note: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO release_outcomes (release_id, environment, promotion_id, note) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(release.0)
    .bind(environment.as_str())
    .bind(promotion.map(|p| p.0))
    .bind(note)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether `charm` revision `revision` is known to be released on
/// `channel` (`edge` and `latest/edge` are one channel).
pub async fn is_released<'e>(
    db: impl Executor<'e, Database = Any>,
    charm: &str,
    channel: &domain::Channel,
    revision: u32,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT 1 AS found FROM releases WHERE charm = $1 AND channel = $2 AND revision = $3",
    )
    .bind(charm)
    .bind(channel.canonical())
    .bind(i64::from(revision))
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// The newest release of each (charm, channel), for the matrix.
pub async fn newest<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<(String, ChannelRelease)>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.id, r.charm, r.channel, r.revision, r.at, \
                (SELECT COUNT(*) FROM quarantines q \
                  WHERE q.charm = r.charm AND q.revision = r.revision) AS quarantined \
         FROM releases r \
         WHERE r.id = (SELECT MAX(n.id) FROM releases n \
                        WHERE n.charm = r.charm AND n.channel = r.channel) \
         ORDER BY r.charm, r.channel",
    )
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get(r, "charm")?,
                ChannelRelease {
                    channel: get(r, "channel")?,
                    revision: revision(r, "revision")?,
                    release: ReleaseId(get(r, "id")?),
                    at: get(r, "at")?,
                    quarantined: get::<i64>(r, "quarantined")? > 0,
                },
            ))
        })
        .collect()
}

// ---- quarantines -------------------------------------------------------

/// Quarantines `key`; `Conflict` when it already is.
pub async fn insert_quarantine<'e>(
    db: impl Executor<'e, Database = Any>,
    quarantine: &Quarantine,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO quarantines (charm, revision, reason, at, by_actor) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&quarantine.charm)
    .bind(i64::from(quarantine.revision))
    .bind(&quarantine.reason)
    .bind(quarantine.at)
    .bind(&quarantine.by)
    .execute(db)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}

/// Lifts a quarantine; `NotFound` when there is none. Returns it.
pub async fn delete_quarantine(
    tx: &mut sqlx::Transaction<'_, Any>,
    key: &QuarantineKey,
) -> Result<Quarantine, StoreError> {
    // One statement that writes, not a read then a write: on SQLite a
    // transaction that read first must upgrade its snapshot to write, which
    // fails at once (SQLITE_BUSY) when another connection wrote meanwhile.
    let row = sqlx::query(
        "DELETE FROM quarantines WHERE charm = $1 AND revision = $2 \
         RETURNING charm, revision, reason, at, by_actor",
    )
    .bind(&key.charm)
    .bind(i64::from(key.revision))
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode_quarantine(&row)
}

fn decode_quarantine(r: &AnyRow) -> Result<Quarantine, StoreError> {
    Ok(Quarantine {
        charm: get(r, "charm")?,
        revision: revision(r, "revision")?,
        reason: get(r, "reason")?,
        at: get(r, "at")?,
        by: get(r, "by_actor")?,
    })
}

/// The quarantine on `charm` revision `revision`, if any.
pub async fn quarantine<'e>(
    db: impl Executor<'e, Database = Any>,
    charm: &str,
    revision: u32,
) -> Result<Option<Quarantine>, StoreError> {
    let row = sqlx::query(
        "SELECT charm, revision, reason, at, by_actor FROM quarantines \
         WHERE charm = $1 AND revision = $2",
    )
    .bind(charm)
    .bind(i64::from(revision))
    .fetch_optional(db)
    .await?;
    row.as_ref().map(decode_quarantine).transpose()
}

/// Every quarantine, by charm and revision.
pub async fn quarantines<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<Quarantine>, StoreError> {
    let rows = sqlx::query(
        "SELECT charm, revision, reason, at, by_actor FROM quarantines ORDER BY charm, revision",
    )
    .fetch_all(db)
    .await?;
    rows.iter().map(decode_quarantine).collect()
}
