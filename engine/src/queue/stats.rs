//! Queue depth and running jobs, from the database (all processes).

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::{Any, Executor, Row};

use super::model::JobKind;
use crate::store::{now_ms, StoreError};

/// What the queue holds now.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueueStats {
    /// Queued jobs by kind (due or not).
    pub queued: BTreeMap<JobKind, i64>,
    /// Running jobs by kind.
    pub running: BTreeMap<JobKind, i64>,
    /// Age of the oldest due queued job, in milliseconds.
    pub oldest_due_ms: Option<i64>,
}

pub async fn stats<'e>(db: impl Executor<'e, Database = Any>) -> Result<QueueStats, StoreError> {
    let now = now_ms();
    let rows = sqlx::query(
        "SELECT kind, status, COUNT(*) AS n, MIN(CASE WHEN run_at <= $1 THEN run_at END) AS oldest \
         FROM jobs WHERE status IN ('queued', 'running') GROUP BY kind, status",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    let mut stats = QueueStats::default();
    for row in rows {
        let kind: String = row.try_get("kind")?;
        let Ok(kind) = JobKind::parse(&kind) else {
            continue;
        };
        let status: String = row.try_get("status")?;
        let n: i64 = row.try_get("n")?;
        if status == "queued" {
            stats.queued.insert(kind, n);
            let oldest: Option<i64> = row.try_get("oldest")?;
            if let Some(at) = oldest {
                let age = now - at;
                stats.oldest_due_ms = Some(stats.oldest_due_ms.map_or(age, |a| a.max(age)));
            }
        } else {
            stats.running.insert(kind, n);
        }
    }
    Ok(stats)
}
