//! Job handlers: a typed trait keyed by kind, and the registry workers use.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::FutureExt;
use serde::de::DeserializeOwned;

use super::context::JobContext;
use super::model::JobKind;

/// How a handler run can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// May work if tried again later: jobs that are not infrastructure are
    /// retried with exponential backoff while attempts remain.
    #[error("{0}")]
    Transient(String),
    /// Trying again will not help; `stopped_at` says where (`layer/phase`).
    #[error("{message}")]
    Failed {
        message: String,
        stopped_at: Option<String>,
    },
    /// Stopped because cancellation was requested.
    #[error("cancelled")]
    Cancelled { stopped_at: Option<String> },
    /// Stopped because the worker is shutting down: queued again at once.
    #[error("interrupted by worker shutdown")]
    Interrupted,
    /// Another worker owns the job now; nothing more may be written.
    #[error("lease lost")]
    LeaseLost,
}

impl JobError {
    pub fn failed(message: impl Into<String>) -> Self {
        Self::Failed {
            message: message.into(),
            stopped_at: None,
        }
    }
}

impl From<super::fence::LeaseError> for JobError {
    fn from(err: super::fence::LeaseError) -> Self {
        match err {
            super::fence::LeaseError::LeaseLost => Self::LeaseLost,
            super::fence::LeaseError::Store(e) => Self::Transient(format!("database: {e}")),
        }
    }
}

impl From<crate::store::StoreError> for JobError {
    fn from(err: crate::store::StoreError) -> Self {
        Self::Transient(format!("database: {err}"))
    }
}

/// A kind of background job: its payload is `Self`, its dependencies
/// `Context` (handed over once, at registration).
pub trait BackgroundJob: DeserializeOwned + Send + 'static {
    const KIND: JobKind;
    type Context: Clone + Send + Sync + 'static;

    fn run(
        self,
        ctx: JobContext,
        deps: Self::Context,
    ) -> impl Future<Output = Result<(), JobError>> + Send;
}

type RunFn = Arc<
    dyn Fn(serde_json::Value, JobContext) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync,
>;

/// The handlers a worker pool runs, by kind. Workers claim only kinds they
/// have a handler for.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<JobKind, RunFn>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.kinds())
            .finish()
    }
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `J` with its dependencies; a later registration of the same
    /// kind replaces the earlier one.
    #[must_use]
    pub fn register<J: BackgroundJob>(mut self, deps: J::Context) -> Self {
        let run: RunFn = Arc::new(move |payload, ctx| {
            let deps = deps.clone();
            async move {
                let job: J = serde_json::from_value(payload)
                    .map_err(|e| JobError::failed(format!("invalid {} payload: {e}", J::KIND)))?;
                job.run(ctx, deps).await
            }
            .boxed()
        });
        self.handlers.insert(J::KIND, run);
        self
    }

    pub fn kinds(&self) -> Vec<JobKind> {
        let mut kinds: Vec<JobKind> = self.handlers.keys().copied().collect();
        kinds.sort_by_key(|k| k.as_str());
        kinds
    }

    pub(crate) fn get(&self, kind: JobKind) -> Option<RunFn> {
        self.handlers.get(&kind).cloned()
    }
}
