//! Running one claimed job: heartbeats, the handler (panics caught), the
//! retry policy and the fenced completion.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::claim::{succeed_and_claim, Claimed};
use super::config::WorkerConfig;
use super::context::JobContext;
use super::fence::{self, Completion, LeaseError};
use super::finish::{Finished, Finisher};
use super::job::{JobError, Registry};
use super::logs::LogSink;
use super::metrics::{Metrics, Outcome};
use super::model::JobKind;
use super::persist::{persist, LeaseClock};
use super::signal;
use super::stop::{Flag, StopSignals};
use crate::store::{now_ms, Store};

/// What a worker slot goes on with once its job succeeded: the next due
/// job of these kinds, claimed in the statement that records the success.
pub(crate) struct Chain<'a> {
    pub kinds: &'a [JobKind],
    /// Batches successes with the other slots' (PostgreSQL).
    pub finisher: Option<&'a Finisher>,
}

/// Runs `job` to the end of this attempt. With `chain`, a success also
/// claims the next job for this slot, which is returned.
#[tracing::instrument(skip_all, fields(job = %job.lease.job, kind = %job.kind, attempt = job.attempts))]
pub(crate) async fn execute(
    store: Store,
    registry: Registry,
    config: Arc<WorkerConfig>,
    metrics: Arc<Metrics>,
    shutdown: Flag,
    job: Claimed,
    chain: Option<Chain<'_>>,
) -> Option<Claimed> {
    let started = Instant::now();
    let clock = LeaseClock::new(tokio::time::Instant::now(), config.lease);
    let stop = StopSignals {
        shutdown,
        ..StopSignals::default()
    };
    let (logs, log_writer) = LogSink::start(
        store.clone(),
        job.lease,
        clock.clone(),
        stop.lease_lost.clone(),
    );
    let watcher = tokio::spawn(watch_lease(
        store.clone(),
        job.lease,
        Arc::clone(&config),
        stop.clone(),
        clock.clone(),
    ));
    let ctx = JobContext {
        store: store.clone(),
        lease: job.lease,
        kind: job.kind,
        attempt: job.attempts,
        actor: job.actor.clone(),
        environment: job.environment.clone(),
        logs,
        stop: stop.clone(),
        clock: clock.clone(),
        metrics: Arc::clone(&metrics),
    };
    let result = run_handler(&registry, &job, ctx, &stop, &config).await;
    let _ = log_writer.await;
    let (completion, outcome) = decide(&job, result, &stop, &config);
    // The lease is kept (heartbeats go on) until the end is recorded.
    let lease_ms = i64::try_from(config.lease.as_millis()).unwrap_or(i64::MAX);
    let recorded = match &completion {
        Some(completion) => Some(
            persist(
                &clock,
                &stop.lease_lost,
                job.lease.job,
                "the job's end",
                || {
                    record_end(
                        &store,
                        &config,
                        job.lease,
                        completion,
                        chain.as_ref(),
                        lease_ms,
                    )
                },
            )
            .await,
        ),
        None => None,
    };
    watcher.abort();
    metrics.observe_attempt(job.kind, outcome, started.elapsed().as_secs_f64());
    match recorded {
        Some(Ok(Finished {
            recorded: true,
            next,
        })) => {
            tracing::info!(?outcome, "job attempt finished");
            next
        }
        Some(Ok(Finished {
            recorded: false,
            next,
        })) => {
            tracing::warn!("lease lost before completion; result dropped");
            next
        }
        Some(Err(LeaseError::LeaseLost)) => {
            tracing::warn!("lease lost before completion; result dropped");
            None
        }
        Some(Err(LeaseError::Store(e))) => {
            tracing::error!(error = %e, "recording the job's end failed");
            None
        }
        None => {
            tracing::warn!(?outcome, "job attempt abandoned");
            None
        }
    }
}

/// Records how the attempt ended; a success of a chained slot also claims
/// the slot's next job (in a batch with other slots' when there is a
/// finisher, else on its own).
async fn record_end(
    store: &Store,
    config: &WorkerConfig,
    lease: fence::Lease,
    completion: &Completion,
    chain: Option<&Chain<'_>>,
    lease_ms: i64,
) -> Result<Finished, LeaseError> {
    let Some(chain) = chain.filter(|_| *completion == Completion::Succeeded) else {
        fence::complete(store, lease, completion).await?;
        return Ok(Finished {
            recorded: true,
            next: None,
        });
    };
    if let Some(finisher) = chain.finisher {
        if let Some(finished) = finisher.succeed(lease).await {
            return Ok(finished);
        }
    }
    succeed_and_claim(store, lease, &config.owner, chain.kinds, lease_ms).await
}

/// Runs the handler on its own task so a panic fails only this attempt.
/// When the lease is lost the handler gets the cancel grace (plus slack)
/// to stop its children, then is aborted.
async fn run_handler(
    registry: &Registry,
    job: &Claimed,
    ctx: JobContext,
    stop: &StopSignals,
    config: &WorkerConfig,
) -> Result<(), Failure> {
    let Some(run) = registry.get(job.kind) else {
        return Err(Failure::Job(JobError::failed(format!(
            "no handler for {}",
            job.kind
        ))));
    };
    let mut task = tokio::spawn(run(job.payload.clone(), ctx));
    let joined = tokio::select! {
        joined = &mut task => joined,
        () = stop.lease_lost.raised() => {
            let slack = config.cancel_grace + Duration::from_secs(5);
            match tokio::time::timeout(slack, &mut task).await {
                Ok(joined) => joined,
                Err(_) => {
                    task.abort();
                    return Err(Failure::Job(JobError::LeaseLost));
                }
            }
        }
    };
    match joined {
        Ok(result) => result.map_err(Failure::Job),
        Err(e) if e.is_panic() => Err(Failure::Panic(panic_message(e.into_panic()))),
        Err(_) => Err(Failure::Job(JobError::Interrupted)),
    }
}

enum Failure {
    Job(JobError),
    Panic(String),
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".to_owned())
}

fn decide(
    job: &Claimed,
    result: Result<(), Failure>,
    stop: &StopSignals,
    config: &WorkerConfig,
) -> (Option<Completion>, Outcome) {
    if stop.lease_lost.is_raised() {
        return (None, Outcome::LeaseLost);
    }
    let retry = |error: String| {
        if !job.kind.is_infrastructure() && job.attempts < job.max_attempts {
            let run_at = now_ms() + backoff_ms(config.retry_base, job.attempts);
            (
                Some(Completion::RetryAt { run_at, error }),
                Outcome::Retried,
            )
        } else {
            (
                Some(Completion::Failed {
                    error,
                    stopped_at: None,
                }),
                Outcome::Failed,
            )
        }
    };
    match result {
        Ok(()) => (Some(Completion::Succeeded), Outcome::Succeeded),
        Err(Failure::Panic(message)) => {
            tracing::error!(%message, "job handler panicked");
            let (completion, _) = retry(format!("the job handler panicked: {message}"));
            (completion, Outcome::Panicked)
        }
        Err(Failure::Job(JobError::LeaseLost)) => (None, Outcome::LeaseLost),
        Err(Failure::Job(JobError::Cancelled { stopped_at })) => (
            Some(Completion::Cancelled { stopped_at }),
            Outcome::Cancelled,
        ),
        Err(Failure::Job(JobError::Interrupted)) => (Some(Completion::Release), Outcome::Released),
        Err(Failure::Job(JobError::Transient(error))) => retry(error),
        Err(Failure::Job(JobError::Failed {
            message,
            stopped_at,
        })) => (
            Some(Completion::Failed {
                error: message,
                stopped_at,
            }),
            Outcome::Failed,
        ),
    }
}

/// Exponential backoff with full jitter in its upper half:
/// `base * 2^(attempt-1)`, capped at one hour, times a random 0.5–1.0.
pub fn backoff_ms(base: Duration, attempt: i64) -> i64 {
    let exp = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let base_ms = u64::try_from(base.as_millis()).unwrap_or(u64::MAX);
    let ceiling = base_ms.saturating_mul(1_u64 << exp).min(3_600_000);
    let jittered = ceiling / 2 + fastrand::u64(0..=ceiling / 2);
    i64::try_from(jittered).unwrap_or(i64::MAX)
}

/// Extends the lease every third of it, and checks for cancellation every
/// `check_every` or when this process rings the cancel bell. Raises the
/// job's flags; stops once the lease is lost.
///
/// While the database does not answer, it tries a heartbeat every
/// `check_every`; when the lease runs out first (see [`LeaseClock`]) it
/// raises `lease_lost`, which stops the job's layer process.
async fn watch_lease(
    store: Store,
    lease: fence::Lease,
    config: Arc<WorkerConfig>,
    stop: StopSignals,
    clock: LeaseClock,
) {
    let lease_ms = i64::try_from(config.lease.as_millis()).unwrap_or(i64::MAX);
    let beat_every = config.lease / 3;
    let mut last_beat = Instant::now();
    let mut failing = false;
    loop {
        let rung = signal::cancels_rung();
        let pause = config.check_every.min(beat_every).min(clock.remaining());
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = rung => {}
        }
        if clock.remaining().is_zero() {
            tracing::error!(job = %lease.job, "no heartbeat reached the database within the lease; stopping the job, another worker takes it over");
            stop.lease_lost.raise();
            return;
        }
        let beat = failing || last_beat.elapsed() + config.check_every >= beat_every;
        let sent = tokio::time::Instant::now();
        let asked = async {
            if beat {
                fence::heartbeat(&store, lease, lease_ms).await
            } else {
                fence::cancel_requested(&store, lease).await
            }
        };
        let answer = match tokio::time::timeout(clock.remaining(), asked).await {
            Ok(answer) => answer,
            Err(_) => continue,
        };
        match answer {
            Ok(cancel) => {
                if beat {
                    clock.renewed(sent);
                    last_beat = Instant::now();
                }
                if std::mem::take(&mut failing) {
                    tracing::info!(job = %lease.job, "heartbeats reach the database again");
                }
                if cancel {
                    stop.cancel.raise();
                }
            }
            Err(LeaseError::LeaseLost) => {
                tracing::warn!(job = %lease.job, "lease lost");
                stop.lease_lost.raise();
                return;
            }
            Err(LeaseError::Store(e)) => {
                if !failing {
                    tracing::warn!(job = %lease.job, error = %e, "heartbeat failed; trying every check interval until the lease runs out");
                }
                failing = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_per_attempt_within_its_jitter() {
        let base = Duration::from_secs(1);
        for _ in 0..50 {
            let first = backoff_ms(base, 1);
            assert!((500..=1000).contains(&first), "{first}");
            let third = backoff_ms(base, 3);
            assert!((2000..=4000).contains(&third), "{third}");
        }
        assert!(backoff_ms(base, 100) <= 3_600_000);
    }
}
