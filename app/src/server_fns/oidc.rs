//! OIDC endpoint checks: the matrix, one environment's newest result,
//! latency series, comparisons, and asking for a check. Each function calls
//! one engine method.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::error::UiError;

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleView {
    pub id: String,
    /// `pass`, `warn`, `fail` or `skip`.
    pub status: String,
    pub detail: String,
}

/// One stored check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckView {
    pub at: i64,
    /// `pass`, `warn` or `fail`.
    pub status: String,
    pub rules: Vec<RuleView>,
    pub total_ms: u64,
    pub trigger: String,
}

/// The matrix: every visible environment with its newest check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcMatrix {
    /// The rule ids, in report order (the matrix columns).
    pub rules: Vec<String>,
    pub rows: Vec<(String, Option<CheckView>)>,
}

/// One check's timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyView {
    pub at: i64,
    pub ok: bool,
    pub discovery_ms: Option<i64>,
    pub jwks_ms: Option<i64>,
    pub total_ms: i64,
}

/// An environment's timings over the last seven days, and the server's
/// clock, so the browser draws the same chart as the server did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencySeries {
    pub now: i64,
    pub points: Vec<LatencyView>,
}

/// What differs between two environments' discovery documents and keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparisonView {
    pub a_issuer: String,
    pub b_issuer: String,
    pub members_only_in_a: Vec<String>,
    pub members_only_in_b: Vec<String>,
    /// (member, value in a, value in b), values as JSON text.
    pub members_differing: Vec<(String, String, String)>,
    pub signing_algs_only_in_a: Vec<String>,
    pub signing_algs_only_in_b: Vec<String>,
    pub key_types_only_in_a: Vec<String>,
    pub key_types_only_in_b: Vec<String>,
    pub kids_only_in_a: Vec<String>,
    pub kids_only_in_b: Vec<String>,
}

#[cfg(feature = "ssr")]
fn env_name(name: &str) -> Result<domain::EnvironmentName, UiError> {
    domain::EnvironmentName::parse(name).map_err(|e| engine::Error::invalid(e).into())
}

#[cfg(feature = "ssr")]
fn check_view(record: engine::oidc::OidcCheckRecord) -> CheckView {
    CheckView {
        at: record.at,
        status: engine::oidc::overall(&record.report).as_str().to_owned(),
        total_ms: record.report.timings_ms.total,
        trigger: record.trigger.as_str().to_owned(),
        rules: record
            .report
            .rules
            .into_iter()
            .map(|r| RuleView {
                id: r.id,
                status: r.status.as_str().to_owned(),
                detail: r.detail,
            })
            .collect(),
    }
}

/// Every environment the caller may view, with its newest check.
#[server(prefix = "/_fn", endpoint = "oidc_overview", input = GetUrl)]
pub async fn oidc_overview() -> Result<OidcMatrix, UiError> {
    let engine = super::context::engine()?;
    let rows = engine.latest_oidc_checks(&super::context::actor()).await?;
    let mut rules: Vec<String> = engine::oidc::RULE_IDS
        .iter()
        .map(|r| (*r).to_owned())
        .collect();
    rules.push(engine::oidc::TLS_CERT_EXPIRY.to_owned());
    Ok(OidcMatrix {
        rules,
        rows: rows
            .into_iter()
            .map(|(env, record)| (env.to_string(), record.map(check_view)))
            .collect(),
    })
}

/// The newest check of `env`, if it has one.
#[server(prefix = "/_fn", endpoint = "latest_oidc_check", input = GetUrl)]
pub async fn latest_oidc_check(env: String) -> Result<Option<CheckView>, UiError> {
    let engine = super::context::engine()?;
    let records = engine
        .oidc_check_history(&super::context::actor(), &env_name(&env)?, 1)
        .await?;
    Ok(records.into_iter().next().map(check_view))
}

/// Queues a check of `env`; returns the job's id.
#[server(prefix = "/_fn", endpoint = "request_oidc_check")]
pub async fn request_oidc_check(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    env: String,
) -> Result<i64, UiError> {
    let engine = super::context::engine()?;
    let job = engine
        .request_oidc_check(&super::context::actor(), &env_name(&env)?)
        .await?;
    Ok(job.0)
}

/// `env`'s check timings over the last seven days.
#[server(prefix = "/_fn", endpoint = "oidc_latency", input = GetUrl)]
pub async fn oidc_latency(env: String) -> Result<LatencySeries, UiError> {
    const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;
    let engine = super::context::engine()?;
    let now = engine::store::now_ms();
    let points = engine
        .oidc_check_series(&super::context::actor(), &env_name(&env)?, now - WEEK_MS)
        .await?;
    Ok(LatencySeries {
        now,
        points: points
            .into_iter()
            .map(|p| LatencyView {
                at: p.at,
                ok: p.ok,
                discovery_ms: p.discovery_ms,
                jwks_ms: p.jwks_ms,
                total_ms: p.total_ms,
            })
            .collect(),
    })
}

/// What differs between the newest checks of `a` and `b`.
#[server(prefix = "/_fn", endpoint = "compare_oidc", input = GetUrl)]
pub async fn compare_oidc(a: String, b: String) -> Result<ComparisonView, UiError> {
    let engine = super::context::engine()?;
    let c = engine
        .compare_oidc(&super::context::actor(), &env_name(&a)?, &env_name(&b)?)
        .await?;
    Ok(ComparisonView {
        a_issuer: c.a_issuer,
        b_issuer: c.b_issuer,
        members_only_in_a: c.members_only_in_a,
        members_only_in_b: c.members_only_in_b,
        members_differing: c
            .members_differing
            .into_iter()
            .map(|d| (d.member, d.a.to_string(), d.b.to_string()))
            .collect(),
        signing_algs_only_in_a: c.signing_algs_only_in_a,
        signing_algs_only_in_b: c.signing_algs_only_in_b,
        key_types_only_in_a: c.key_types_only_in_a,
        key_types_only_in_b: c.key_types_only_in_b,
        kids_only_in_a: c.kids_only_in_a,
        kids_only_in_b: c.kids_only_in_b,
    })
}
