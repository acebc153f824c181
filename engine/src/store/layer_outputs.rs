//! Outputs of each environment's layers, read by the layers that depend on them.

use serde_json::{Map, Value};
use sqlx::{Any, Executor, Row};

use super::{now_ms, StoreError};

/// Records (or replaces) the outputs of `layer` in `environment`.
pub async fn put<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &str,
    layer: &str,
    outputs: &Map<String, Value>,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(outputs).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO layer_outputs (environment, layer, outputs, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (environment, layer) DO UPDATE SET outputs = excluded.outputs, updated_at = excluded.updated_at",
    )
    .bind(environment)
    .bind(layer)
    .bind(text)
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets the outputs of `layer` in `environment` (after a destroy).
pub async fn delete<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &str,
    layer: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM layer_outputs WHERE environment = $1 AND layer = $2")
        .bind(environment)
        .bind(layer)
        .execute(db)
        .await?;
    Ok(())
}

/// Every layer's outputs of `environment`: layer → outputs.
pub async fn for_environment<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &str,
) -> Result<Map<String, Value>, StoreError> {
    let rows = sqlx::query(
        "SELECT layer, outputs FROM layer_outputs WHERE environment = $1 ORDER BY layer",
    )
    .bind(environment)
    .fetch_all(db)
    .await?;
    let mut all = Map::new();
    for row in rows {
        let layer: String = row.try_get("layer")?;
        let text: String = row.try_get("outputs")?;
        all.insert(layer, super::json("outputs", &text)?);
    }
    Ok(all)
}
