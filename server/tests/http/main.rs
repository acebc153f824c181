//! Black-box tests of the `palette` HTTP surface: each test starts the real
//! server on port 0 over its own database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod health;
mod pages;
mod support;
