//! The append-only audit log.

use sqlx::{Any, Executor};

use super::{get, StoreError};
use crate::queue::Visible;

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
    /// The client's address: the peer's, or the one a trusted proxy
    /// forwarded.
    pub client: Option<&'a str>,
}

pub use domain::audit::{AuditFilter, AuditRecord, Decision};

pub async fn append<'e>(
    db: impl Executor<'e, Database = Any>,
    event: &NewAuditEvent<'_>,
) -> Result<(), StoreError> {
    let text = |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string);
    sqlx::query(
        "INSERT INTO audit_events (at, actor, action, object, decision, reason, before, after, \
         request_id, client) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
    .bind(event.client)
    .execute(db)
    .await?;
    Ok(())
}

/// The most recent events for an object, newest first (tests' fixtures).
#[cfg(feature = "test-support")]
pub async fn for_object<'e>(
    db: impl Executor<'e, Database = Any>,
    object: &str,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    let filter = AuditFilter {
        limit: domain::Limit::clamped(limit),
        ..AuditFilter::default()
    };
    let mut events = list(db, &filter, Some(object), &Visible::All).await?;
    events.truncate(filter.limit.get_usize());
    Ok(events)
}

/// Events matching `filter` (and `object`, when given) on what is
/// visible, newest first: a page plus one more, so the caller knows
/// whether another page exists. Objects outside `environment:*` are
/// visible only to [`Visible::All`].
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    filter: &AuditFilter,
    object: Option<&str>,
    visible: &Visible,
) -> Result<Vec<AuditRecord>, StoreError> {
    let visible = match visible {
        Visible::All => Visible::All,
        Visible::Only(names) => {
            Visible::Only(names.iter().map(|n| format!("environment:{n}")).collect())
        }
    };
    let Some((restrict, objects)) = visible.sql("object", 8) else {
        return Ok(Vec::new());
    };
    let environment = filter
        .environment
        .as_ref()
        .map(|e| format!("environment:{e}"));
    // The parser allows only [a-z._] in actions, so LIKE sees no wildcard
    // but the one added here.
    let action_like = filter.action.as_ref().map(|a| format!("{a}%"));
    let sql = format!(
        "SELECT id, at, actor, action, object, decision, reason, request_id, client FROM audit_events \
         WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR object = $2) AND ($3 IS NULL OR object = $3) \
         AND ($4 IS NULL OR action LIKE $4) AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR id < $6){restrict} \
         ORDER BY id DESC LIMIT $7"
    );
    let mut query = sqlx::query(&sql)
        .bind(filter.actor.as_deref())
        .bind(environment)
        .bind(object)
        .bind(action_like)
        .bind(filter.since)
        .bind(filter.before)
        .bind(filter.limit.overfetch());
    for object in objects {
        query = query.bind(object);
    }
    let rows = query.fetch_all(db).await?;
    rows.iter()
        .map(|row| {
            let decision: String = get(row, "decision")?;
            Ok(AuditRecord {
                id: get(row, "id")?,
                at: get(row, "at")?,
                actor: get(row, "actor")?,
                action: get(row, "action")?,
                object: get(row, "object")?,
                decision: Decision::parse(&decision)
                    .map_err(|_| StoreError::Corrupt(format!("decision {decision:?}")))?,
                reason: get(row, "reason")?,
                request_id: get(row, "request_id")?,
                client: get(row, "client")?,
            })
        })
        .collect()
}
