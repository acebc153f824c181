//! In-process counters and duration histograms of one worker pool, as plain
//! data the server exports (Prometheus text or anything else).

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

use super::model::{JobKind, Phase};

/// Upper bounds (seconds) of the duration histogram buckets; a last,
/// implicit bucket is `+Inf`.
pub const BUCKETS: &[f64] = &[
    0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0,
];

/// A cumulative-friendly histogram: `counts[i]` counts observations in
/// bucket `i` only (not cumulative); `counts[BUCKETS.len()]` is `+Inf`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    pub counts: Vec<u64>,
    pub sum: f64,
    pub count: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: vec![0; BUCKETS.len() + 1],
            sum: 0.0,
            count: 0,
        }
    }
}

impl Histogram {
    pub fn observe(&mut self, seconds: f64) {
        let index = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        if let Some(slot) = self.counts.get_mut(index) {
            *slot += 1;
        }
        self.sum += seconds;
        self.count += 1;
    }
}

/// How an attempt ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    Failed,
    Retried,
    Cancelled,
    Released,
    LeaseLost,
    Panicked,
}

/// A copy of the metrics at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    /// Finished attempts by kind and outcome.
    pub attempts: BTreeMap<JobKind, BTreeMap<Outcome, u64>>,
    /// Attempt durations by kind.
    pub job_seconds: BTreeMap<JobKind, Histogram>,
    /// Step durations by phase.
    pub step_seconds: BTreeMap<Phase, Histogram>,
}

/// The pool's metrics; shared by its workers.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<MetricsSnapshot>,
}

impl Metrics {
    pub fn observe_attempt(&self, kind: JobKind, outcome: Outcome, seconds: f64) {
        if let Ok(mut m) = self.inner.lock() {
            *m.attempts
                .entry(kind)
                .or_default()
                .entry(outcome)
                .or_default() += 1;
            m.job_seconds.entry(kind).or_default().observe(seconds);
        }
    }

    pub fn observe_step(&self, phase: Phase, seconds: f64) {
        if let Ok(mut m) = self.inner.lock() {
            m.step_seconds.entry(phase).or_default().observe(seconds);
        }
    }

    pub fn snapshot(&self) -> MetricsSnapshot {
        self.inner.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_that_holds_them() {
        let mut h = Histogram::default();
        h.observe(0.2);
        h.observe(7200.0);
        assert_eq!(h.counts[3], 1);
        assert_eq!(h.counts[BUCKETS.len()], 1);
        assert_eq!(h.count, 2);
    }
}
