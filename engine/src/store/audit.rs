//! The append-only audit log.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor};

use super::{get, StoreError};

/// One decision about one action, as it is written.
#[derive(Debug, Clone)]
pub struct NewAuditEvent<'a> {
    pub at: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub object: &'a str,
    pub allowed: bool,
    pub reason: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<&'a str>,
}

/// One audit event as it is read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub decision: String,
    pub reason: Option<String>,
    pub request_id: Option<String>,
}

pub async fn append<'e>(
    db: impl Executor<'e, Database = Any>,
    event: &NewAuditEvent<'_>,
) -> Result<(), StoreError> {
    let text = |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string);
    sqlx::query(
        "INSERT INTO audit_events (at, actor, action, object, decision, reason, before, after, \
         request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(event.at)
    .bind(event.actor)
    .bind(event.action)
    .bind(event.object)
    .bind(if event.allowed { "allowed" } else { "denied" })
    .bind(event.reason)
    .bind(text(&event.before))
    .bind(text(&event.after))
    .bind(event.request_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The most recent events for an object, newest first.
pub async fn for_object<'e>(
    db: impl Executor<'e, Database = Any>,
    object: &str,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, at, actor, action, object, decision, reason, request_id FROM audit_events \
         WHERE object = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(object)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AuditRecord {
                id: get(row, "id")?,
                at: get(row, "at")?,
                actor: get(row, "actor")?,
                action: get(row, "action")?,
                object: get(row, "object")?,
                decision: get(row, "decision")?,
                reason: get(row, "reason")?,
                request_id: get(row, "request_id")?,
            })
        })
        .collect()
}
