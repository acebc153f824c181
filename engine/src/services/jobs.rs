//! Jobs as people and pipelines see them: filtered to the environments they
//! may view; cancel and retry for those who may apply.

use domain::EnvironmentName;

use domain::audit::{AuditFilter, AuditRecord};
use domain::job::{Cancelled, JobRef};
use domain::Page;

use crate::authz::Action;
use crate::queue::{self, Job, JobDetail, JobFilter, JobId, LogLine, Visible};
use crate::store::audit;
use crate::store::{now_ms, NewAuditEvent};
use crate::{Actor, Engine, Error};

/// Most log lines one read returns.
pub const MAX_LOG_BATCH: i64 = 5000;
/// Most log lines one text answer holds.
pub const MAX_LOG_LINES: i64 = 50_000;

/// The positions of the steps `wanted` names: a position, a layer (both
/// phases) or `layer/phase`.
fn select_steps(steps: &[domain::job::Step], wanted: &str) -> Result<Vec<i64>, Error> {
    let chosen: Vec<i64> = steps
        .iter()
        .filter(|s| {
            wanted.parse::<i64>().is_ok_and(|p| p == s.position)
                || wanted == s.layer
                || wanted == format!("{}/{}", s.layer, s.phase)
        })
        .map(|s| s.position)
        .collect();
    if chosen.is_empty() {
        return Err(Error::NotFound(format!("step {wanted:?} of the job")));
    }
    Ok(chosen)
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
        let limit = limit.clamp(1, MAX_LOG_BATCH);
        Ok(queue::logs(self.store().pool(), id, after, limit).await?)
    }

    /// A job's log as text, one line each, after the sequence number
    /// `after`, of the steps `step` names (a position, a layer or
    /// `layer/phase`; every step when `None`), at most `max` lines (1 to
    /// [`MAX_LOG_LINES`]). Returns the text and the last sequence number
    /// read, to continue from.
    pub async fn job_log_text(
        &self,
        actor: &Actor,
        id: JobId,
        after: i64,
        step: Option<&str>,
        max: i64,
    ) -> Result<(String, i64), Error> {
        let steps = match step.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(wanted) => Some(select_steps(&self.get_job(actor, id).await?.steps, wanted)?),
        };
        let max = max.clamp(1, MAX_LOG_LINES);
        let (mut after, mut text, mut count) = (after.max(0), String::new(), 0_i64);
        let mut last = after;
        while count < max {
            let batch = self.job_logs(actor, id, after, MAX_LOG_BATCH).await?;
            let Some(tail) = batch.last() else { break };
            after = tail.seq;
            let full = i64::try_from(batch.len()).is_ok_and(|n| n >= MAX_LOG_BATCH);
            for line in batch {
                if count >= max {
                    break;
                }
                if steps
                    .as_ref()
                    .is_none_or(|s| line.step.is_some_and(|p| s.contains(&p)))
                {
                    text.push_str(&line.line);
                    text.push('\n');
                    count += 1;
                }
                last = line.seq;
            }
            if !full {
                break;
            }
        }
        Ok((text, last))
    }

    /// Jobs matching `filter`, newest first, only on environments the
    /// actor may view; a page is full whenever more such jobs exist.
    pub async fn list_jobs(
        &self,
        actor: &Actor,
        filter: &JobFilter,
    ) -> Result<Page<Job, JobId>, Error> {
        if let Some(env) = &filter.environment {
            self.authorize(actor, Action::ViewEnvironment(env)).await?;
        }
        let visible = self.visibility(actor).await?;
        let jobs = queue::list_jobs(self.store().pool(), filter, &visible).await?;
        Ok(Page::from_overfetch(jobs, filter.limit, |job| job.id))
    }

    pub async fn cancel_job(&self, actor: &Actor, id: JobId) -> Result<Cancelled, Error> {
        self.visible_job(actor, id, true).await?;
        let mut tx = self.store().pool().begin().await?;
        let outcome = queue::cancel(&mut tx, id).await?;
        self.audit_job(&mut tx, actor, id, "job.cancel").await?;
        tx.commit().await?;
        Ok(Cancelled {
            job: JobRef { id },
            outcome,
        })
    }

    /// Puts a failed or cancelled job back in the queue; it resumes at the
    /// layer where it stopped.
    pub async fn retry_job(&self, actor: &Actor, id: JobId) -> Result<(), Error> {
        let job = self.visible_job(actor, id, true).await?;
        if job.kind == domain::job::JobKind::PromotionExecute {
            return Err(Error::Conflict(
                "a promotion's job is not retried by itself: re-plan or roll back the promotion"
                    .to_owned(),
            ));
        }
        if let Some(env) = env_of(&job)? {
            let row = crate::store::environments::get_by_name(self.store().pool(), &env).await?;
            if let Some(reason) = row.and_then(|r| r.locked_reason) {
                return Err(Error::Conflict(format!("{env} is locked: {reason}")));
            }
        }
        let mut tx = self.store().pool().begin().await?;
        if !job.status.is_retryable() {
            return Err(Error::Conflict(
                "only a failed or cancelled job can be retried".to_owned(),
            ));
        }
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
                client: actor.client.as_deref(),
            },
        )
        .await?;
        Ok(())
    }

    /// Audit events, newest first: everything for auditors and admins; for
    /// others, the events on environments they may view. Visibility is in
    /// the query, so a page is full whenever more such events exist.
    pub async fn list_audit(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> Result<Page<AuditRecord, i64>, Error> {
        let visible = if self.authorize(actor, Action::ReadAudit).await.is_ok() {
            Visible::All
        } else {
            self.visibility(actor).await?
        };
        let events = audit::list(self.store().pool(), filter, None, &visible).await?;
        Ok(Page::from_overfetch(events, filter.limit, |e| e.id))
    }
}
