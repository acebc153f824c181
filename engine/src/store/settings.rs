//! Small key-value facts the control plane keeps about itself.

use sqlx::{Any, Executor};

use super::StoreError;

/// Records `key` once. Returns false when it was already there.
pub async fn insert_once<'e>(
    db: impl Executor<'e, Database = Any>,
    key: &str,
    value: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(value)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The value stored under `key`, if any.
pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    key: &str,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(db)
        .await?;
    row.map(|row| super::get::<String>(&row, "value"))
        .transpose()
}

/// Stores `value` under `key`, replacing what was there.
pub async fn put<'e>(
    db: impl Executor<'e, Database = Any>,
    key: &str,
    value: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(db)
    .await?;
    Ok(())
}
