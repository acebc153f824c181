//! What the queue stores: jobs, their steps and their log lines.

pub use domain::job::{
    CancelOutcome, Job, JobDetail, JobFilter, JobId, JobKind, JobStatus, LogLine, Phase,
    PlanSummary, Progress, Step, StepStatus,
};

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: JobKind,
    pub payload: serde_json::Value,
    /// Who asked: the actor's principal (`user:anne`, `system:scheduler`).
    pub actor: String,
    pub environment: Option<String>,
    /// Not before this time (Unix ms); `None` means now.
    pub run_at: Option<i64>,
    /// `None` takes the kind's default.
    pub max_attempts: Option<i64>,
}

impl NewJob {
    pub fn new(kind: JobKind, payload: serde_json::Value, actor: impl Into<String>) -> Self {
        Self {
            kind,
            payload,
            actor: actor.into(),
            environment: None,
            run_at: None,
            max_attempts: None,
        }
    }

    #[must_use]
    pub fn for_environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    #[must_use]
    pub fn run_at(mut self, at_ms: i64) -> Self {
        self.run_at = Some(at_ms);
        self
    }

    #[must_use]
    pub fn max_attempts(mut self, max: i64) -> Self {
        self.max_attempts = Some(max);
        self
    }

    /// The key that serialises infrastructure jobs on one environment.
    pub fn concurrency_key(&self) -> Option<String> {
        match (&self.environment, self.kind.is_infrastructure()) {
            (Some(env), true) => Some(format!("environment:{env}")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_infrastructure_jobs_take_the_environment_key() {
        let apply = NewJob::new(JobKind::EnvironmentApply, serde_json::json!({}), "user:a")
            .for_environment("teal");
        assert_eq!(apply.concurrency_key().as_deref(), Some("environment:teal"));
        let check = NewJob::new(JobKind::OidcCheck, serde_json::json!({}), "user:a")
            .for_environment("teal");
        assert_eq!(check.concurrency_key(), None);
    }
}
