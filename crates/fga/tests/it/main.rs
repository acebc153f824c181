//! All integration tests of the crate in one binary (one link): the
//! evaluator, models, the `.fga.yaml` runner, the real `fga` CLI and the
//! HTTP client against a fake OpenFGA server. `TEST_LOG=1` shows the
//! client's tracing output (see `docs/testing.md`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod evaluator;
mod fga_cli;
mod http_client;
mod model;
mod support;
mod yaml_runner;
