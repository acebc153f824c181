//! A small stand-in for the OpenFGA HTTP API (the server itself cannot be
//! installed here). It speaks the documented request and response shapes
//! and answers queries with the embedded evaluator over in-memory tuples,
//! so answers are real. Pages are capped at 2 items to exercise
//! continuation tokens.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use palette_fga::http::wire::*;
use palette_fga::{AuthorizationModel, MemoryTuples};
use serde_json::json;

mod queries;

const PAGE: usize = 2;

#[derive(Default)]
pub struct Fake {
    pub stores: Vec<Store>,
    /// Per store, oldest first.
    pub models: HashMap<String, Vec<AuthorizationModel>>,
    pub tuples: HashMap<String, MemoryTuples>,
    pub model_writes: usize,
    pub requests: usize,
    pub token: Option<String>,
    pub delay: Option<Duration>,
    pub fail_with: Option<StatusCode>,
}

pub type Shared = Arc<Mutex<Fake>>;

/// Starts the fake on an ephemeral port; returns its base URL and state.
pub async fn start(fake: Fake) -> (String, Shared) {
    testkit::init_tracing();
    let state: Shared = Arc::new(Mutex::new(fake));
    let app = Router::new()
        .route("/stores", get(list_stores).post(create_store))
        .route(
            "/stores/{store}/authorization-models",
            get(read_models).post(write_model),
        )
        .route("/stores/{store}/{op}", post(queries::query))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (format!("http://{addr}"), state)
}

pub(crate) fn error(status: StatusCode, code: &str, message: impl ToString) -> Response {
    (
        status,
        Json(json!({"code": code, "message": message.to_string()})),
    )
        .into_response()
}

/// Auth, delay and forced failures, common to every route.
pub(crate) async fn gate(state: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let (token, delay, fail) = {
        let mut s = state.lock().expect("lock");
        s.requests += 1;
        (s.token.clone(), s.delay, s.fail_with)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if let Some(status) = fail {
        return Err(error(status, "internal_error", "forced failure"));
    }
    let sent = headers.get("authorization").and_then(|v| v.to_str().ok());
    match token {
        Some(t) if sent != Some(format!("Bearer {t}").as_str()) => Err(error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "missing or bad token",
        )),
        _ => Ok(()),
    }
}

pub(crate) fn page<T: Clone>(
    items: &[T],
    q: &HashMap<String, String>,
    token: &str,
) -> (Vec<T>, String) {
    let size = q
        .get("page_size")
        .and_then(|p| p.parse().ok())
        .unwrap_or(PAGE)
        .min(PAGE);
    let start: usize = token.parse().unwrap_or(0);
    let end = (start + size).min(items.len());
    let next = if end < items.len() {
        end.to_string()
    } else {
        String::new()
    };
    (items[start.min(end)..end].to_vec(), next)
}

async fn create_store(
    State(s): State<Shared>,
    h: HeaderMap,
    Json(r): Json<CreateStoreRequest>,
) -> Response {
    if let Err(e) = gate(&s, &h).await {
        return e;
    }
    let mut s = s.lock().expect("lock");
    let store = Store {
        id: format!("store-{}", s.stores.len() + 1),
        name: r.name,
    };
    s.stores.push(store.clone());
    let body = json!({"id": store.id, "name": store.name, "created_at": "2026-01-01T00:00:00Z"});
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn list_stores(
    State(s): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(e) = gate(&s, &h).await {
        return e;
    }
    let s = s.lock().expect("lock");
    let token = q.get("continuation_token").cloned().unwrap_or_default();
    let (stores, next) = page(&s.stores, &q, &token);
    Json(json!({"stores": stores, "continuation_token": next})).into_response()
}

async fn write_model(
    State(s): State<Shared>,
    h: HeaderMap,
    Path(store): Path<String>,
    body: String,
) -> Response {
    if let Err(e) = gate(&s, &h).await {
        return e;
    }
    let mut model = match AuthorizationModel::from_json(&body) {
        Ok(m) => m,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_authorization_model", e),
    };
    let mut s = s.lock().expect("lock");
    if !s.stores.iter().any(|st| st.id == store) {
        return error(StatusCode::NOT_FOUND, "store_id_not_found", store);
    }
    s.model_writes += 1;
    let id = format!("model-{}", s.model_writes);
    model.id = Some(id.clone());
    s.models.entry(store).or_default().push(model);
    (
        StatusCode::CREATED,
        Json(json!({"authorization_model_id": id})),
    )
        .into_response()
}

async fn read_models(
    State(s): State<Shared>,
    h: HeaderMap,
    Path(store): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(e) = gate(&s, &h).await {
        return e;
    }
    let s = s.lock().expect("lock");
    if !s.stores.iter().any(|st| st.id == store) {
        return error(StatusCode::NOT_FOUND, "store_id_not_found", store);
    }
    let mut models = s.models.get(&store).cloned().unwrap_or_default();
    models.reverse(); // latest first
    let (models, next) = page(&models, &q, "");
    Json(json!({"authorization_models": models, "continuation_token": next})).into_response()
}
