//! The API's errors: an engine error answered in the one JSON error shape
//! of [`crate::error`]. Internal details are logged, never returned.

use axum::response::{IntoResponse, Response};

pub use crate::error::error_response;

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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        crate::error::engine_error(&self.0)
    }
}
