//! Use cases, one method each, grouped by aggregate.

pub mod environments;
pub mod identity;
