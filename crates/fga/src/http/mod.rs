//! A client for the OpenFGA HTTP API (`/stores`, `/check`, `/batch-check`,
//! `/list-objects`, `/list-users`, `/write`, `/read`,
//! `/authorization-models`) with store and model bootstrap.
//!
//! Errors are typed so callers can fail closed with a clear message:
//! [`HttpError::Unavailable`] (unreachable, timed out, 5xx, 429) versus
//! [`HttpError::Rejected`] (any other 4xx). No error is ever an answer.

mod bootstrap;
mod client;
mod queries;
pub mod wire;

use std::time::Duration;

pub use bootstrap::Bootstrap;
pub use client::OpenFgaClient;
pub use queries::MAX_CHECKS_PER_BATCH;

/// Environment variable holding the optional API bearer token.
pub const TOKEN_ENV: &str = "PALETTE_OPENFGA_TOKEN";

/// Where and how to reach OpenFGA.
#[derive(Clone)]
pub struct ClientConfig {
    /// For example `http://127.0.0.1:8080` (no trailing path).
    pub base_url: String,
    /// Sent as `Authorization: Bearer <token>` when set.
    pub token: Option<String>,
    /// Whole-request timeout.
    pub timeout: Duration,
}

impl ClientConfig {
    /// A config with no token and a 5 second timeout.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            token: None,
            timeout: Duration::from_secs(5),
        }
    }

    /// Like [`ClientConfig::new`], with the token from `PALETTE_OPENFGA_TOKEN`.
    pub fn from_env(base_url: impl Into<String>) -> Self {
        let token = std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty());
        Self {
            token,
            ..Self::new(base_url)
        }
    }

    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Errors talking to OpenFGA.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// OpenFGA could not answer: connection refused, timeout, 5xx or 429.
    #[error("OpenFGA unavailable: {0}")]
    Unavailable(String),
    /// OpenFGA refused the request (4xx other than 429).
    #[error("OpenFGA rejected the request (HTTP {status}, {code}): {message}")]
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
    /// OpenFGA answered with something this client does not understand.
    #[error("unexpected response from OpenFGA: {0}")]
    InvalidResponse(String),
    /// The model to bootstrap is not a valid model.
    #[error("invalid authorization model: {0}")]
    Model(crate::Error),
    /// A malformed argument (object or user string), caught before sending.
    #[error("invalid request: {0}")]
    InvalidInput(crate::Error),
    /// A client-side setup problem (bad base URL, TLS backend).
    #[error("OpenFGA client configuration: {0}")]
    Config(String),
}

impl HttpError {
    /// Whether OpenFGA was unreachable (as opposed to refusing the request).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    pub fn is_rejected(&self) -> bool {
        matches!(self, Self::Rejected { .. })
    }
}
