//! The error a server function returns to the browser: the domain's
//! [`ErrorBody`] (a stable code, a message that is safe to show and the
//! refused fields), the same body the REST API sends. Internal details
//! never cross this line. The HTTP status comes from the same mapping.

use std::ops::Deref;

use domain::{ErrorBody, ErrorCode};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UiError(pub ErrorBody);

impl UiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::answered(ErrorBody::new(code, message))
    }
}

impl Deref for UiError {
    type Target = ErrorBody;
    fn deref(&self) -> &ErrorBody {
        &self.0
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for UiError {}

impl FromServerFnError for UiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::new(ErrorCode::RequestFailed, value.to_string())
    }
}

impl UiError {
    /// The error a server function returns; on the server its status is
    /// also the response's, from the one mapping (`ErrorCode::http_status`).
    fn answered(body: ErrorBody) -> Self {
        #[cfg(feature = "ssr")]
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(body.http_status()) {
                response.set_status(status);
            }
        }
        Self(body)
    }
}

impl From<domain::ValidationError> for UiError {
    fn from(err: domain::ValidationError) -> Self {
        Self::answered(ErrorBody::invalid(vec![err]))
    }
}

impl From<Vec<domain::ValidationError>> for UiError {
    fn from(errors: Vec<domain::ValidationError>) -> Self {
        Self::answered(ErrorBody::invalid(errors))
    }
}

#[cfg(feature = "ssr")]
impl From<engine::Error> for UiError {
    fn from(err: engine::Error) -> Self {
        Self::answered(err.to_body())
    }
}
