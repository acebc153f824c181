//! The HTTP surface: health, metrics, authentication, the REST API, the
//! Leptos app and its server functions.

pub mod api;
mod health;
pub mod metrics;
pub mod oidc_metrics;
mod queue_metrics;
pub mod request_id;

use std::net::SocketAddr;
use std::sync::Arc;

use app::{shell, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{any, get};
use axum::Router;
use engine::Engine;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::{self, session_store::DbSessionStore, Auth, AuthError};
use crate::Config;

/// Everything a handler may need, built once at start.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub engine: Engine,
    pub metrics: Arc<metrics::Metrics>,
    pub auth: Auth,
    /// This process's job workers' metrics, when it runs workers.
    pub queue_metrics: Option<Arc<engine::queue::Metrics>>,
}

fn leptos_options(config: &Config, bound: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("palette")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(bound)
        .reload_port(3001)
        .build()
}

/// Builds the whole router for a server bound to `bound`.
pub fn router(
    config: &Config,
    engine: Engine,
    bound: SocketAddr,
    queue_metrics: Option<Arc<engine::queue::Metrics>>,
) -> Result<Router, AuthError> {
    let auth = Auth::new(config, bound)?;
    let sessions = auth.session_layer(DbSessionStore::new(engine.store().clone()));
    let state = AppState {
        leptos_options: leptos_options(config, bound),
        engine,
        metrics: Arc::new(metrics::Metrics::new()),
        auth,
        queue_metrics,
    };
    let context_engine = state.engine.clone();
    let options = state.leptos_options.clone();

    // Everything a person or a pipeline uses goes through sessions, actor
    // resolution and CSRF protection; probes and metrics do not.
    let app = Router::new()
        .route("/_fn/{*name}", any(server_fn))
        .nest("/api/v1", api::router())
        .merge(auth::routes())
        .leptos_routes_with_context(
            &state,
            generate_route_list(App),
            move || provide_context(context_engine.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(from_fn_with_state(state.clone(), auth::csrf::protect))
        .layer(from_fn_with_state(state.clone(), auth::resolve::resolve))
        .layer(sessions);

    Ok(Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .merge(app)
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(PropagateRequestIdLayer::new(request_id::HEADER))
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span::<Body>))
        .layer(SetRequestIdLayer::new(request_id::HEADER, MakeRequestUuid))
        .with_state(state))
}

async fn server_fn(State(state): State<AppState>, request: Request<Body>) -> impl IntoResponse {
    let engine = state.engine.clone();
    handle_server_fns_with_context(move || provide_context(engine.clone()), request).await
}

/// The API's error shape: `{"error": {"code": "...", "message": "..."}}`.
pub fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message } });
    (status, Json(body)).into_response()
}
