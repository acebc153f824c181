//! Palette's OpenID Provider checker: fetches an issuer's discovery document
//! and JWKS under an SSRF guard and limits, and reports every rule of
//! [`RULE_IDS`] as pass, warn, fail or skip with a one-line detail.
//!
//! ```no_run
//! # async fn demo() -> Result<(), palette_oidc_check::CheckerError> {
//! use palette_oidc_check::{CheckOptions, Checker};
//! let checker = Checker::new(CheckOptions::default())?;
//! let report = checker.check("https://accounts.google.com").await;
//! println!("{}", report.to_cli_json());
//! # Ok(()) }
//! ```
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod cert;
mod check;
pub mod cli;
mod compare;
pub mod fetch;
mod options;
mod report;
pub mod rules;
pub mod ssrf;

pub use check::{cert_expiry_rule, discovery_url, Checker, CERT_WARN_DAYS};
pub use compare::{compare, Comparison, MemberDiff};
pub use options::{CheckOptions, CheckerError};
pub use report::{one_line, Report, RuleResult, Status, Timings, MAX_DETAIL_CHARS};
pub use rules::discovery::{evaluate_discovery, evaluate_discovery_body};
pub use rules::issuer::evaluate_issuer_format;
pub use rules::jwks::{evaluate_jwks, evaluate_jwks_body};
pub use rules::{Policy, RULE_IDS, TLS_CERT_EXPIRY};
