//! The one JSON error response of the HTTP surface: `{"error": ErrorBody}`
//! ([`domain::ErrorEnvelope`]) with the status of its [`domain::ErrorCode`].
//!
//! Policy: `code` is stable and machine-readable, `message` is safe to show
//! to whoever asked. An [`engine::Error::Internal`] is logged by
//! [`engine::Error::to_body`] and answered as a bare `internal error`; its
//! details never leave the process.
//!
//! A leaf: this module uses nothing else of the server crate, so the auth
//! middleware, the REST API and the extractors can all answer with it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use domain::{ErrorBody, ErrorCode, ErrorEnvelope};

/// `body` with the status of its code.
pub fn error_response(body: ErrorBody) -> Response {
    let status =
        StatusCode::from_u16(body.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(ErrorEnvelope { error: body })).into_response()
}

/// `{"error": {"code": code, "message": message}}` with the code's status.
pub fn api_error(code: ErrorCode, message: &str) -> Response {
    error_response(ErrorBody::new(code, message))
}

/// An engine error, answered.
pub fn engine_error(err: &engine::Error) -> Response {
    error_response(err.to_body())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::body::to_bytes;
    use domain::ValidationError;

    use super::*;

    async fn body_of(response: Response) -> (StatusCode, serde_json::Value) {
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn errors_have_a_code_and_a_message() {
        let (status, body) = body_of(api_error(ErrorCode::Csrf, "no")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "csrf", "message": "no"}})
        );
    }

    #[tokio::test]
    async fn refused_input_names_its_fields() {
        let err = engine::Error::invalid(ValidationError::new("name", "too short"));
        let (status, body) = body_of(engine_error(&err)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "invalid_input", "message": "invalid input: name: too short",
                "fields": [{"field": "name", "message": "too short"}]}})
        );
    }

    #[tokio::test]
    async fn internal_errors_say_nothing_of_their_cause() {
        let err = engine::Error::Internal("password=hunter2".into());
        let (status, body) = body_of(engine_error(&err)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("hunter2"), "{body}");
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "internal", "message": "internal error"}})
        );
    }
}
