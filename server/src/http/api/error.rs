//! The API's errors: `{"error": {"code": "...", "message": "..."}}` with the
//! fitting status; a 422 adds `"fields": [{"field", "message"}]`. Internal
//! details are logged, never returned.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub struct ApiError(pub engine::Error);

impl From<engine::Error> for ApiError {
    fn from(err: engine::Error) -> Self {
        Self(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            engine::Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            engine::Error::NotFound(_) => StatusCode::NOT_FOUND,
            engine::Error::Conflict(_) => StatusCode::CONFLICT,
            engine::Error::Unauthenticated => StatusCode::UNAUTHORIZED,
            engine::Error::Forbidden(_) => StatusCode::FORBIDDEN,
            engine::Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            engine::Error::Internal(source) => {
                tracing::error!(error = %source, "internal error in an API handler");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        match &self.0 {
            // Which fields were refused, for clients that show them in place.
            engine::Error::Invalid(fields) => {
                let body = serde_json::json!({ "error": {
                    "code": self.0.code(), "message": self.0.to_string(), "fields": fields,
                }});
                (status, axum::Json(body)).into_response()
            }
            _ => crate::http::api_error(status, self.0.code(), &self.0.to_string()),
        }
    }
}
