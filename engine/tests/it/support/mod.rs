//! Helpers shared by the engine's tests.

pub mod model_file;
pub mod oidc_provider;
pub mod queue;
