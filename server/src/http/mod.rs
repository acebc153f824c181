//! The HTTP surface: one router over [`AppState`] with the probes, metrics,
//! authentication, the REST API, the Leptos app and its server functions,
//! and the request-id, tracing and metrics layers around all of them.

pub mod api;
mod health;
pub mod metrics;
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

use crate::auth::{self, Auth, AuthError, DemoCiToken};
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
    demo_ci: Option<DemoCiToken>,
) -> Result<Router, AuthError> {
    let state = AppState {
        leptos_options: leptos_options(config, bound),
        engine,
        metrics,
        auth: Auth::new(config, bound, demo_ci)?,
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
            route_list(),
            move || provide_context(context_engine.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell));
    let app = auth::protect(app, &state);
    // The demo's simulated OIDC endpoints are public, like any issuer's.
    let app = if state.engine.simulated_layers() {
        app.merge(simulated::routes())
    } else {
        app
    };

    Ok(Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .merge(app)
        .layer(from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(PropagateRequestIdLayer::new(request_id::HEADER))
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span::<Body>))
        .layer(SetRequestIdLayer::new(request_id::HEADER, MakeRequestUuid))
        .with_state(state))
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
