//! Browser sessions, stored as opaque JSON records with an expiry.

use sqlx::{Any, Executor};

use super::{get, StoreError};

/// One session as stored: its opaque data, its expiry (Unix ms) and whose
/// login it holds, if any.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub data: &'a str,
    pub expires_at: i64,
    pub subject: Option<&'a str>,
}

/// Inserts a new session; false when the id is taken.
pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    session: &Row<'_>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO sessions (id, data, expires_at, subject) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(session.data)
    .bind(session.expires_at)
    .bind(session.subject)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn upsert<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    session: &Row<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (id, data, expires_at, subject) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, \
         subject = excluded.subject",
    )
    .bind(id)
    .bind(session.data)
    .bind(session.expires_at)
    .bind(session.subject)
    .execute(db)
    .await?;
    Ok(())
}

/// The session's data, expiry and subject unless it is missing or expired
/// at `now`.
pub async fn load<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    now: i64,
) -> Result<Option<(String, i64, Option<String>)>, StoreError> {
    let row = sqlx::query(
        "SELECT data, expires_at, subject FROM sessions WHERE id = $1 AND expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(db)
    .await?;
    row.as_ref()
        .map(|r| Ok((get(r, "data")?, get(r, "expires_at")?, get(r, "subject")?)))
        .transpose()
}

pub async fn delete<'e>(db: impl Executor<'e, Database = Any>, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes sessions that expired before `now`; returns how many.
pub async fn delete_expired<'e>(
    db: impl Executor<'e, Database = Any>,
    now: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Removes every session of `subject`; returns how many.
pub async fn delete_of_subject<'e>(
    db: impl Executor<'e, Database = Any>,
    subject: &str,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE subject = $1")
        .bind(subject)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
