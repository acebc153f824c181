//! `/metrics` (served by [`super::metrics_router`] on its own listener) and
//! the middleware that counts and times every request of the public router.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use engine::Engine;

use crate::metrics::http::HttpLabels;
use crate::metrics::Metrics;

/// Middleware: counts and times every request under its matched route
/// (never the raw path, which would let clients create unbounded series).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = HttpLabels {
        method,
        route,
        status: response.status().as_u16(),
    };
    metrics
        .http
        .observe(&labels, started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics` in the OpenMetrics text format.
pub async fn render(metrics: Arc<Metrics>, engine: Engine) -> Response {
    metrics.refresh(&engine).await;
    match metrics.encode() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
