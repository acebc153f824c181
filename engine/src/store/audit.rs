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
    let filter = AuditFilter {
        object: Some(object.to_owned()),
        limit,
        ..AuditFilter::default()
    };
    list(db, &filter).await
}

/// Which audit events to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub object: Option<String>,
    /// A prefix such as `environment.` or an exact action.
    pub action: Option<String>,
    pub since: Option<i64>,
    /// Only events with an id below this (paging).
    pub before: Option<i64>,
    pub limit: i64,
}

pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    filter: &AuditFilter,
) -> Result<Vec<AuditRecord>, StoreError> {
    let action_like = filter
        .action
        .as_ref()
        .map(|a| format!("{}%", a.replace(['%', '_'], "")));
    let rows = sqlx::query(
        "SELECT id, at, actor, action, object, decision, reason, request_id FROM audit_events \
         WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR object = $2) AND ($3 IS NULL OR action LIKE $3) \
         AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR id < $5) ORDER BY id DESC LIMIT $6",
    )
    .bind(filter.actor.as_deref())
    .bind(filter.object.as_deref())
    .bind(action_like.as_deref())
    .bind(filter.since)
    .bind(filter.before)
    .bind(filter.limit.clamp(1, 500))
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
