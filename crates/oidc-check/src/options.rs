//! Options of a [`crate::Checker`] and the errors of building one.

use std::path::PathBuf;
use std::time::Duration;

/// What a checker may fetch and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOptions {
    /// Accept `http` issuers, endpoints and redirect hops (development only).
    pub allow_http: bool,
    /// Connect to loopback, private, link-local, unique-local, CGNAT,
    /// multicast and unspecified addresses (refused by default).
    pub allow_private_network: bool,
    /// Extra trusted CA certificates (PEM) on top of the system roots.
    pub ca_file: Option<PathBuf>,
    /// Whole-fetch timeout (all redirect hops and the body), per fetch.
    pub timeout: Duration,
    /// Body cap per fetch; reading stops past it.
    pub max_body_bytes: usize,
    /// Redirects followed per fetch.
    pub max_redirects: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            allow_http: false,
            allow_private_network: false,
            ca_file: None,
            timeout: Duration::from_secs(10),
            max_body_bytes: 1024 * 1024,
            max_redirects: 3,
        }
    }
}

/// Why a [`crate::Checker`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CheckerError {
    #[error("cannot read CA file {path}: {source}")]
    CaFileRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("CA file {path} is not a PEM certificate bundle: {source}")]
    CaFileInvalid {
        path: PathBuf,
        #[source]
        source: reqwest::Error,
    },
    #[error("CA file {path} holds no PEM certificate")]
    CaFileEmpty { path: PathBuf },
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}
