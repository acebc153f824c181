//! Use cases, one method each, grouped by aggregate.

pub mod access;
pub mod authorize;
pub mod environments;
pub mod identity;
