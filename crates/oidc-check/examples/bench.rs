//! Checks N local issuers with bounded concurrency and prints total time and
//! peak memory:
//!
//! `cargo run --release -p palette-oidc-check --example bench -- --issuers 500 --concurrency 32`
//!
//! The provider (a Keycloak-like discovery document and a three-key JWKS per
//! issuer) runs in-process on 127.0.0.1, on the same runtime.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use clap::Parser;
use futures::StreamExt as _;
use palette_oidc_check::{CheckOptions, Checker};

const DISCOVERY: &str = include_str!("../tests/fixtures/keycloak-discovery.json");
const JWKS: &str = include_str!("../tests/fixtures/keycloak-jwks.json");

#[derive(Debug, Parser)]
struct Args {
    /// Number of issuers served and checked.
    #[arg(long, default_value_t = 500)]
    issuers: usize,
    /// Checks in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

type Docs = Arc<HashMap<String, Bytes>>;

async fn serve(State(docs): State<Docs>, uri: Uri) -> Response {
    match docs.get(uri.path()) {
        Some(body) => ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// VmHWM (peak resident set) from /proc/self/status.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l[6..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(rank).copied().unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut docs = HashMap::new();
    let mut issuers = Vec::with_capacity(args.issuers);
    for n in 0..args.issuers {
        let prefix = format!("{base}/i/{n}");
        let path = format!("/i/{n}/realms/palette");
        docs.insert(
            format!("{path}/.well-known/openid-configuration"),
            Bytes::from(DISCOVERY.replace("{{BASE}}", &prefix)),
        );
        docs.insert(
            format!("{path}/protocol/openid-connect/certs"),
            Bytes::from(JWKS),
        );
        issuers.push(format!("{prefix}/realms/palette"));
    }
    let app = Router::new().fallback(serve).with_state(Arc::new(docs));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let checker = Checker::new(CheckOptions {
        allow_http: true,
        allow_private_network: true,
        ..CheckOptions::default()
    })?;
    let rss_before = peak_rss();
    let start = Instant::now();
    let reports: Vec<_> = futures::stream::iter(issuers.iter())
        .map(|issuer| {
            let checker = checker.clone();
            async move { checker.check(issuer).await }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect()
        .await;
    let total = start.elapsed();

    let ok = reports.iter().filter(|r| r.ok).count();
    let mut per_check: Vec<u64> = reports.iter().map(|r| r.timings_ms.total).collect();
    per_check.sort_unstable();
    println!(
        "issuers: {}, concurrency: {}",
        args.issuers, args.concurrency
    );
    println!("ok: {ok}/{}", reports.len());
    println!(
        "total: {} ms ({:.0} checks/s)",
        total.as_millis(),
        reports.len() as f64 / total.max(Duration::from_micros(1)).as_secs_f64()
    );
    println!(
        "per check (discovery + JWKS): p50 {} ms, p95 {} ms, max {} ms",
        percentile(&per_check, 0.5),
        percentile(&per_check, 0.95),
        per_check.last().copied().unwrap_or(0)
    );
    println!(
        "peak memory (VmHWM): {} (before checks: {rss_before})",
        peak_rss()
    );
    if ok != reports.len() {
        if let Some(bad) = reports.iter().find(|r| !r.ok) {
            eprintln!("first failing report: {}", bad.to_cli_json());
        }
        std::process::exit(1);
    }
    Ok(())
}
