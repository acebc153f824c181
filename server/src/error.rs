//! The one JSON error response of the HTTP surface:
//! `{"error": {"code": "...", "message": "..."}}` with the fitting status; a
//! refused input (422) adds `"fields": [{"field", "message"}]`.
//!
//! Policy: `code` is stable and machine-readable, `message` is safe to show
//! to whoever asked. An [`engine::Error::Internal`] is logged here and
//! answered as a bare `internal error`; its details never leave the process.
//!
//! A leaf: this module uses nothing else of the server crate, so the auth
//! middleware, the REST API and the extractors can all answer with it.

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use domain::ValidationError;
use serde::Serialize;

/// An error answered as the JSON error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
    /// Which inputs were refused, for clients that show them in place.
    pub fields: Option<Vec<ValidationError>>,
}

impl ErrorResponse {
    pub fn new(status: StatusCode, code: impl Into<Cow<'static, str>>, message: &str) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.to_owned(),
            fields: None,
        }
    }
}

/// `status` with `{"error": {"code": code, "message": message}}`.
pub fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    ErrorResponse::new(status, code.to_owned(), message).into_response()
}

/// The status an engine error is answered with.
pub fn status_of(err: &engine::Error) -> StatusCode {
    match err {
        engine::Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        engine::Error::NotFound(_) => StatusCode::NOT_FOUND,
        engine::Error::Conflict(_) => StatusCode::CONFLICT,
        engine::Error::Unauthenticated => StatusCode::UNAUTHORIZED,
        engine::Error::Forbidden(_) => StatusCode::FORBIDDEN,
        engine::Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        engine::Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<engine::Error> for ErrorResponse {
    fn from(err: engine::Error) -> Self {
        if let engine::Error::Internal(source) = &err {
            tracing::error!(error = %source, "internal error in an API handler");
        }
        let mut response = Self::new(status_of(&err), err.code(), &err.to_string());
        if let engine::Error::Invalid(fields) = err {
            response.fields = Some(fields);
        }
        response
    }
}

/// The body; fields in the order the previous `serde_json::json!` bodies
/// had (alphabetical), so responses stay byte-for-byte the same.
#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a [ValidationError]>,
    message: &'a str,
}

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: &self.code,
                fields: self.fields.as_deref(),
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    async fn body_of(response: Response) -> (StatusCode, String) {
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn errors_have_a_code_and_a_message() {
        let (status, body) = body_of(api_error(StatusCode::FORBIDDEN, "csrf", "no")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body, r#"{"error":{"code":"csrf","message":"no"}}"#);
    }

    #[tokio::test]
    async fn refused_input_names_its_fields() {
        let err = engine::Error::invalid(ValidationError::new("name", "too short"));
        let (status, body) = body_of(ErrorResponse::from(err).into_response()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            r#"{"error":{"code":"invalid_input","fields":[{"field":"name","message":"too short"}],"message":"invalid input: name: too short"}}"#
        );
    }

    #[tokio::test]
    async fn internal_errors_say_nothing_of_their_cause() {
        let err = engine::Error::Internal("password=hunter2".into());
        let (status, body) = body_of(ErrorResponse::from(err).into_response()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.contains("hunter2"), "{body}");
        assert_eq!(
            body,
            r#"{"error":{"code":"internal","message":"internal error"}}"#
        );
    }
}
