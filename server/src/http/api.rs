//! REST API v1 for pipelines and scripts. Authentication happened in the
//! auth middleware: every handler gets the resolved `Actor` and calls one
//! engine method; rules live in the engine.

use axum::extract::Extension;
use axum::response::Json;
use axum::routing::get;
use axum::Router;
use engine::Actor;
use serde_json::{json, Value};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/whoami", get(whoami))
}

/// `GET /api/v1/whoami`: the principal a token (or session) resolves to.
async fn whoami(Extension(actor): Extension<Actor>) -> Json<Value> {
    Json(json!({ "principal": actor.principal }))
}
