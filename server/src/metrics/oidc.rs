//! OIDC check metrics, refreshed from the newest stored results at each
//! scrape (checks may run in another process):
//!
//! - `palette_oidc_check_status{environment,rule}`: gauge, 1 pass, 0.5 warn,
//!   0 fail, -1 skip, from each environment's newest check;
//! - `palette_oidc_check_duration_seconds{environment,phase}`: histogram of
//!   check latencies (`phase` = `discovery`, `jwks` or `total`); each result
//!   is observed once per process, when a scrape first sees it.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use engine::{Actor, Engine};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RuleLabels {
    pub environment: String,
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct PhaseLabels {
    pub environment: String,
    pub phase: String,
}

/// The OIDC check families and the results already observed.
pub struct OidcMetrics {
    status: Family<RuleLabels, Gauge<f64, AtomicU64>>,
    duration: Family<PhaseLabels, Histogram>,
    /// Per environment, the id of the newest result observed.
    seen: Mutex<HashMap<String, i64>>,
}

impl OidcMetrics {
    /// Creates the families and registers them in `registry`.
    pub fn register(registry: &mut Registry) -> Self {
        let status = Family::<RuleLabels, Gauge<f64, AtomicU64>>::default();
        let duration = Family::<PhaseLabels, Histogram>::new_with_constructor(|| {
            // 5 ms … ~20 s
            Histogram::new(exponential_buckets(0.005, 2.0, 13))
        });
        registry.register(
            "oidc_check_status",
            "Newest OIDC check result per rule: 1 pass, 0.5 warn, 0 fail, -1 skip",
            status.clone(),
        );
        registry.register(
            "oidc_check_duration_seconds",
            "OIDC check latency by phase (discovery, jwks, total)",
            duration.clone(),
        );
        Self {
            status,
            duration,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Reads the newest results (as the system) and updates the families.
    pub async fn refresh(&self, engine: &Engine) {
        let latest = match engine.latest_oidc_checks(&Actor::system("metrics")).await {
            Ok(latest) => latest,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read OIDC check results for the metrics");
                return;
            }
        };
        self.status.clear();
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        for row in latest.rows {
            let Some(check) = row.check else { continue };
            let environment = row.environment.to_string();
            for rule in &check.rules {
                let labels = RuleLabels {
                    environment: environment.clone(),
                    rule: rule.id.clone(),
                };
                self.status
                    .get_or_create(&labels)
                    .set(rule.status.gauge_value());
            }
            // A check is observed once: the newest one is known by its time.
            if seen.insert(environment.clone(), check.at) == Some(check.at) {
                continue;
            }
            let t = check.timings_ms;
            let phases = [
                ("discovery", t.discovery),
                ("jwks", t.jwks),
                ("total", Some(t.total)),
            ];
            for (phase, ms) in phases {
                let Some(ms) = ms else { continue };
                let labels = PhaseLabels {
                    environment: environment.clone(),
                    phase: phase.to_owned(),
                };
                #[allow(clippy::cast_precision_loss)]
                let seconds = ms as f64 / 1000.0;
                self.duration.get_or_create(&labels).observe(seconds);
            }
        }
    }
}
