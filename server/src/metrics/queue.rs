//! The job queue in Prometheus text: depth and running jobs by kind (from
//! the database, so every process reports the whole queue), and this
//! process's attempt counters and job and step duration histograms.

use std::fmt::Write;

use engine::queue::{Histogram, MetricsSnapshot, QueueStats, BUCKETS};

/// OpenMetrics lines for the queue (without the closing `# EOF`).
pub fn render(stats: &QueueStats, snapshot: Option<&MetricsSnapshot>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP palette_jobs_queued Jobs waiting to run, by kind."
    );
    let _ = writeln!(out, "# TYPE palette_jobs_queued gauge");
    for (kind, n) in &stats.queued {
        let _ = writeln!(out, "palette_jobs_queued{{kind=\"{}\"}} {n}", kind.as_str());
    }
    let _ = writeln!(
        out,
        "# HELP palette_jobs_running Jobs running now, by kind."
    );
    let _ = writeln!(out, "# TYPE palette_jobs_running gauge");
    for (kind, n) in &stats.running {
        let _ = writeln!(
            out,
            "palette_jobs_running{{kind=\"{}\"}} {n}",
            kind.as_str()
        );
    }
    let Some(snapshot) = snapshot else { return out };
    let _ = writeln!(out, "# HELP palette_job_attempts Finished job attempts by kind and outcome (failures included).");
    let _ = writeln!(out, "# TYPE palette_job_attempts counter");
    for (kind, outcomes) in &snapshot.attempts {
        for (outcome, n) in outcomes {
            let outcome = serde_json::to_value(outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "palette_job_attempts_total{{kind=\"{}\",outcome=\"{outcome}\"}} {n}",
                kind.as_str()
            );
        }
    }
    histogram(
        &mut out,
        "palette_job_duration_seconds",
        "Job attempt durations by kind.",
        snapshot
            .job_seconds
            .iter()
            .map(|(k, h)| (format!("kind=\"{}\"", k.as_str()), h)),
    );
    histogram(
        &mut out,
        "palette_job_step_duration_seconds",
        "Layer step durations by phase.",
        snapshot
            .step_seconds
            .iter()
            .map(|(p, h)| (format!("phase=\"{}\"", p.as_str()), h)),
    );
    out
}

fn histogram<'a>(
    out: &mut String,
    name: &str,
    help: &str,
    series: impl Iterator<Item = (String, &'a Histogram)>,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} histogram");
    for (labels, h) in series {
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += h.counts.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", h.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", h.count);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use engine::queue::{JobKind, Metrics, Outcome};

    use super::*;

    #[test]
    fn queue_depth_attempts_and_cumulative_buckets_are_exported() {
        let mut stats = QueueStats::default();
        stats.queued.insert(JobKind::EnvironmentApply, 3);
        stats.running.insert(JobKind::OidcCheck, 1);
        let metrics = Metrics::default();
        metrics.observe_attempt(JobKind::EnvironmentApply, Outcome::Failed, 0.2);
        metrics.observe_attempt(JobKind::EnvironmentApply, Outcome::Succeeded, 20.0);
        let text = render(&stats, Some(&metrics.snapshot()));
        assert!(
            text.contains("palette_jobs_queued{kind=\"environment.apply\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("palette_jobs_running{kind=\"oidc.check\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "palette_job_attempts_total{kind=\"environment.apply\",outcome=\"failed\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "palette_job_duration_seconds_bucket{kind=\"environment.apply\",le=\"0.5\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "palette_job_duration_seconds_bucket{kind=\"environment.apply\",le=\"60\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains("palette_job_duration_seconds_count{kind=\"environment.apply\"} 2"),
            "{text}"
        );
    }
}
