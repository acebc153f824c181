//! The HTTP surface: health, metrics, the Leptos app and its server functions.

mod health;
pub mod metrics;
mod request_id;

use std::sync::Arc;

use app::{shell, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use engine::Engine;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::Config;

/// Everything a handler may need, built once in `main`.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub engine: Engine,
    pub metrics: Arc<metrics::Metrics>,
}

fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("palette")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .reload_port(3001)
        .build()
}

/// Builds the whole router.
pub fn router(config: &Config, engine: Engine) -> Router {
    let state = AppState {
        leptos_options: leptos_options(config),
        engine,
        metrics: Arc::new(metrics::Metrics::new()),
    };
    let routes = generate_route_list(App);
    let context_engine = state.engine.clone();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .route("/_fn/{*name}", any(server_fn))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_engine.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(PropagateRequestIdLayer::new(request_id::HEADER))
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span::<Body>))
        .layer(SetRequestIdLayer::new(request_id::HEADER, MakeRequestUuid))
        .with_state(state)
}

async fn server_fn(State(state): State<AppState>, request: Request<Body>) -> impl IntoResponse {
    let engine = state.engine.clone();
    let actor = engine::Actor::anonymous().with_request_id(request_id::of(&request));
    handle_server_fns_with_context(
        move || {
            provide_context(engine.clone());
            provide_context(actor.clone());
        },
        request,
    )
    .await
}
