//! Black-box tests of the `palette` HTTP surface: each test starts the real
//! server on port 0 over its own database, in this process: `TEST_LOG=1`
//! shows its tracing output (see `docs/testing.md`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod api;
mod assets;
mod auth;
mod blueprint;
mod browser;
mod health;
mod hydra;
mod matrix;
mod notifications;
mod oidc_checks;
mod openfga;
mod overview;
mod pages;
mod parity;
mod prefix;
mod promotions;
mod proxy;
mod refusals;
mod releases;
mod resilience;
mod security;
mod support;
mod traefik;
mod ui;
