//! Helpers shared by the engine's tests.

pub mod oidc_provider;
pub mod queue;
