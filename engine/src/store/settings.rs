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
