//! Limits on every request of the public listener: the size of its body and
//! the time to start answering. Event streams answer at once (their events
//! follow in the body), so the time limit never cuts one.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::Response;
use domain::ErrorCode;

use crate::error::api_error;

/// The largest request body: the largest legitimate one (an environment's
/// manifest, a release with its resources) is a few KiB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long a request may take before its answer starts.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// Refuses a body declared larger than [`MAX_BODY_BYTES`] at once (413),
/// caps an undeclared (chunked) one at that size while it is read, and
/// answers 503 when no answer has started within [`ANSWER_WITHIN`].
pub async fn limit(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return api_error(
            ErrorCode::PayloadTooLarge,
            &format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        );
    }
    let path = request.uri().path().to_owned();
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, MAX_BODY_BYTES)));
    match tokio::time::timeout(ANSWER_WITHIN, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%path, limit_secs = ANSWER_WITHIN.as_secs(), "request took too long");
            api_error(
                ErrorCode::Unavailable,
                "the request took too long; try again",
            )
        }
    }
}
