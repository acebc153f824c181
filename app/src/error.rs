//! The error a server function returns to the browser: a stable code and a
//! message that is safe to show. Internal details never cross this line.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UiError {}

impl FromServerFnError for UiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self {
            code: "request_failed".to_owned(),
            message: value.to_string(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<engine::Error> for UiError {
    fn from(err: engine::Error) -> Self {
        if let engine::Error::Internal(source) = &err {
            tracing::error!(error = %source, "internal error in a server function");
        }
        let status = match &err {
            engine::Error::Invalid(_) => 422,
            engine::Error::NotFound(_) => 404,
            engine::Error::Conflict(_) => 409,
            engine::Error::Unauthenticated => 401,
            engine::Error::Forbidden(_) => 403,
            engine::Error::Unavailable(_) => 503,
            engine::Error::Internal(_) => 500,
        };
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(status) {
                response.set_status(status);
            }
        }
        Self {
            code: err.code().to_owned(),
            message: err.to_string(),
        }
    }
}
