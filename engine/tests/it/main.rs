//! All integration tests of the engine in one binary (one link): storage
//! contract tests, the queue and the layer runner against SQLite and
//! PostgreSQL, authorization and OIDC checks. `TEST_LOG=1` shows the
//! engine's tracing output (see `docs/testing.md`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod authz;
mod oidc_checks;
mod openfga;
mod promotions;
mod queue;
mod releases;
mod resilience;
mod runner;
mod runner_terraform;
mod store;
mod support;
