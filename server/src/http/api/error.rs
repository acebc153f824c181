//! The API's errors: an engine error answered in the one JSON error shape
//! of [`crate::error`] with the fitting status. Internal details are
//! logged, never returned.

use axum::response::{IntoResponse, Response};

use crate::error::ErrorResponse;

pub struct ApiError(pub engine::Error);

impl From<engine::Error> for ApiError {
    fn from(err: engine::Error) -> Self {
        Self(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        ErrorResponse::from(self.0).into_response()
    }
}
