//! What a handler gets: the job, its fenced write API and its stop signals.

use std::future::Future;
use std::sync::Arc;

use super::fence::{self, Lease, LeaseError, StepUpdate};
use super::logs::LogSink;
use super::metrics::Metrics;
use super::model::{JobId, JobKind, Phase};
use super::persist::{self, LeaseClock};
use super::stop::{StopReason, StopSignals};
use crate::store::Store;

/// The job a handler runs, and everything it may do with it.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub(crate) store: Store,
    pub(crate) lease: Lease,
    pub(crate) kind: JobKind,
    pub(crate) attempt: i64,
    pub(crate) actor: String,
    pub(crate) environment: Option<String>,
    pub(crate) logs: LogSink,
    pub(crate) stop: StopSignals,
    pub(crate) clock: LeaseClock,
    pub(crate) metrics: Arc<Metrics>,
}

impl JobContext {
    pub fn id(&self) -> JobId {
        self.lease.job
    }

    pub fn kind(&self) -> JobKind {
        self.kind
    }

    /// 1 on the first claim, 2 on the next, …
    pub fn attempt(&self) -> i64 {
        self.attempt
    }

    /// Who asked for the job.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    /// The database, for reads and for writes that are not about this job.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn lease(&self) -> Lease {
        self.lease
    }

    /// Queues a log line; it is stored within ~100 ms, fenced by the lease.
    pub fn log(&self, step: Option<i64>, line: impl Into<String>) {
        self.logs.line(step, line);
    }

    /// Waits until every queued log line is stored.
    pub async fn flush_logs(&self) {
        self.logs.flush().await;
    }

    /// Creates the job's steps unless an earlier attempt did.
    pub async fn ensure_steps(&self, steps: &[(String, Phase)]) -> Result<(), LeaseError> {
        self.persist("the job's steps", || {
            fence::ensure_steps(&self.store, self.lease, steps)
        })
        .await
    }

    /// Updates one step (fenced).
    pub async fn update_step(&self, position: i64, update: &StepUpdate) -> Result<(), LeaseError> {
        self.persist("a step", || {
            fence::update_step(&self.store, self.lease, position, update)
        })
        .await
    }

    /// Runs `op` (a read, or a write through [`JobContext::begin_fenced`])
    /// until it succeeds, fails for another reason than an unreachable
    /// database, or the lease runs out — then the job must stop
    /// ([`LeaseError::LeaseLost`]). Every try must be safe to repeat.
    pub async fn persist<T, F, Fut>(&self, what: &str, op: F) -> Result<T, LeaseError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, LeaseError>>,
    {
        let result =
            persist::persist(&self.clock, &self.stop.lease_lost, self.lease.job, what, op).await;
        self.fence(result)
    }

    /// The stop signals: cancellation, lease lost, worker shutdown.
    /// A transaction in which this worker's lease is known to be current:
    /// a handler's own writes (a check's result, a promotion's state) go
    /// through it, so a worker that lost the job changes nothing.
    pub async fn begin_fenced(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, LeaseError> {
        fence::fenced(&self.store, self.lease).await
    }

    pub fn stop_signals(&self) -> &StopSignals {
        &self.stop
    }

    /// Why the job must stop now, if it must.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stop.reason()
    }

    /// Completes when the job must stop, with the reason.
    pub async fn stopped(&self) -> StopReason {
        self.stop.stopped().await
    }

    /// Records how long a step took, for the metrics.
    pub fn observe_step(&self, phase: Phase, seconds: f64) {
        self.metrics.observe_step(phase, seconds);
    }

    fn fence<T>(&self, result: Result<T, LeaseError>) -> Result<T, LeaseError> {
        if matches!(result, Err(LeaseError::LeaseLost)) {
            self.stop.lease_lost.raise();
        }
        result
    }
}
