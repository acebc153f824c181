//! A request id on every request, response and log line: taken from the
//! incoming `x-request-id` (behind Traefik) or made up, echoed back, and
//! recorded on the request's tracing span.

use axum::http::{HeaderName, Request};

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The tracing span of one request; every log line inside carries its id.
pub fn span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", request_id = %id, method = %request.method(), uri = %request.uri())
}

/// The id of the request being served, from its headers.
pub fn of<B>(request: &Request<B>) -> Option<String> {
    request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
