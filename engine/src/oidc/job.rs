//! The `oidc.check` job: checks an environment's issuer and stores the
//! report. Checks are not infrastructure: they take no environment lock and
//! are retried with backoff when the database hiccups.

use domain::{EnvironmentName, EnvironmentStatus};
use palette_oidc_check::Checker;
use serde::{Deserialize, Serialize};

use crate::queue::{self, BackgroundJob, JobContext, JobError, JobKind, NewJob, StopReason};
use crate::store::oidc_checks::{self, NewOidcCheck, Trigger};
use crate::store::webhooks::{self, Notification};
use crate::store::{environments, now_ms};
use domain::notification::NotificationEvent;
use domain::oidc::RuleStatus;

/// The payload of an `oidc.check` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcCheckJob {
    pub environment: String,
    pub trigger: Trigger,
}

impl OidcCheckJob {
    /// The job to enqueue, on behalf of `actor` (a principal).
    pub fn new_job(environment: &str, trigger: Trigger, actor: &str) -> NewJob {
        let payload = Self {
            environment: environment.to_owned(),
            trigger,
        };
        let value = serde_json::to_value(&payload).unwrap_or_default();
        NewJob::new(JobKind::OidcCheck, value, actor).for_environment(environment)
    }
}

impl BackgroundJob for OidcCheckJob {
    const KIND: JobKind = JobKind::OidcCheck;
    type Context = Checker;

    #[tracing::instrument(skip_all, fields(job = %ctx.id(), environment = %self.environment))]
    async fn run(self, ctx: JobContext, checker: Checker) -> Result<(), JobError> {
        let name = EnvironmentName::parse(&self.environment)
            .map_err(|e| JobError::failed(e.to_string()))?;
        let Some(env) = environments::get_by_name(ctx.store().pool(), &name).await? else {
            return Err(JobError::failed(format!(
                "environment {name} does not exist"
            )));
        };
        if env.summary.status == EnvironmentStatus::Destroyed {
            ctx.log(None, format!("{name} is destroyed: nothing to check"));
            return Ok(());
        }
        let issuer = env.summary.oidc_issuer;
        ctx.log(None, format!("checking {issuer}"));
        let report = tokio::select! {
            report = checker.check(&issuer) => report,
            reason = ctx.stopped() => return Err(stopped(reason)),
        };
        if let Some(reason) = ctx.stop_reason() {
            return Err(stopped(reason));
        }
        let failed: Vec<&str> = report
            .rules
            .iter()
            .filter(|r| r.status == palette_oidc_check::Status::Fail)
            .map(|r| r.id.as_str())
            .collect();
        ctx.log(
            None,
            if failed.is_empty() {
                format!("ok in {} ms", report.timings_ms.total)
            } else {
                format!("failed rules: {}", failed.join(", "))
            },
        );
        // Fenced like every write of a running job: a worker that lost the
        // lease (and whose job another worker now runs) stores nothing.
        let mut tx = ctx.begin_fenced().await?;
        let before = oidc_checks::latest(&mut *tx, name.as_str())
            .await?
            .map(|c| domain::oidc::overall(c.report.ok, &c.report.rules));
        let now = domain::oidc::overall(report.ok, &report.rules);
        if let Some(event) = turned(before, now) {
            let failed_rules = failed.join(", ");
            let summary = match event {
                NotificationEvent::OidcFailing => {
                    format!("The OIDC check of {name} fails: {failed_rules}")
                }
                _ => format!("The OIDC check of {name} passes again"),
            };
            let notification = Notification {
                event,
                environment: name.to_string(),
                summary: domain::oidc::one_line(&summary),
                path: format!("/oidc?env={name}"),
                at: now_ms(),
                details: serde_json::json!({
                    "job": ctx.id().0,
                    "issuer": issuer,
                    "before": before,
                    "now": now,
                    "failed_rules": failed,
                }),
            };
            webhooks::emit(&mut tx, &notification).await?;
        }
        oidc_checks::insert(
            &mut *tx,
            &NewOidcCheck {
                environment: name.as_str(),
                at: now_ms(),
                report: &report,
                trigger: self.trigger,
                actor: ctx.actor(),
                job: Some(ctx.id().0),
            },
        )
        .await?;
        if report.ok {
            crate::store::promotions::verify_newest_applied(&mut *tx, name.as_str()).await?;
        }
        tx.commit()
            .await
            .map_err(crate::store::StoreError::Database)?;
        ctx.flush_logs().await;
        Ok(())
    }
}

/// The notification a check's verdict raises, after `before`: turning to
/// fail (a first check that fails too), or passing again after failing.
fn turned(before: Option<RuleStatus>, now: RuleStatus) -> Option<NotificationEvent> {
    let failed = |s: Option<RuleStatus>| s == Some(RuleStatus::Fail);
    match (failed(before), failed(Some(now))) {
        (false, true) => Some(NotificationEvent::OidcFailing),
        (true, false) => Some(NotificationEvent::OidcRecovered),
        _ => None,
    }
}

fn stopped(reason: StopReason) -> JobError {
    match reason {
        StopReason::Cancelled => JobError::Cancelled { stopped_at: None },
        StopReason::LeaseLost => JobError::LeaseLost,
        StopReason::Shutdown => JobError::Interrupted,
    }
}

/// The registry with the `oidc.check` handler, running `checker`.
pub fn register(registry: queue::Registry, checker: Checker) -> queue::Registry {
    registry.register::<OidcCheckJob>(checker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_turn_to_fail_or_back_notifies() {
        use RuleStatus::{Fail, Pass, Warn};
        assert_eq!(turned(None, Fail), Some(NotificationEvent::OidcFailing));
        assert_eq!(
            turned(Some(Pass), Fail),
            Some(NotificationEvent::OidcFailing)
        );
        assert_eq!(
            turned(Some(Warn), Fail),
            Some(NotificationEvent::OidcFailing)
        );
        assert_eq!(
            turned(Some(Fail), Pass),
            Some(NotificationEvent::OidcRecovered)
        );
        assert_eq!(
            turned(Some(Fail), Warn),
            Some(NotificationEvent::OidcRecovered)
        );
        assert_eq!(turned(Some(Fail), Fail), None);
        assert_eq!(turned(None, Pass), None);
        assert_eq!(turned(Some(Pass), Warn), None);
    }
}
