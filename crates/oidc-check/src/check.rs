//! The [`Checker`]: fetches discovery and JWKS under the guard and runs
//! every rule. Never fails: every problem becomes a rule result.

use std::sync::Arc;
use std::time::Instant;

use reqwest::{Certificate, Client};
use serde_json::Value;
use url::Url;

use crate::fetch::{build_client, fetch, FetchPolicy, Fetched};
use crate::options::{CheckOptions, CheckerError};
use crate::report::{Report, RuleResult, Timings};
use crate::rules::discovery::{evaluate_discovery, evaluate_discovery_body};
use crate::rules::issuer::{document_issuer_format, evaluate_issuer_format};
use crate::rules::jwks::{evaluate_jwks, evaluate_jwks_body};
use crate::rules::{
    Policy, RuleSet, DISCOVERY_FETCH, ISSUER_FORMAT, JWKS_FETCH, RULE_IDS, TLS_CERT_EXPIRY,
};
use crate::ssrf::AddrPolicy;

/// Days before expiry from which `tls-cert-expiry` warns.
pub const CERT_WARN_DAYS: i64 = 14;

/// Checks OpenID Providers. Cheap to clone; builds its HTTP client once.
#[derive(Debug, Clone)]
pub struct Checker {
    client: Client,
    fetch: Arc<FetchPolicy>,
}

impl Checker {
    pub fn new(options: CheckOptions) -> Result<Self, CheckerError> {
        let policy = FetchPolicy {
            allow_http: options.allow_http,
            addrs: AddrPolicy {
                allow_private: options.allow_private_network,
                trusted: Vec::new(),
            },
            timeout: options.timeout,
            max_body_bytes: options.max_body_bytes,
            max_redirects: options.max_redirects,
        };
        let roots = match &options.ca_file {
            Some(path) => read_ca_file(path)?,
            None => Vec::new(),
        };
        Ok(Self {
            client: build_client(&policy, roots).map_err(CheckerError::Client)?,
            fetch: Arc::new(policy),
        })
    }

    /// Checks one issuer; every rule of [`RULE_IDS`] is in the report.
    #[tracing::instrument(skip_all, fields(issuer = %issuer))]
    pub async fn check(&self, issuer: &str) -> Report {
        let start = Instant::now();
        let issuer = issuer.trim().to_owned();
        let policy = Policy {
            allow_http: self.fetch.allow_http,
        };
        let mut run = Run::default();
        run.rules.set(evaluate_issuer_format(&issuer, &policy));

        let discovery = self.discovery(&issuer, &policy, &mut run).await;
        run.rules.skip_unset(
            &RULE_IDS[..JWKS_FETCH_INDEX],
            "discovery document unavailable",
        );
        let jwks = match &discovery {
            Some(doc) => self.jwks(doc, &mut run).await,
            None => None,
        };
        run.rules.skip_unset(RULE_IDS, "JWKS unavailable");
        if let Some((days, host)) = &run.cert {
            run.rules.set(cert_expiry_rule(*days, host));
        }
        run.timings.total = millis(start);
        let report = Report::new(
            issuer,
            run.rules.into_ordered(),
            run.timings,
            run.cert.map(|(days, _)| days),
            discovery,
            jwks,
        );
        tracing::debug!(
            ok = report.ok,
            total_ms = report.timings_ms.total,
            "oidc check done"
        );
        report
    }

    async fn discovery(&self, issuer: &str, policy: &Policy, run: &mut Run) -> Option<Value> {
        let url = match discovery_url(issuer) {
            Ok(url) => url,
            Err(why) => {
                run.rules.set(RuleResult::fail(DISCOVERY_FETCH, why));
                return None;
            }
        };
        let fetched = self.fetch_into(DISCOVERY_FETCH, &url, run).await?;
        run.timings.discovery = Some(fetched.elapsed.as_millis().try_into().unwrap_or(u64::MAX));
        let (json_rule, doc) =
            evaluate_discovery_body(&fetched.body, fetched.content_type.as_deref());
        run.rules.set(json_rule);
        let doc = doc?;
        run.rules.extend(evaluate_discovery(issuer, &doc, policy));
        let asked_failed = run
            .rules
            .get(ISSUER_FORMAT)
            .is_some_and(|r| r.status == crate::Status::Fail);
        if let Some(rule) = document_issuer_format(issuer, &doc, policy) {
            if !asked_failed {
                run.rules.set(rule);
            }
        }
        Some(doc)
    }

    async fn jwks(&self, doc: &Value, run: &mut Run) -> Option<Value> {
        let Some(uri) = doc.get("jwks_uri").and_then(Value::as_str) else {
            run.rules.set(RuleResult::skip(
                JWKS_FETCH,
                "jwks_uri missing or not a string",
            ));
            return None;
        };
        let fetched = self.fetch_into(JWKS_FETCH, uri, run).await?;
        run.timings.jwks = Some(fetched.elapsed.as_millis().try_into().unwrap_or(u64::MAX));
        let (mut rule, jwks) = evaluate_jwks_body(&fetched.body);
        if rule.status == crate::Status::Pass {
            rule = RuleResult::pass(
                JWKS_FETCH,
                format!("{}: {}", rule.detail, describe(&fetched)),
            );
        }
        run.rules.set(rule);
        let jwks = jwks?;
        run.rules.extend(evaluate_jwks(&jwks, Some(doc)));
        Some(jwks)
    }

    /// Fetches `url`, recording the fetch rule on failure (or a pass on a
    /// 200, which a later body rule may refine) and the certificate expiry.
    async fn fetch_into(&self, rule: &str, url: &str, run: &mut Run) -> Option<Fetched> {
        match fetch(&self.client, &self.fetch, url).await {
            Err(e) => {
                run.rules.set(RuleResult::fail(rule, e.to_string()));
                None
            }
            Ok(f) => {
                if let Some(days) = f.cert_days_left {
                    let host = f.final_url.host_str().unwrap_or_default().to_owned();
                    if run.cert.as_ref().is_none_or(|(d, _)| days < *d) {
                        run.cert = Some((days, host));
                    }
                }
                if f.status != 200 {
                    run.rules.set(RuleResult::fail(
                        rule,
                        format!("HTTP {} from {}", f.status, f.final_url),
                    ));
                    return None;
                }
                run.rules.set(RuleResult::pass(rule, describe(&f)));
                Some(f)
            }
        }
    }
}

const JWKS_FETCH_INDEX: usize = 10;

#[derive(Debug, Default)]
struct Run {
    rules: RuleSet,
    timings: Timings,
    cert: Option<(i64, String)>,
}

fn millis(start: Instant) -> u64 {
    start.elapsed().as_millis().try_into().unwrap_or(u64::MAX)
}

fn describe(f: &Fetched) -> String {
    let redirects = match f.redirects {
        0 => String::new(),
        n => format!(" after {n} redirects"),
    };
    format!(
        "HTTP 200 in {} ms, {} bytes{redirects}",
        f.elapsed.as_millis(),
        f.body.len()
    )
}

/// `ISSUER/.well-known/openid-configuration`, one trailing slash of the
/// issuer stripped (Discovery §4); any query or fragment is dropped (and
/// failed by `issuer-format`).
pub fn discovery_url(issuer: &str) -> Result<String, String> {
    let mut url = Url::parse(issuer)
        .map_err(|e| format!("issuer is not an absolute URL ({e}); nothing fetched"))?;
    url.set_query(None);
    url.set_fragment(None);
    let base = url.as_str();
    Ok(format!(
        "{}/.well-known/openid-configuration",
        base.strip_suffix('/').unwrap_or(base)
    ))
}

/// The extra `tls-cert-expiry` rule.
pub fn cert_expiry_rule(days: i64, host: &str) -> RuleResult {
    if days < 0 {
        RuleResult::fail(
            TLS_CERT_EXPIRY,
            format!("certificate of {host} expired {} days ago", -days),
        )
    } else if days < CERT_WARN_DAYS {
        RuleResult::warn(
            TLS_CERT_EXPIRY,
            format!("certificate of {host} expires in {days} days"),
        )
    } else {
        RuleResult::pass(
            TLS_CERT_EXPIRY,
            format!("certificate of {host} expires in {days} days"),
        )
    }
}

fn read_ca_file(path: &std::path::Path) -> Result<Vec<Certificate>, CheckerError> {
    let pem = std::fs::read(path).map_err(|source| CheckerError::CaFileRead {
        path: path.to_owned(),
        source,
    })?;
    let certs =
        Certificate::from_pem_bundle(&pem).map_err(|source| CheckerError::CaFileInvalid {
            path: path.to_owned(),
            source,
        })?;
    if certs.is_empty() {
        return Err(CheckerError::CaFileEmpty {
            path: path.to_owned(),
        });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn discovery_url_appends_to_issuer_path_and_strips_one_slash() {
        assert_eq!(
            discovery_url("https://id.example.com").unwrap(),
            "https://id.example.com/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("https://id.example.com/").unwrap(),
            "https://id.example.com/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("https://id.example.com/realms/a").unwrap(),
            "https://id.example.com/realms/a/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("https://id.example.com/tenant/").unwrap(),
            "https://id.example.com/tenant/.well-known/openid-configuration"
        );
        assert!(discovery_url("/relative").is_err());
    }

    #[test]
    fn discovery_rules_are_exactly_those_before_jwks_fetch() {
        assert_eq!(RULE_IDS[JWKS_FETCH_INDEX], JWKS_FETCH);
    }

    #[test]
    fn cert_expiry_warns_under_14_days_and_fails_when_expired() {
        assert_eq!(cert_expiry_rule(30, "h").status, crate::Status::Pass);
        assert_eq!(cert_expiry_rule(14, "h").status, crate::Status::Pass);
        assert_eq!(cert_expiry_rule(13, "h").status, crate::Status::Warn);
        assert_eq!(cert_expiry_rule(-1, "h").status, crate::Status::Fail);
    }
}
