//! `/healthz` (the process is up) and `/readyz` (its dependencies answer).
//! Both are public: they answer a status only; why a dependency does not
//! answer goes to the log, never to the caller.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use engine::Engine;
use serde_json::json;

pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(
    State(engine): State<Engine>,
    State(closing): State<crate::http::Closing>,
) -> impl IntoResponse {
    if closing.is_closing() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "shutting_down" })),
        );
    }
    match engine.readiness().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
    }
}
