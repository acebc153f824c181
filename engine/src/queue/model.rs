//! What the queue stores: jobs, their steps and their log lines.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A job's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub i64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// What a job does; each kind has one handler.
    JobKind {
        EnvironmentCreate => "environment.create",
        EnvironmentApply => "environment.apply",
        EnvironmentDestroy => "environment.destroy",
        PromotionExecute => "promotion.execute",
        OidcCheck => "oidc.check",
    }
);

impl JobKind {
    /// Infrastructure jobs take their environment's concurrency key and are
    /// never retried automatically: the user retries from the failed layer.
    pub fn is_infrastructure(self) -> bool {
        !matches!(self, Self::OidcCheck)
    }

    /// How many times a job of this kind may be claimed. Infrastructure jobs
    /// are claimed again only after a worker died (lease expired).
    pub fn default_max_attempts(self) -> i64 {
        if self.is_infrastructure() {
            3
        } else {
            5
        }
    }
}

wire_enum!(
    /// Where a job is in its life.
    JobStatus {
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
);

impl JobStatus {
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

wire_enum!(
    /// Where a step is in its life.
    StepStatus {
        Pending => "pending",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
);

wire_enum!(
    /// The phase of a layer a step covers.
    Phase {
        Plan => "plan",
        Apply => "apply",
    }
);

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

/// A job as the UI and the REST API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: i64,
    pub actor: String,
    pub environment: Option<String>,
    pub cancel_requested: bool,
    pub last_error: Option<String>,
    /// `layer/phase` where a failed or cancelled job stopped.
    pub stopped_at: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// One layer and phase of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub position: i64,
    pub layer: String,
    pub phase: Phase,
    pub status: StepStatus,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub resources_done: i64,
    pub resources_planned: i64,
    pub summary: Option<PlanSummary>,
    pub message: Option<String>,
}

/// Terraform's add/change/destroy counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub add: i64,
    pub change: i64,
    pub destroy: i64,
}

/// One stored log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub seq: i64,
    pub step: Option<i64>,
    pub at: i64,
    pub line: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_wire_names() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(JobKind::parse("nope"), None);
    }

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
