//! The demo's simulated OIDC endpoints: each demo environment's issuer is
//! `{base}/simulated/oidc/{env}`, served here on loopback and labelled
//! simulated, so OIDC checks and promotion verification work offline. The
//! document depends on the revisions the environment runs (the engine
//! decides; one demo revision breaks it). Mounted only when layers are
//! simulated.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use axum::Router;
use domain::EnvironmentName;
use engine::Engine;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/simulated/oidc/{name}/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/simulated/oidc/{name}/.well-known/jwks.json", get(jwks))
}

async fn discovery(State(engine): State<Engine>, Path(name): Path<String>) -> Response {
    let Ok(env) = EnvironmentName::parse(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match engine.simulated_discovery(&env).await {
        Ok(Some(doc)) => Json(doc).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

async fn jwks() -> Json<serde_json::Value> {
    Json(Engine::simulated_jwks())
}
