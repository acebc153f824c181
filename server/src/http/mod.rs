//! The HTTP surface: the public router over [`AppState`] with the probes,
//! authentication, the REST API, the Leptos app and its server functions,
//! and the request-id, tracing, metrics and security-header layers around
//! all of them; and the metrics router, served on its own listener
//! (`PALETTE_METRICS_LISTEN`), never on the public one.

pub mod api;
mod health;
mod limits;
pub mod metrics;
pub mod security;
mod simulated;

use std::net::SocketAddr;
use std::sync::Arc;

use app::{shell, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use engine::Engine;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{
    generate_route_list, handle_server_fns_with_context, AxumRouteListing, LeptosRoutes,
};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::{self, Auth};
use crate::metrics::Metrics;
use crate::request_id;
use crate::Config;

/// Kept here for the API handlers, which name them by these paths.
pub use crate::error::api_error;
pub use crate::state::AppState;

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
    metrics: Arc<Metrics>,
    auth: Auth,
) -> Router {
    let state = AppState {
        leptos_options: leptos_options(config, bound),
        engine,
        metrics,
        auth,
        streams: api::streams::StreamSlots::new(api::streams::MAX_STREAMS_PER_PRINCIPAL),
    };
    let context_engine = state.engine.clone();
    let fallback_engine = state.engine.clone();
    let options = state.leptos_options.clone();
    let policy = Arc::new(security::Policy::new(config));

    // Everything a person or a pipeline uses goes through sessions, actor
    // resolution and CSRF protection; the probes do not.
    let app = Router::new()
        .route("/_fn/{*name}", any(server_fn))
        .nest("/api/v1", api::router())
        .merge(auth::routes())
        .leptos_routes_with_context(
            &state,
            route_list(),
            move || render_context(&context_engine),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(move || render_context(&fallback_engine), shell));
    let app = auth::protect(app, &state);
    // The demo's simulated OIDC endpoints are public, like any issuer's.
    let app = if state.engine.simulated_layers() {
        app.merge(simulated::routes())
    } else {
        app
    };

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(app)
        .layer(axum::middleware::from_fn(limits::limit))
        .layer(from_fn_with_state(policy, security::headers))
        .layer(from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(PropagateRequestIdLayer::new(request_id::HEADER))
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span::<Body>))
        .layer(SetRequestIdLayer::new(request_id::HEADER, MakeRequestUuid))
        .layer(axum::middleware::from_fn(request_id::sanitize))
        .with_state(state)
}

/// `GET /metrics` alone, for the separate metrics listener: it reports on
/// every environment (OIDC check results by name) and the job queue, which
/// not every person who can reach the public listener may see.
pub fn metrics_router(metrics: Arc<Metrics>, engine: Engine) -> Router {
    Router::new().route(
        "/metrics",
        get(move || metrics::render(metrics.clone(), engine.clone())),
    )
}

/// What every Leptos render (pages and the not-found fallback) gets besides
/// leptos_axum's own context: the engine, and the CSP nonce the response's
/// policy names.
fn render_context(engine: &Engine) {
    provide_context(engine.clone());
    security::provide_request_nonce();
}

/// The app's routes, generated once per process. Generating them runs the
/// app with resource loading suppressed through a process-global flag
/// (leptos-rs/leptos#4773): a page rendered by another server in the same
/// process meanwhile (the test suites run many) would hang forever.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

async fn server_fn(State(engine): State<Engine>, request: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(engine.clone()), request).await
}
