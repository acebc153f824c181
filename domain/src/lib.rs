//! Palette's domain vocabulary, shared by the server and the browser.
//!
//! Every type that crosses a boundary (HTTP, database, command line) is parsed
//! here once, with a typed error, and is valid from then on.

pub mod colour;
pub mod environment;
pub mod manifest;
#[cfg(not(target_arch = "wasm32"))]
pub mod time;
pub mod user;

pub use environment::{
    Channel, EnvironmentName, EnvironmentStatus, EnvironmentSummary, NewEnvironment, Tier,
    ValidationError,
};
pub use manifest::{Manifest, ManifestEntry};
