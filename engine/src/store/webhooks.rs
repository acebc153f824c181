//! Webhooks and their deliveries. [`emit`] writes a delivery and the job
//! that sends it for every webhook that hears a notification, inside the
//! caller's transaction: a notification exists exactly when what it tells
//! of committed.

use domain::notification::{
    Delivery, DeliveryStatus, NewWebhook, NotificationEvent, Webhook, WebhookFormat, WebhookId,
};
use domain::{EnvironmentName, JobId};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor};

use super::{get, json, now_ms, to_json, StoreError};
use crate::queue::{self, JobKind, NewJob};

/// Something that happened, as every webhook that hears it is told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub event: NotificationEvent,
    pub environment: String,
    /// One line for people: `Promotion #12 to green waits for approval`.
    pub summary: String,
    /// The page it is about, under Palette's base (`/promotions/12`).
    pub path: String,
    /// Unix milliseconds.
    pub at: i64,
    /// Ids and states, for machines.
    pub details: serde_json::Value,
}

const WEBHOOK_COLUMNS: &str =
    "id, name, url, format, secret, environment, events, created_at, created_by";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

fn decode_webhook(row: &AnyRow) -> Result<(Webhook, Option<String>), StoreError> {
    let format: String = get(row, "format")?;
    let environment: Option<String> = get(row, "environment")?;
    let secret: Option<String> = get(row, "secret")?;
    let hook = Webhook {
        id: WebhookId(get(row, "id")?),
        name: get(row, "name")?,
        url: get(row, "url")?,
        format: WebhookFormat::parse(&format).map_err(|_| corrupt("webhook format", &format))?,
        environment: environment
            .map(|e| EnvironmentName::parse(&e).map_err(|_| corrupt("webhook environment", &e)))
            .transpose()?,
        events: json("events", &get::<String>(row, "events")?)?,
        signed: secret.is_some(),
        created_at: get(row, "created_at")?,
        created_by: get(row, "created_by")?,
    };
    Ok((hook, secret))
}

/// Stores a webhook; returns it as reads show it.
pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    new: &NewWebhook,
    by: &str,
) -> Result<Webhook, StoreError> {
    let sql = format!(
        "INSERT INTO webhooks (name, url, format, secret, environment, events, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {WEBHOOK_COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(&new.name)
        .bind(&new.url)
        .bind(new.format.as_str())
        .bind(new.secret.as_deref())
        .bind(new.environment.as_ref().map(EnvironmentName::as_str))
        .bind(to_json(&new.events)?)
        .bind(now_ms())
        .bind(by)
        .fetch_one(db)
        .await?;
    Ok(decode_webhook(&row)?.0)
}

/// Every webhook, oldest first.
pub async fn list<'e>(db: impl Executor<'e, Database = Any>) -> Result<Vec<Webhook>, StoreError> {
    let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(db).await?;
    rows.iter().map(|r| Ok(decode_webhook(r)?.0)).collect()
}

/// One webhook with its secret, for signing a delivery.
pub async fn get_with_secret<'e>(
    db: impl Executor<'e, Database = Any>,
    id: WebhookId,
) -> Result<Option<(Webhook, Option<String>)>, StoreError> {
    let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1");
    let row = sqlx::query(&sql).bind(id.0).fetch_optional(db).await?;
    row.as_ref().map(decode_webhook).transpose()
}

/// Deletes a webhook and its deliveries; the webhook as it was, if it existed.
pub async fn delete(
    conn: &mut AnyConnection,
    id: WebhookId,
) -> Result<Option<Webhook>, StoreError> {
    let sql = format!("DELETE FROM webhooks WHERE id = $1 RETURNING {WEBHOOK_COLUMNS}");
    let row = sqlx::query(&sql)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    // SQLite enforces the cascade only with foreign keys on: say it here too.
    sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    Ok(Some(decode_webhook(&row)?.0))
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event, environment, summary, status, attempts, \
                                response_status, error, created_at, delivered_at, job_id";

fn decode_delivery(row: &AnyRow) -> Result<Delivery, StoreError> {
    let event: String = get(row, "event")?;
    let status: String = get(row, "status")?;
    Ok(Delivery {
        id: get(row, "id")?,
        webhook: WebhookId(get(row, "webhook_id")?),
        event: NotificationEvent::parse(&event).map_err(|_| corrupt("delivery event", &event))?,
        environment: get(row, "environment")?,
        summary: get(row, "summary")?,
        status: DeliveryStatus::parse(&status).map_err(|_| corrupt("delivery status", &status))?,
        attempts: get(row, "attempts")?,
        response_status: get(row, "response_status")?,
        error: get(row, "error")?,
        created_at: get(row, "created_at")?,
        delivered_at: get(row, "delivered_at")?,
        job: get::<Option<i64>>(row, "job_id")?.map(JobId),
    })
}

/// The newest `limit` deliveries of every webhook in `hooks`, newest first.
pub async fn deliveries<'e>(
    db: impl Executor<'e, Database = Any>,
    hook: WebhookId,
    limit: i64,
) -> Result<Vec<Delivery>, StoreError> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(hook.0)
        .bind(limit)
        .fetch_all(db)
        .await?;
    rows.iter().map(decode_delivery).collect()
}

/// One delivery and the notification it carries.
pub async fn delivery<'e>(
    db: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<Option<(Delivery, Notification)>, StoreError> {
    let sql = format!("SELECT {DELIVERY_COLUMNS}, body FROM webhook_deliveries WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db).await?;
    row.map(|row| {
        Ok((
            decode_delivery(&row)?,
            json("body", &get::<String>(&row, "body")?)?,
        ))
    })
    .transpose()
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub status: DeliveryStatus,
    pub response_status: Option<i64>,
    pub error: Option<String>,
}

/// Records an attempt of a delivery.
pub async fn record_attempt<'e>(
    db: impl Executor<'e, Database = Any>,
    id: i64,
    attempt: &Attempt,
) -> Result<(), StoreError> {
    let delivered = (attempt.status == DeliveryStatus::Delivered).then(now_ms);
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, response_status = $3, \
         error = $4, delivered_at = COALESCE($5, delivered_at) WHERE id = $1",
    )
    .bind(id)
    .bind(attempt.status.as_str())
    .bind(attempt.response_status)
    .bind(attempt.error.as_deref())
    .bind(delivered)
    .execute(db)
    .await?;
    Ok(())
}

/// The payload of a `webhook.deliver` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverJob {
    pub delivery: i64,
}

/// How many times a delivery is tried before it counts as failed.
pub const DELIVERY_ATTEMPTS: i64 = 5;

/// Queues `notification` for every webhook that hears it, in `conn`'s
/// transaction; returns how many deliveries were queued.
pub async fn emit(
    conn: &mut AnyConnection,
    notification: &Notification,
) -> Result<usize, StoreError> {
    let sql = format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE environment IS NULL OR environment = $1 ORDER BY id"
    );
    let rows = sqlx::query(&sql)
        .bind(&notification.environment)
        .fetch_all(&mut *conn)
        .await?;
    let body = to_json(notification)?;
    let mut queued = 0;
    for row in &rows {
        let (hook, _) = decode_webhook(row)?;
        if !hook.hears(notification.event, &notification.environment) {
            continue;
        }
        let inserted = sqlx::query(
            "INSERT INTO webhook_deliveries (webhook_id, event, environment, summary, body, status, \
             created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id",
        )
        .bind(hook.id.0)
        .bind(notification.event.as_str())
        .bind(&notification.environment)
        .bind(&notification.summary)
        .bind(&body)
        .bind(notification.at)
        .fetch_one(&mut *conn)
        .await?;
        let id: i64 = get(&inserted, "id")?;
        let payload = serde_json::to_value(DeliverJob { delivery: id })
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let job = queue::enqueue(
            &mut *conn,
            NewJob::new(JobKind::WebhookDeliver, payload, "system:notifications")
                .max_attempts(DELIVERY_ATTEMPTS),
        )
        .await?;
        sqlx::query("UPDATE webhook_deliveries SET job_id = $1 WHERE id = $2")
            .bind(job.0)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        queued += 1;
    }
    Ok(queued)
}
