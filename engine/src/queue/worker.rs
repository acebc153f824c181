//! The worker pool: one dispatcher task claims jobs while it has free
//! slots and runs each on its own task. A slot whose job succeeded claims
//! its next job in the statement that records the success, and goes on
//! without the dispatcher: one round trip per job while the queue is busy.
//!
//! It sleeps until something can be due: a bell (enqueue, finish, retry,
//! or a PostgreSQL notification), a freed slot, the earliest future
//! `run_at` or lease expiry, or the slow fallback poll. After a bell that
//! found nothing it looks again a few times within half a second, because
//! an in-process bell can ring before the enqueueing transaction commits.
//! An idle pool therefore makes one query per `poll` interval.

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::claim::{claim, next_due, reclaim_expired, Claimed};
use super::config::WorkerConfig;
use super::execute::{execute, Chain};
use super::finish::Finisher;
use super::job::Registry;
use super::metrics::Metrics;
use super::model::JobKind;
use super::signal;
use super::stop::Flag;
use crate::store::{now_ms, Backend, Store};

const RECHECKS: &[u64] = &[10, 50, 150, 400];

/// A running worker pool. Stop it with [`Workers::drain`] or
/// [`Workers::shutdown`].
#[derive(Debug)]
pub struct Workers {
    /// Raised first: claim nothing more.
    draining: Flag,
    /// Raised when running jobs must stop (their layers get SIGINT).
    shutdown: Flag,
    dispatcher: JoinHandle<()>,
    listener: Option<JoinHandle<()>>,
    metrics: Arc<Metrics>,
}

impl Workers {
    /// Starts `config.workers` workers for the kinds in `registry`.
    pub fn start(store: Store, registry: Registry, config: WorkerConfig) -> Self {
        let draining = Flag::new();
        let shutdown = Flag::new();
        let metrics = Arc::new(Metrics::default());
        let listener = match (&config.listen_url, store.backend()) {
            (Some(url), Backend::Postgres) => Some(tokio::spawn(super::listen::listen(
                url.clone(),
                draining.clone(),
            ))),
            _ => None,
        };
        let dispatcher = Dispatcher {
            store,
            registry,
            config: Arc::new(config),
            metrics: Arc::clone(&metrics),
            draining: draining.clone(),
            shutdown: shutdown.clone(),
        };
        Self {
            draining,
            shutdown,
            dispatcher: tokio::spawn(dispatcher.run()),
            listener,
            metrics,
        }
    }

    /// The pool's in-process counters and histograms.
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.metrics)
    }

    /// Stops claiming, asks running jobs to stop (their children get SIGINT,
    /// then SIGKILL after the cancel grace) and waits up to `grace` for
    /// them; stopped jobs are queued again for any worker to resume.
    pub async fn shutdown(self, grace: Duration) {
        self.drain(Duration::ZERO, grace).await;
    }

    /// A rolling restart: claims nothing more and lets running jobs finish
    /// for up to `drain`; then stops the rest as [`Workers::shutdown`] does
    /// (SIGINT to their layers, SIGKILL after the cancel grace, waiting up
    /// to `grace`). A stopped job goes back to the queue, not counted as an
    /// attempt, and another worker resumes it at the layer it was in.
    pub async fn drain(mut self, drain: Duration, grace: Duration) {
        self.draining.raise();
        if !drain.is_zero() {
            tracing::info!(
                drain_secs = drain.as_secs(),
                "draining: no new jobs; running ones may finish"
            );
        }
        if tokio::time::timeout(drain, &mut self.dispatcher)
            .await
            .is_err()
        {
            tracing::warn!(
                "interrupting the running jobs; they go back to the queue and resume on another worker"
            );
            self.shutdown.raise();
            if tokio::time::timeout(grace, &mut self.dispatcher)
                .await
                .is_err()
            {
                tracing::warn!("workers did not stop in time; their leases will expire");
            }
        }
        if let Some(listener) = self.listener {
            listener.abort();
        }
    }
}

struct Dispatcher {
    store: Store,
    registry: Registry,
    config: Arc<WorkerConfig>,
    metrics: Arc<Metrics>,
    draining: Flag,
    shutdown: Flag,
}

impl Dispatcher {
    async fn run(self) {
        let kinds: Arc<[JobKind]> = self.registry.kinds().into();
        let slots = Arc::new(Semaphore::new(self.config.workers.max(1)));
        let freed = Arc::new(Notify::new());
        let lease_ms = i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX);
        let reclaim_every = (self.config.lease / 3).max(Duration::from_millis(100));
        let mut next_reclaim = tokio::time::Instant::now();
        let mut rechecks: &[u64] = &[];
        let mut tasks = tokio::task::JoinSet::new();
        let (finisher, finishing) = match self.store.backend() {
            Backend::Postgres => {
                let (finisher, task) = Finisher::start(
                    self.store.clone(),
                    self.config.owner.clone(),
                    Arc::clone(&kinds),
                    lease_ms,
                    self.config.workers.max(1),
                );
                (Some(finisher), Some(task))
            }
            Backend::Sqlite => (None, None),
        };
        while !self.draining.is_raised() {
            let rung = signal::jobs_rung();
            tokio::pin!(rung);
            rung.as_mut().enable();
            if tokio::time::Instant::now() >= next_reclaim {
                if let Err(e) = reclaim_expired(&self.store).await {
                    tracing::warn!(error = %e, "taking back expired leases failed");
                }
                next_reclaim = tokio::time::Instant::now() + reclaim_every;
            }
            let free = slots.available_permits();
            let mut claimed_all = false;
            if free > 0 {
                let limit = i64::try_from(free).unwrap_or(1);
                match claim(&self.store, &self.config.owner, &kinds, limit, lease_ms).await {
                    Ok(jobs) => {
                        claimed_all = !jobs.is_empty() && jobs.len() == free;
                        if !jobs.is_empty() {
                            rechecks = &[];
                        }
                        for job in jobs {
                            let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                                break;
                            };
                            tasks.spawn(self.slot(
                                job,
                                Arc::clone(&kinds),
                                finisher.clone(),
                                permit,
                                Arc::clone(&freed),
                            ));
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming jobs failed"),
                }
            }
            while tasks.try_join_next().is_some() {}
            if claimed_all {
                continue;
            }
            let wait = match rechecks.split_first() {
                Some((first, rest)) if free > 0 => {
                    rechecks = rest;
                    Duration::from_millis(*first)
                }
                _ => self.idle_wait(free > 0, next_reclaim).await,
            };
            // With every slot taken, a bell (often the completion of one of
            // this pool's own jobs, rung before its slot is given back) has
            // nothing to claim for; the freed slot wakes the loop instead.
            let can_claim = slots.available_permits() > 0;
            tokio::select! {
                () = &mut rung, if can_claim => rechecks = RECHECKS,
                () = freed.notified() => {
                    // A bell that rang while every slot was taken may stand
                    // for a commit still to come: look again shortly, too.
                    if rung.as_mut().now_or_never().is_some() {
                        rechecks = RECHECKS;
                    }
                }
                () = tokio::time::sleep(wait) => {}
                () = self.draining.raised() => {}
            }
        }
        while tasks.join_next().await.is_some() {}
        drop(finisher);
        if let Some(finishing) = finishing {
            let _ = finishing.await;
        }
    }

    /// One worker slot: runs `job`, and while jobs succeed and the pool is
    /// not draining, the next one it claimed when recording the success;
    /// then gives the slot back.
    fn slot(
        &self,
        job: Claimed,
        kinds: Arc<[JobKind]>,
        finisher: Option<Finisher>,
        permit: OwnedSemaphorePermit,
        freed: Arc<Notify>,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let store = self.store.clone();
        let registry = self.registry.clone();
        let config = Arc::clone(&self.config);
        let metrics = Arc::clone(&self.metrics);
        let draining = self.draining.clone();
        let shutdown = self.shutdown.clone();
        async move {
            let mut next = Some(job);
            while let Some(job) = next.take() {
                let chain = (!draining.is_raised()).then_some(Chain {
                    kinds: &kinds,
                    finisher: finisher.as_ref(),
                });
                next = execute(
                    store.clone(),
                    registry.clone(),
                    Arc::clone(&config),
                    Arc::clone(&metrics),
                    shutdown.clone(),
                    job,
                    chain,
                )
                .await;
            }
            drop(permit);
            freed.notify_one();
        }
    }

    /// How long to sleep when nothing was claimable: until the next future
    /// `run_at`, the next reclaim of expired leases, or the poll.
    async fn idle_wait(
        &self,
        has_free_slots: bool,
        next_reclaim: tokio::time::Instant,
    ) -> Duration {
        let mut wait = self.config.poll;
        if has_free_slots {
            if let Ok(Some(due)) = next_due(&self.store).await {
                let until = u64::try_from(due - now_ms()).unwrap_or(0) + 1;
                wait = wait.min(Duration::from_millis(until));
            }
        }
        let reclaim = next_reclaim.saturating_duration_since(tokio::time::Instant::now());
        wait.min(reclaim).max(Duration::from_millis(1))
    }
}
