//! Verification: the target's OIDC endpoint must pass `verify_passes`
//! checks in a row, `verify_interval` apart, within `verify_window`. A
//! failing rule fails verification at once; an endpoint that cannot be
//! reached is retried until the window closes, which leaves it undecided.

use std::time::Duration;

use domain::oidc::Trigger;
use domain::{PromotionId, PromotionPolicy, PromotionState, VerificationCheck};
use palette_oidc_check::{Checker, Status};
use tokio::time::Instant;

use crate::queue::{JobContext, JobError, StopReason};
use crate::store::oidc_checks::{self, NewOidcCheck};
use crate::store::{now_ms, promotions, StoreError};

/// How verification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// These rules failed.
    Failed(Vec<String>),
    /// The window closed before enough checks passed.
    Undecided(String),
}

/// Rules whose failure means the endpoint could not be checked at all.
const UNREACHABLE: &[&str] = &["discovery-fetch", "jwks-fetch"];

pub(super) struct Verification<'a> {
    pub ctx: &'a JobContext,
    pub checker: &'a Checker,
    pub promotion: PromotionId,
    pub environment: &'a domain::EnvironmentName,
    pub issuer: &'a str,
    pub policy: &'a PromotionPolicy,
    pub state: PromotionState,
    pub rollback: bool,
    /// The checks recorded so far (this one's are appended).
    pub checks: Vec<VerificationCheck>,
}

impl Verification<'_> {
    pub async fn run(mut self) -> Result<Outcome, JobError> {
        let window = Duration::from_secs(u64::from(self.policy.verify_window_secs));
        let interval = Duration::from_secs(u64::from(self.policy.verify_interval_secs));
        let deadline = Instant::now() + window;
        let mut passes = 0;
        let mut last_error = String::from("no check finished");
        loop {
            let report = tokio::select! {
                report = self.checker.check(self.issuer) => report,
                reason = self.ctx.stopped() => return Err(stopped(reason)),
            };
            let failed: Vec<String> = report
                .rules
                .iter()
                .filter(|r| r.status == Status::Fail)
                .map(|r| r.id.clone())
                .collect();
            let unreachable = failed.iter().any(|r| UNREACHABLE.contains(&r.as_str()));
            let passed = if failed.is_empty() {
                passes += 1;
                Some(true)
            } else if unreachable {
                passes = 0;
                None
            } else {
                Some(false)
            };
            let message = match passed {
                Some(true) => format!(
                    "pass {passes} of {} in {} ms",
                    self.policy.verify_passes, report.timings_ms.total
                ),
                Some(false) => format!("failed rules: {}", failed.join(", ")),
                None => {
                    let detail = report
                        .rules
                        .iter()
                        .find(|r| UNREACHABLE.contains(&r.id.as_str()) && r.status == Status::Fail)
                        .map(|r| r.detail.clone())
                        .unwrap_or_default();
                    last_error = format!("the endpoint could not be checked: {detail}");
                    last_error.clone()
                }
            };
            self.ctx.log(None, format!("verification: {message}"));
            self.record(&report, passed, failed.clone(), message)
                .await?;
            match passed {
                Some(false) => return Ok(Outcome::Failed(failed)),
                Some(true) if passes >= self.policy.verify_passes => return Ok(Outcome::Passed),
                _ => {}
            }
            let next = Instant::now() + interval;
            if next > deadline {
                return Ok(Outcome::Undecided(format!(
                    "{passes} of {} passes when the {} s window closed; last: {last_error}",
                    self.policy.verify_passes, self.policy.verify_window_secs
                )));
            }
            tokio::select! {
                () = tokio::time::sleep_until(next) => {}
                reason = self.ctx.stopped() => return Err(stopped(reason)),
            }
        }
    }

    /// Stores the check in the environment's history (trigger `promotion`)
    /// and on the promotion, fenced.
    async fn record(
        &mut self,
        report: &palette_oidc_check::Report,
        passed: Option<bool>,
        failed_rules: Vec<String>,
        message: String,
    ) -> Result<(), JobError> {
        let at = now_ms();
        self.checks.push(VerificationCheck {
            at,
            passed,
            failed_rules,
            message: message.clone(),
            rollback: self.rollback,
        });
        let mut tx = self.ctx.begin_fenced().await?;
        oidc_checks::insert(
            &mut *tx,
            &NewOidcCheck {
                environment: self.environment.as_str(),
                at,
                report,
                trigger: Trigger::Promotion,
                actor: self.ctx.actor(),
                job: Some(self.ctx.id().0),
            },
        )
        .await?;
        promotions::set_checks(&mut *tx, self.promotion, &self.checks).await?;
        promotions::event(
            &mut tx,
            self.promotion,
            self.state,
            "palette",
            &format!("check: {message}"),
            at,
        )
        .await?;
        tx.commit().await.map_err(StoreError::Database)?;
        Ok(())
    }
}

pub(super) fn stopped(reason: StopReason) -> JobError {
    match reason {
        StopReason::Cancelled => JobError::Cancelled { stopped_at: None },
        StopReason::LeaseLost => JobError::LeaseLost,
        StopReason::Shutdown => JobError::Interrupted,
    }
}
