//! Jobs as people and pipelines see them: filtered to the environments they
//! may view; cancel and retry for those who may apply.

use domain::EnvironmentName;

use crate::authz::Action;
use crate::queue::{self, CancelOutcome, Job, JobFilter, JobId, LogLine, Step};
use crate::store::audit::{self, AuditFilter, AuditRecord};
use crate::store::{now_ms, NewAuditEvent};
use crate::{Actor, Engine, Error};

/// A job with its steps.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobDetail {
    pub job: Job,
    pub steps: Vec<Step>,
}

fn env_of(job: &Job) -> Result<Option<EnvironmentName>, Error> {
    job.environment
        .as_deref()
        .map(|e| EnvironmentName::parse(e).map_err(|e| Error::Internal(Box::new(e))))
        .transpose()
}

impl Engine {
    /// A job the actor may see (through its environment), or not found.
    async fn visible_job(&self, actor: &Actor, id: JobId, apply: bool) -> Result<Job, Error> {
        let not_found = || Error::NotFound(format!("job {}", id.0));
        let job = queue::get_job(self.store().pool(), id)
            .await?
            .ok_or_else(not_found)?;
        match env_of(&job)? {
            Some(env) => {
                let action = if apply {
                    Action::ApplyEnvironment(&env)
                } else {
                    Action::ViewEnvironment(&env)
                };
                self.authorize(actor, action).await.map_err(|e| match e {
                    Error::NotFound(_) => not_found(),
                    other => other,
                })?
            }
            None => self
                .authorize(actor, Action::ReadAudit)
                .await
                .map_err(|_| not_found())?,
        }
        Ok(job)
    }

    pub async fn get_job(&self, actor: &Actor, id: JobId) -> Result<JobDetail, Error> {
        let job = self.visible_job(actor, id, false).await?;
        let steps = queue::steps(self.store().pool(), id).await?;
        Ok(JobDetail { job, steps })
    }

    /// Log lines after `after` (a sequence number), at most `limit`.
    pub async fn job_logs(
        &self,
        actor: &Actor,
        id: JobId,
        after: i64,
        limit: i64,
    ) -> Result<Vec<LogLine>, Error> {
        self.visible_job(actor, id, false).await?;
        Ok(queue::logs(self.store().pool(), id, after, limit.clamp(1, 5000)).await?)
    }

    /// Jobs, newest first, only on environments the actor may view.
    pub async fn list_jobs(&self, actor: &Actor, filter: JobFilter) -> Result<Vec<Job>, Error> {
        if let Some(env) = &filter.environment {
            let name = EnvironmentName::parse(env).map_err(Error::invalid)?;
            self.authorize(actor, Action::ViewEnvironment(&name))
                .await?;
        }
        let visible = self.visible_environments(actor).await?;
        let jobs = queue::list_jobs(self.store().pool(), &filter).await?;
        Ok(jobs
            .into_iter()
            .filter(|job| match (&visible, &job.environment) {
                (None, _) => true,
                (Some(v), Some(env)) => v.contains(env),
                (Some(_), None) => false,
            })
            .collect())
    }

    pub async fn cancel_job(&self, actor: &Actor, id: JobId) -> Result<CancelOutcome, Error> {
        self.visible_job(actor, id, true).await?;
        let mut tx = self.store().pool().begin().await?;
        let outcome = queue::cancel(&mut tx, id).await?;
        self.audit_job(&mut tx, actor, id, "job.cancel").await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Puts a failed or cancelled job back in the queue; it resumes at the
    /// layer where it stopped.
    pub async fn retry_job(&self, actor: &Actor, id: JobId) -> Result<(), Error> {
        let job = self.visible_job(actor, id, true).await?;
        if let Some(env) = env_of(&job)? {
            let row = crate::store::environments::get_by_name(self.store().pool(), &env).await?;
            if let Some(reason) = row.and_then(|r| r.locked_reason) {
                return Err(Error::Conflict(format!("{env} is locked: {reason}")));
            }
        }
        let mut tx = self.store().pool().begin().await?;
        queue::retry(&mut tx, id).await.map_err(|e| match e {
            crate::StoreError::Conflict => {
                Error::Conflict("only a failed or cancelled job can be retried".to_owned())
            }
            other => other.into(),
        })?;
        self.audit_job(&mut tx, actor, id, "job.retry").await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_job(
        &self,
        tx: &mut sqlx::AnyConnection,
        actor: &Actor,
        id: JobId,
        action: &str,
    ) -> Result<(), Error> {
        let object = format!("job:{}", id.0);
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action,
                object: &object,
                allowed: true,
                reason: None,
                before: None,
                after: None,
                request_id: actor.request_id.as_deref(),
            },
        )
        .await?;
        Ok(())
    }

    /// Audit events: everything for auditors and admins; for others, the
    /// events on environments they may view.
    pub async fn list_audit(
        &self,
        actor: &Actor,
        filter: AuditFilter,
    ) -> Result<Vec<AuditRecord>, Error> {
        let auditor = self.authorize(actor, Action::ReadAudit).await.is_ok();
        let events = audit::list(self.store().pool(), &filter).await?;
        if auditor {
            return Ok(events);
        }
        let visible = self.visible_environments(actor).await?.unwrap_or_default();
        Ok(events
            .into_iter()
            .filter(|e| {
                e.object
                    .strip_prefix("environment:")
                    .is_some_and(|env| visible.contains(env))
            })
            .collect())
    }
}
