//! The API's errors: `{"error": ErrorBody}` with the status of its code,
//! from the one mapping in the engine and the domain. Internal details are
//! logged, never returned.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use domain::{ErrorBody, ErrorEnvelope};

/// An engine error on its way out of a handler.
pub struct ApiError(pub engine::Error);

impl From<engine::Error> for ApiError {
    fn from(err: engine::Error) -> Self {
        Self(err)
    }
}

impl From<domain::ValidationError> for ApiError {
    fn from(err: domain::ValidationError) -> Self {
        Self(engine::Error::invalid(err))
    }
}

impl From<Vec<domain::ValidationError>> for ApiError {
    fn from(errors: Vec<domain::ValidationError>) -> Self {
        Self(engine::Error::Invalid(errors))
    }
}

/// `body` as a response with its status.
pub fn error_response(body: ErrorBody) -> Response {
    let status =
        StatusCode::from_u16(body.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(ErrorEnvelope { error: body })).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(self.0.to_body())
    }
}
