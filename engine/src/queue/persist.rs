//! Riding out a database outage while a job runs.
//!
//! A worker holds its lease until `lease` after its last accepted
//! heartbeat; the [`LeaseClock`] tracks that deadline on this machine's
//! monotonic clock. Until it passes, every write of the job (steps, logs,
//! the handler's own state, the completion) that fails because the
//! database cannot be reached is tried again with backoff ([`persist`]), so
//! an outage shorter than the lease fails nothing. Once it passes the job
//! stops (its layer process gets SIGINT): another worker takes it over, and
//! fencing refuses whatever this one would still write.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::fence::LeaseError;
use super::model::JobId;
use super::stop::Flag;

/// The first pause between tries; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// When this worker's lease on one job ends, as far as it knows.
#[derive(Debug, Clone)]
pub struct LeaseClock {
    expires: Arc<Mutex<Instant>>,
    lease: Duration,
}

impl LeaseClock {
    /// A lease of `lease` granted by a claim sent at `sent`.
    pub fn new(sent: Instant, lease: Duration) -> Self {
        Self {
            expires: Arc::new(Mutex::new(sent + lease)),
            lease,
        }
    }

    /// A heartbeat sent at `sent` was accepted: the lease runs from then.
    pub fn renewed(&self, sent: Instant) {
        if let Ok(mut expires) = self.expires.lock() {
            *expires = (*expires).max(sent + self.lease);
        }
    }

    /// How long the worker may still act on the job: until the lease ends,
    /// less a margin (a tenth of the lease, at most 5 s) so that its layer
    /// process is told to stop before another worker can take the job.
    pub fn remaining(&self) -> Duration {
        let margin = (self.lease / 10).min(Duration::from_secs(5));
        let expires = self
            .expires
            .lock()
            .map_or_else(|_| Instant::now(), |expires| *expires);
        expires.checked_sub(margin).map_or(Duration::ZERO, |until| {
            until.saturating_duration_since(Instant::now())
        })
    }
}

/// Runs `op` until it succeeds, fails for a reason other than an
/// unreachable database, or the lease runs out; `what` names the write in
/// the log. Running out raises `lease_lost` and answers
/// [`LeaseError::LeaseLost`].
pub(crate) async fn persist<T, F, Fut>(
    clock: &LeaseClock,
    lease_lost: &Flag,
    job: JobId,
    what: &str,
    mut op: F,
) -> Result<T, LeaseError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, LeaseError>>,
{
    let mut backoff = FIRST_BACKOFF;
    let mut failing = false;
    loop {
        let left = clock.remaining();
        if left.is_zero() || lease_lost.is_raised() {
            if !lease_lost.is_raised() {
                tracing::error!(%job, what, "the database did not answer before the lease ran out; the job stops here and another worker takes it over");
                lease_lost.raise();
            }
            return Err(LeaseError::LeaseLost);
        }
        match tokio::time::timeout(left, op()).await {
            Ok(Ok(value)) => {
                if failing {
                    tracing::info!(%job, what, "the database answers again");
                }
                return Ok(value);
            }
            Ok(Err(LeaseError::Store(e))) if e.is_transient() => {
                if !failing {
                    tracing::warn!(%job, what, error = %e, "the database does not answer; trying again until the lease runs out");
                    failing = true;
                }
            }
            Ok(Err(e)) => return Err(e),
            // Out of time: the next turn of the loop says so.
            Err(_) => continue,
        }
        tokio::time::sleep(backoff.min(clock.remaining())).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    fn unreachable() -> LeaseError {
        LeaseError::Store(StoreError::Database(sqlx::Error::PoolTimedOut))
    }

    #[tokio::test]
    async fn a_write_is_tried_again_until_the_database_answers() {
        let clock = LeaseClock::new(Instant::now(), Duration::from_secs(60));
        let lost = Flag::new();
        let mut tries = 0;
        let done = persist(&clock, &lost, JobId(1), "a step", || {
            tries += 1;
            let answer = if tries < 5 {
                Err(unreachable())
            } else {
                Ok(tries)
            };
            async move { answer }
        })
        .await
        .unwrap();
        assert_eq!(done, 5);
        assert!(!lost.is_raised());
    }

    #[tokio::test]
    async fn other_errors_are_not_tried_again() {
        let clock = LeaseClock::new(Instant::now(), Duration::from_secs(60));
        let lost = Flag::new();
        let mut tries = 0;
        let refused = persist(&clock, &lost, JobId(1), "a step", || {
            tries += 1;
            async { Err::<(), _>(LeaseError::Store(StoreError::Corrupt("x".into()))) }
        })
        .await;
        assert!(matches!(
            refused,
            Err(LeaseError::Store(StoreError::Corrupt(_)))
        ));
        assert_eq!(tries, 1);
    }

    #[tokio::test]
    async fn running_out_of_lease_stops_the_job() {
        let start = Instant::now();
        let clock = LeaseClock::new(start, Duration::from_secs(1));
        let lost = Flag::new();
        let refused = persist(&clock, &lost, JobId(1), "a step", || async {
            Err::<(), _>(unreachable())
        })
        .await;
        assert!(matches!(refused, Err(LeaseError::LeaseLost)));
        assert!(lost.is_raised());
        // A tenth of the lease before it ends.
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(900) && waited < Duration::from_secs(1),
            "{waited:?}"
        );
    }

    #[tokio::test]
    async fn a_heartbeat_moves_the_deadline() {
        let start = Instant::now();
        let clock = LeaseClock::new(start - Duration::from_secs(6), Duration::from_secs(10));
        let left = clock.remaining();
        assert!(
            left <= Duration::from_secs(3) && left > Duration::from_secs(2),
            "{left:?}"
        );
        clock.renewed(start);
        let left = clock.remaining();
        assert!(
            left <= Duration::from_secs(9) && left > Duration::from_secs(8),
            "{left:?}"
        );
        // An older heartbeat's answer, arriving late, does not shorten it.
        clock.renewed(start - Duration::from_secs(6));
        assert!(clock.remaining() > Duration::from_secs(8));
    }
}
