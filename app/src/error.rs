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
        Self { code: "request_failed".to_owned(), message: value.to_string() }
    }
}

#[cfg(feature = "ssr")]
impl From<engine::Error> for UiError {
    fn from(err: engine::Error) -> Self {
        if let engine::Error::Internal(source) = &err {
            tracing::error!(error = %source, "internal error in a server function");
        }
        Self { code: err.code().to_owned(), message: err.to_string() }
    }
}
