//! Use cases, one method each, grouped by aggregate.

pub mod access;
pub mod authorize;
pub mod environment_detail;
pub mod environment_ops;
pub mod environments;
pub mod identity;
pub mod jobs;
pub mod notifications;
pub mod oidc_checks;
pub mod operations;
pub mod overview;
pub mod promotions;
pub mod releases;
pub mod sessions;
