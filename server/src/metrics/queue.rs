//! The job queue's metrics:
//!
//! - `palette_jobs_queued{kind}` and `palette_jobs_running{kind}`: gauges
//!   read from the database at each scrape, so every process reports the
//!   whole queue;
//! - `palette_job_attempts_total{kind,outcome}`: this process's finished
//!   attempts (failures included);
//! - `palette_job_duration_seconds{kind}` and
//!   `palette_job_step_duration_seconds{phase}`: histograms of this
//!   process's attempt and layer step durations.
//!
//! The last three are the engine's plain counters ([`MetricsSnapshot`]),
//! encoded by [`WorkerCollector`] at each scrape.

use std::sync::Arc;

use engine::queue::{Histogram, MetricsSnapshot, Outcome, QueueStats, BUCKETS};
use engine::Engine;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, NoLabelSet};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AttemptLabels {
    kind: String,
    outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PhaseLabels {
    phase: String,
}

/// Queued and running jobs by kind, from the database.
pub struct QueueDepth {
    queued: Family<KindLabels, Gauge>,
    running: Family<KindLabels, Gauge>,
}

impl QueueDepth {
    /// Creates the families and registers them in `registry`.
    pub fn register(registry: &mut Registry) -> Self {
        let queued = Family::<KindLabels, Gauge>::default();
        let running = Family::<KindLabels, Gauge>::default();
        registry.register(
            "jobs_queued",
            "Jobs waiting to run, by kind",
            queued.clone(),
        );
        registry.register("jobs_running", "Jobs running now, by kind", running.clone());
        Self { queued, running }
    }

    /// Reads the queue's depth; a kind with no jobs has no series.
    pub async fn refresh(&self, engine: &Engine) {
        match engine.queue_stats().await {
            Ok(stats) => self.set(&stats),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read queue stats for /metrics");
                self.set(&QueueStats::default());
            }
        }
    }

    fn set(&self, stats: &QueueStats) {
        for (family, counts) in [
            (&self.queued, &stats.queued),
            (&self.running, &stats.running),
        ] {
            family.clear();
            for (kind, n) in counts {
                let labels = KindLabels {
                    kind: kind.as_str().to_owned(),
                };
                family.get_or_create(&labels).set(*n);
            }
        }
    }
}

/// Encodes one worker pool's counters and histograms at each scrape.
#[derive(Debug)]
pub struct WorkerCollector {
    workers: Arc<engine::queue::Metrics>,
}

impl WorkerCollector {
    pub fn new(workers: Arc<engine::queue::Metrics>) -> Self {
        Self { workers }
    }
}

impl Collector for WorkerCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let snapshot = self.workers.snapshot();
        encode_attempts(&mut encoder, &snapshot)?;
        encode_histograms(
            &mut encoder,
            "job_duration_seconds",
            "Job attempt durations by kind.",
            snapshot.job_seconds.iter().map(|(kind, h)| {
                let labels = KindLabels {
                    kind: kind.as_str().to_owned(),
                };
                (labels, h)
            }),
        )?;
        encode_histograms(
            &mut encoder,
            "job_step_duration_seconds",
            "Layer step durations by phase.",
            snapshot.step_seconds.iter().map(|(phase, h)| {
                let labels = PhaseLabels {
                    phase: phase.as_str().to_owned(),
                };
                (labels, h)
            }),
        )
    }
}

fn encode_attempts(
    encoder: &mut DescriptorEncoder,
    snapshot: &MetricsSnapshot,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(
        "job_attempts",
        "Finished job attempts by kind and outcome (failures included).",
        None,
        MetricType::Counter,
    )?;
    for (kind, outcomes) in &snapshot.attempts {
        for (outcome, n) in outcomes {
            let labels = AttemptLabels {
                kind: kind.as_str().to_owned(),
                outcome: outcome_label(*outcome),
            };
            let mut counter = family.encode_family(&labels)?;
            counter.encode_counter::<NoLabelSet, _, u64>(n, None)?;
        }
    }
    Ok(())
}

/// The outcome as the engine serializes it (`lease_lost`, …).
fn outcome_label(outcome: Outcome) -> String {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn encode_histograms<'a, L: EncodeLabelSet>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    series: impl Iterator<Item = (L, &'a Histogram)>,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Histogram)?;
    for (labels, histogram) in series {
        // Per-bucket counts; the encoder makes them cumulative and writes
        // the `f64::MAX` bound as `+Inf`.
        let buckets: Vec<(f64, u64)> = BUCKETS
            .iter()
            .copied()
            .chain(std::iter::once(f64::MAX))
            .zip(histogram.counts.iter().copied())
            .collect();
        family
            .encode_family(&labels)?
            .encode_histogram::<NoLabelSet>(histogram.sum, histogram.count, &buckets, None)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use engine::queue::{JobKind, Phase};

    use super::*;

    fn encoded(registry: &Registry) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, registry).unwrap();
        text
    }

    #[test]
    fn queue_depth_attempts_and_cumulative_buckets_are_exported() {
        let mut registry = Registry::with_prefix("palette");
        let depth = QueueDepth::register(&mut registry);
        let workers = Arc::new(engine::queue::Metrics::default());
        registry.register_collector(Box::new(WorkerCollector::new(workers.clone())));
        let mut stats = QueueStats::default();
        stats.queued.insert(JobKind::EnvironmentApply, 3);
        stats.running.insert(JobKind::OidcCheck, 1);
        depth.set(&stats);
        workers.observe_attempt(JobKind::EnvironmentApply, Outcome::Failed, 0.2);
        workers.observe_attempt(JobKind::EnvironmentApply, Outcome::Succeeded, 20.0);
        workers.observe_step(Phase::Plan, 7200.0);
        let text = encoded(&registry);
        for line in [
            "# TYPE palette_jobs_queued gauge",
            "palette_jobs_queued{kind=\"environment.apply\"} 3",
            "palette_jobs_running{kind=\"oidc.check\"} 1",
            "# TYPE palette_job_attempts counter",
            "palette_job_attempts_total{kind=\"environment.apply\",outcome=\"failed\"} 1",
            "# TYPE palette_job_duration_seconds histogram",
            "palette_job_duration_seconds_bucket{le=\"0.5\",kind=\"environment.apply\"} 1",
            "palette_job_duration_seconds_bucket{le=\"60.0\",kind=\"environment.apply\"} 2",
            "palette_job_duration_seconds_bucket{le=\"+Inf\",kind=\"environment.apply\"} 2",
            "palette_job_duration_seconds_count{kind=\"environment.apply\"} 2",
            "palette_job_step_duration_seconds_bucket{le=\"3600.0\",phase=\"plan\"} 0",
            "palette_job_step_duration_seconds_bucket{le=\"+Inf\",phase=\"plan\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn a_kind_that_empties_loses_its_series() {
        let mut registry = Registry::with_prefix("palette");
        let depth = QueueDepth::register(&mut registry);
        let mut stats = QueueStats::default();
        stats.queued.insert(JobKind::EnvironmentApply, 3);
        depth.set(&stats);
        depth.set(&QueueStats::default());
        let text = encoded(&registry);
        assert!(!text.contains("environment.apply"), "{text}");
        assert!(text.contains("# TYPE palette_jobs_queued gauge"), "{text}");
    }
}
