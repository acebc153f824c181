//! Periodic checks: every `interval`, one `oidc.check` job per environment
//! that is not destroyed. Safe with a scheduler in every process: a unique
//! index allows one pending check per environment (the insert of a second
//! does nothing), and an environment whose last check was queued less than
//! an interval ago is left alone, so N schedulers do not check N times as
//! often.

use std::time::Duration;

use domain::EnvironmentStatus;
use tokio::task::JoinHandle;

use super::job::OidcCheckJob;
use crate::queue;
use crate::store::oidc_checks::Trigger;
use crate::store::{environments, now_ms, Store, StoreError};

/// The principal scheduled checks are queued as.
pub const SCHEDULER: &str = "system:scheduler";

/// A running scheduler task. Dropping it leaves the task running; call
/// [`Scheduler::stop`] to end it.
#[derive(Debug)]
pub struct Scheduler {
    task: JoinHandle<()>,
}

impl Scheduler {
    /// Starts queueing checks now and then every `interval`. A zero
    /// interval starts nothing.
    pub fn spawn(store: Store, interval: Duration) -> Option<Self> {
        if interval.is_zero() {
            tracing::info!("periodic OIDC checks are off");
            return None;
        }
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match schedule_due_checks(&store, interval).await {
                    Ok(0) => {}
                    Ok(queued) => tracing::debug!(queued, "OIDC checks queued"),
                    Err(e) => tracing::warn!(error = %e, "cannot queue the periodic OIDC checks"),
                }
            }
        });
        Some(Self { task })
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

/// One pass: queues a check of every environment that is not destroyed,
/// has no check queued or running, and had none queued in the last 90 % of
/// `interval`. Returns how many it queued.
#[tracing::instrument(skip_all)]
pub async fn schedule_due_checks(store: &Store, interval: Duration) -> Result<usize, StoreError> {
    let now = now_ms();
    let window = i64::try_from(interval.as_millis().saturating_mul(9) / 10).unwrap_or(i64::MAX);
    let last = queue::last_created_per_environment(store.pool(), queue::JobKind::OidcCheck).await?;
    let mut queued = 0;
    for env in environments::list(store.pool()).await? {
        let name = env.summary.name.as_str();
        if env.summary.status == EnvironmentStatus::Destroyed {
            continue;
        }
        if last
            .get(name)
            .is_some_and(|at| now.saturating_sub(*at) < window)
        {
            continue;
        }
        let job = OidcCheckJob::new_job(name, Trigger::Schedule, SCHEDULER);
        if queue::enqueue_unless_pending(store.pool(), job)
            .await?
            .is_some()
        {
            queued += 1;
        }
    }
    Ok(queued)
}
