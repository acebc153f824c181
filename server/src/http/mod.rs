//! The HTTP surface: the public router over [`AppState`] with the probes,
//! authentication, the REST API, the Leptos app and its server functions,
//! and the request-id, tracing, metrics and security-header layers around
//! all of them; and the metrics router, served on its own listener
//! (`PALETTE_METRICS_LISTEN`), never on the public one.

pub mod api;
pub mod cache;
mod compression;
mod health;
mod limits;
pub mod metrics;
mod resident;
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

use crate::assets::Assets;
use crate::auth::{self, Auth};
use crate::metrics::Metrics;
use crate::Config;
use crate::{forwarded, request_id};

/// Kept here for the API handlers, which name them by these paths.
pub use crate::error::api_error;
pub use crate::state::AppState;

/// What Leptos renders with. With hashed names, `HydrationScripts` and
/// `HashedStylesheet` read the hash file on each render from
/// `current_exe().parent().join(hash_file)`: an absolute `hash_file`
/// makes that the file [`Assets`] found and checked at start.
fn leptos_options(config: &Config, bound: SocketAddr, assets: &Assets) -> LeptosOptions {
    let builder = LeptosOptions::builder()
        .output_name(crate::assets::OUTPUT_NAME)
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir(crate::assets::PKG_DIR)
        .site_addr(bound)
        .reload_port(3001);
    match assets.hash_file() {
        Some(hash_file) => builder
            .hash_files(true)
            .hash_file(Arc::<str>::from(hash_file.display().to_string()))
            .build(),
        None => builder.build(),
    }
}

/// Raised once the server starts shutting down: `/readyz` answers 503 (a
/// load balancer stops sending requests here) and event streams end with
/// a reconnect hint.
#[derive(Debug, Clone, Default)]
pub struct Closing(engine::queue::Flag);

impl Closing {
    pub fn close(&self) {
        self.0.raise();
    }

    pub fn is_closing(&self) -> bool {
        self.0.is_raised()
    }

    /// Completes once the server is shutting down.
    pub async fn closed(&self) {
        self.0.raised().await;
    }
}

/// Builds the whole router for a server bound to `bound`.
pub fn router(
    config: &Config,
    engine: Engine,
    bound: SocketAddr,
    metrics: Arc<Metrics>,
    auth: Auth,
    closing: Closing,
    assets: Arc<Assets>,
) -> Router {
    let state = AppState {
        leptos_options: leptos_options(config, bound, &assets),
        engine,
        metrics,
        auth,
        streams: api::streams::StreamSlots::new(
            api::streams::MAX_STREAMS_PER_PRINCIPAL,
            closing.clone(),
        ),
        closing,
    };
    let base = app::base::BasePath(config.path_prefix.clone().unwrap_or_default());
    let context_engine = (state.engine.clone(), base.clone());
    let fallback_engine = (state.engine.clone(), base.clone());
    let fn_base = base.clone();
    let options = state.leptos_options.clone();
    let site_root = config.site_root.clone();
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        move || render_context(&fallback_engine.0, &fallback_engine.1),
        shell,
    );
    let policy = Arc::new(security::Policy::new(config));

    // Everything a person or a pipeline uses goes through sessions, actor
    // resolution and CSRF protection; the probes do not.
    let app = Router::new()
        .route(
            "/_fn/{*name}",
            any(move |state: State<Engine>, request: Request<Body>| {
                server_fn(state, fn_base.clone(), request)
            }),
        )
        .nest("/api/v1", api::router())
        .merge(auth::routes())
        .leptos_routes_with_context(
            &state,
            route_list(),
            move || render_context(&context_engine.0, &context_engine.1),
            move || shell(options.clone()),
        )
        // A file of the site (`/favicon.svg`), else the not-found page.
        .fallback(
            move |State(state): State<AppState>, request: Request<Body>| {
                let file = cache::site_file(&site_root, &request);
                let not_found = not_found.clone();
                async move {
                    match file.await {
                        Some(file) => file,
                        None => not_found(request.uri().clone(), State(state), request).await,
                    }
                }
            },
        );
    let app = auth::protect(app, &state);
    // The demo's simulated OIDC endpoints are public, like any issuer's.
    let app = if state.engine.simulated_layers() {
        app.merge(simulated::routes())
    } else {
        app
    };

    // The probes and `/pkg/` need no session.
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest_service("/pkg", cache::pkg(&config.site_root, &assets))
        .merge(app)
        .layer(axum::middleware::from_fn(limits::limit))
        .layer(from_fn_with_state(assets, cache::headers))
        .layer(from_fn_with_state(policy, security::headers))
        .layer(compression::layer())
        .layer(from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(PropagateRequestIdLayer::new(request_id::HEADER))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::new(request_id::HEADER, MakeRequestUuid))
        .layer(axum::middleware::from_fn(request_id::sanitize))
        // Outermost: who the client is, and the proxy headers (the request
        // id too) of an untrusted peer removed before anything reads them.
        .layer(from_fn_with_state(
            Arc::new(config.trusted_proxies.clone()),
            forwarded::resolve,
        ))
        .with_state(state);
    // Under a path prefix everything, probes included, is below it; the
    // rest of the host is not Palette's (404).
    match config.path_prefix.as_deref() {
        Some(prefix) => below(prefix.to_owned(), router),
        None => router,
    }
}

/// `router` under `prefix`: `/palette`, `/palette/` and `/palette/…` reach
/// it without the prefix (`OriginalUri` keeps the whole), anything else is
/// 404. (axum's `nest` leaves `/palette/` unrouted.)
fn below(prefix: String, router: Router) -> Router {
    use tower::ServiceExt as _;
    Router::new().fallback_service(tower::service_fn(move |mut request: Request<Body>| {
        let inner = within(&prefix, request.uri());
        let router = router.clone();
        async move {
            match inner {
                Some(uri) => {
                    *request.uri_mut() = uri;
                    router.oneshot(request).await
                }
                None => Ok(axum::http::StatusCode::NOT_FOUND.into_response()),
            }
        }
    }))
}

/// `uri` without `prefix`, when it is below it.
fn within(prefix: &str, uri: &axum::http::Uri) -> Option<axum::http::Uri> {
    let rest = uri.path().strip_prefix(prefix)?;
    let path = match rest {
        "" => "/",
        rest if rest.starts_with('/') => rest,
        _ => return None,
    };
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    path_and_query.parse().ok()
}

/// The request's span ([`request_id::span`]) with the client's address.
fn request_span(request: &Request<Body>) -> tracing::Span {
    let span = request_id::span(request);
    if let Some(client) = request.extensions().get::<forwarded::ClientAddr>() {
        span.record("client", tracing::field::display(client.0));
    }
    span
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
/// leptos_axum's own context: the engine, the CSP nonce the response's
/// policy names, and the path prefix ([`app::base`]) with the request's
/// URL as the browser sent it (under a prefix the router here sees it
/// without the prefix, the app's router below its base).
fn render_context(engine: &Engine, base: &app::base::BasePath) {
    provide_context(engine.clone());
    security::provide_request_nonce();
    if !base.0.is_empty() {
        if let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() {
            let original = parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
            let path = original
                .path_and_query()
                .map_or_else(|| original.path().to_owned(), |p| p.as_str().to_owned());
            app::base::provide_request_url(&path);
        }
    }
    provide_context(base.clone());
}

/// The app's routes, generated once per process. Generating them runs the
/// app with resource loading suppressed through a process-global flag
/// (leptos-rs/leptos#4773): a page rendered by another server in the same
/// process meanwhile (the test suites run many) would hang forever.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

async fn server_fn(
    State(engine): State<Engine>,
    base: app::base::BasePath,
    request: Request<Body>,
) -> impl IntoResponse {
    handle_server_fns_with_context(
        move || {
            provide_context(engine.clone());
            provide_context(base.clone());
        },
        request,
    )
    .await
}
