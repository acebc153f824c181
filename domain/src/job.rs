//! Jobs as everyone sees them: the queue's rows, the REST API's bodies, the
//! server functions' results and the live events are these types.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{ErrorBody, ValidationError};

/// A job's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct JobId(pub i64);

impl JobId {
    /// A job id as a path or form gives it; anything else names no job.
    pub fn parse(text: &str) -> Option<Self> {
        crate::page::whole_number(text).filter(|n| *n > 0).map(Self)
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

crate::string_enum!(
    /// What a job does; each kind has one handler.
    JobKind, "kind" {
        EnvironmentCreate => "environment.create",
        EnvironmentApply => "environment.apply",
        EnvironmentDestroy => "environment.destroy",
        PromotionExecute => "promotion.execute",
        OidcCheck => "oidc.check",
        WebhookDeliver => "webhook.deliver",
    }
);

impl JobKind {
    /// Infrastructure jobs take their environment's concurrency key and are
    /// never retried automatically: the user retries from the failed layer.
    pub fn is_infrastructure(self) -> bool {
        !matches!(self, Self::OidcCheck | Self::WebhookDeliver)
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

crate::string_enum!(
    /// Where a job is in its life.
    JobStatus, "status" {
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

    /// Only a failed or cancelled job can be put back in the queue.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Failed | Self::Cancelled)
    }
}

crate::string_enum!(
    /// Where a step is in its life.
    StepStatus, "status" {
        Pending => "pending",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
);

crate::string_enum!(
    /// The phase of a layer a step covers.
    Phase, "phase" {
        Plan => "plan",
        Apply => "apply",
    }
);

/// A job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    /// What the job's handler was given (environment, layers, …).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub attempts: i64,
    pub max_attempts: i64,
    /// Not before this time (Unix ms).
    pub run_at: i64,
    /// Who asked (`user:<sub>`, `system:<component>`).
    pub actor: String,
    pub environment: Option<String>,
    pub cancel_requested: bool,
    pub last_error: Option<String>,
    /// `layer/phase` where a failed or cancelled job stopped.
    pub stopped_at: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// An OIDC check job's verdict, once it stored its check.
    pub verdict: Option<crate::oidc::RuleStatus>,
}

impl Job {
    pub fn is_finished(&self) -> bool {
        self.status.is_finished()
    }
}

/// Terraform's add/change/destroy counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanSummary {
    pub add: i64,
    pub change: i64,
    pub destroy: i64,
}

/// Resources done out of those planned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Progress {
    pub done: i64,
    pub planned: i64,
}

/// One layer and phase of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    /// The step's number: log lines name it in `step`.
    pub position: i64,
    pub layer: String,
    pub phase: Phase,
    pub status: StepStatus,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub progress: Progress,
    /// Terraform's plan counts, once planned.
    pub summary: Option<PlanSummary>,
    pub message: Option<String>,
}

/// A job with its steps: `GET /jobs/{id}`, and the `job` and `end` events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobDetail {
    #[serde(flatten)]
    pub job: Job,
    pub steps: Vec<Step>,
}

/// One stored log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogLine {
    pub seq: i64,
    /// The step's position, when the line belongs to one.
    pub step: Option<i64>,
    pub at: i64,
    pub line: String,
}

/// The name a job's log downloads as: `palette-job-42.log`, or for the
/// steps a `step` filter names `palette-job-42-iam-apply.log` (anything but
/// ASCII letters, digits, `.`, `_` and `-` becomes `-`, so the name is
/// safe in a `Content-Disposition` header and on any file system).
pub fn log_file_name(job: JobId, step: Option<&str>) -> String {
    let step: String = step
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.chars()
                .take(64)
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._-".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if step.is_empty() {
        format!("palette-job-{job}.log")
    } else {
        format!("palette-job-{job}-{step}.log")
    }
}

/// A reference to a queued job: `{"id": 7}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRef {
    pub id: JobId,
}

/// `{"job": {"id": 7}}`: the answer of everything that queues a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Queued {
    pub job: JobRef,
}

impl Queued {
    pub fn new(id: JobId) -> Self {
        Self { job: JobRef { id } }
    }
}

crate::string_enum!(
    /// What a cancel did.
    CancelOutcome, "outcome" {
        /// It was queued and will not run.
        Cancelled => "cancelled",
        /// It is running; its worker stops it.
        Requested => "requested",
        /// It had already finished.
        AlreadyFinished => "already_finished",
    }
);

/// The answer of `POST /jobs/{id}/cancel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cancelled {
    pub job: JobRef,
    pub outcome: CancelOutcome,
}

/// One server-sent event of `GET /jobs/{id}/events`. The SSE `event:` field
/// is [`JobEvent::name`], `data:` the JSON of the payload.
/// Its OpenAPI schema (each event's name and JSON data) is in `openapi.rs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum JobEvent {
    /// The job and its steps: first, then whenever they change.
    Job(JobDetail),
    /// A log line; the SSE `id:` is its `seq`.
    Log(LogLine),
    /// The finished job, after its last line; the stream then closes.
    End(JobDetail),
    /// The job can no longer be read; the stream then closes.
    Error(ErrorBody),
}

impl JobEvent {
    pub const JOB: &'static str = "job";
    pub const LOG: &'static str = "log";
    pub const END: &'static str = "end";
    pub const ERROR: &'static str = "error";

    pub fn name(&self) -> &'static str {
        match self {
            Self::Job(_) => Self::JOB,
            Self::Log(_) => Self::LOG,
            Self::End(_) => Self::END,
            Self::Error(_) => Self::ERROR,
        }
    }

    /// The JSON of the event's payload (its `data:`).
    pub fn data(&self) -> String {
        let json = match self {
            Self::Job(d) | Self::End(d) => serde_json::to_string(d),
            Self::Log(l) => serde_json::to_string(l),
            Self::Error(e) => serde_json::to_string(e),
        };
        json.unwrap_or_else(|_| "{}".to_owned())
    }

    /// An event as a browser's `EventSource` delivers it.
    pub fn parse(name: &str, data: &str) -> Option<Self> {
        match name {
            Self::JOB => serde_json::from_str(data).ok().map(Self::Job),
            Self::LOG => serde_json::from_str(data).ok().map(Self::Log),
            Self::END => serde_json::from_str(data).ok().map(Self::End),
            Self::ERROR => serde_json::from_str(data).ok().map(Self::Error),
            _ => None,
        }
    }
}

/// Which jobs to list, newest first: the REST query, the jobs page and the
/// store all take this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFilter {
    pub environment: Option<crate::EnvironmentName>,
    pub status: Option<JobStatus>,
    pub kind: Option<JobKind>,
    /// A principal (`user:alice`; a bare name means `user:<name>`).
    pub actor: Option<String>,
    /// Created at or after (Unix ms).
    pub since: Option<i64>,
    /// Only jobs with an id below this (the `next` of the previous page).
    pub before: Option<JobId>,
    pub limit: crate::Limit,
}

/// The raw text of a job list's query, as a URL or a form gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default, deny_unknown_fields)]
pub struct JobQuery {
    /// Only jobs on this environment.
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::EnvironmentName>))]
    pub environment: Option<String>,
    /// queued, running, succeeded, failed or cancelled.
    #[cfg_attr(feature = "openapi", param(value_type = Option<JobStatus>))]
    pub status: Option<String>,
    /// A job kind such as `environment.create`.
    #[cfg_attr(feature = "openapi", param(value_type = Option<JobKind>))]
    pub kind: Option<String>,
    /// A principal such as `user:alice` (or just `alice`).
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::openapi::Principal>))]
    pub actor: Option<String>,
    /// Unix milliseconds, a date (2026-01-31) or a UTC time (2026-01-31T12:00:00Z).
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::openapi::Since>))]
    pub since: Option<String>,
    /// The `next` of the previous page.
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::openapi::Cursor>))]
    pub before: Option<String>,
    /// At most this many jobs (default 50).
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::Limit>))]
    pub limit: Option<String>,
}

/// `Some(trimmed)` unless empty.
pub(crate) fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Longest principal a filter takes, and its pattern.
pub const PRINCIPAL_MAX_LEN: usize = 200;
pub const PRINCIPAL_PATTERN: &str = "^[A-Za-z0-9._@:#-]{1,200}$";

/// A principal as a filter takes it: `user:alice`, or `alice` for a person.
pub(crate) fn principal(field: &str, text: &str) -> Result<String, ValidationError> {
    let valid = text.len() <= PRINCIPAL_MAX_LEN
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@:-#".contains(c));
    if !valid {
        return Err(ValidationError::new(
            field,
            "must be a principal such as user:alice",
        ));
    }
    Ok(if text.contains(':') {
        text.to_owned()
    } else {
        format!("user:{text}")
    })
}

/// A `before` cursor: a positive whole number.
pub(crate) fn cursor(text: &str) -> Result<i64, ValidationError> {
    crate::page::whole_number(text)
        .filter(|n| *n > 0)
        .ok_or_else(|| ValidationError::new("before", "must be the `next` of a previous page"))
}

impl JobQuery {
    /// Every field parsed, every refusal reported at once.
    pub fn parse(&self) -> Result<JobFilter, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut take = Collect(&mut errors);
        let environment = given(&self.environment).and_then(|e| {
            take.ok(crate::EnvironmentName::parse(e).map_err(|e| rename(e, "environment")))
        });
        let status = given(&self.status).and_then(|s| take.ok(JobStatus::parse(s)));
        let kind = given(&self.kind).and_then(|k| take.ok(JobKind::parse(k)));
        let actor = given(&self.actor).and_then(|a| take.ok(principal("actor", a)));
        let since = given(&self.since).and_then(|s| take.ok(crate::time::parse_time("since", s)));
        let before = given(&self.before).and_then(|b| take.ok(cursor(b).map(JobId)));
        let limit = take.ok(crate::Limit::parse(given(&self.limit)));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(JobFilter {
            environment,
            status,
            kind,
            actor,
            since,
            before,
            limit: limit.unwrap_or_default(),
        })
    }
}

/// Gathers the refusals of several fields, to report them all at once.
pub(crate) struct Collect<'a>(pub &'a mut Vec<ValidationError>);

impl Collect<'_> {
    pub fn ok<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }
}

pub(crate) fn rename(mut error: ValidationError, field: &str) -> ValidationError {
    field.clone_into(&mut error.field);
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_wire_names() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Ok(*kind));
            let json = serde_json::to_string(kind).unwrap_or_default();
            assert_eq!(json, format!("\"{kind}\""));
        }
        assert!(JobKind::parse("nope").is_err());
    }

    #[test]
    fn a_job_query_reports_every_bad_field() {
        let query = JobQuery {
            environment: Some("Blue".into()),
            status: Some("done".into()),
            kind: Some("environment.create".into()),
            since: Some("yesterday".into()),
            before: Some("-3".into()),
            limit: Some("1000".into()),
            ..JobQuery::default()
        };
        let fields: Vec<_> = query
            .parse()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["environment", "status", "since", "before", "limit"]
        );
    }

    #[test]
    fn a_job_query_takes_bare_names_as_people_and_empty_fields_as_absent() {
        let query = JobQuery {
            actor: Some("alice".into()),
            environment: Some(" ".into()),
            since: Some("1970-01-02".into()),
            ..JobQuery::default()
        };
        let filter = query.parse().unwrap_or_default();
        assert_eq!(filter.actor.as_deref(), Some("user:alice"));
        assert_eq!(filter.environment, None);
        assert_eq!(filter.since, Some(86_400_000));
    }

    #[test]
    fn a_log_file_is_named_after_its_job_and_step_safely() {
        assert_eq!(log_file_name(JobId(42), None), "palette-job-42.log");
        assert_eq!(log_file_name(JobId(42), Some(" ")), "palette-job-42.log");
        assert_eq!(
            log_file_name(JobId(42), Some("iam/apply")),
            "palette-job-42-iam-apply.log"
        );
        assert_eq!(
            log_file_name(JobId(7), Some("a\"; b\r\né")),
            "palette-job-7-a---b---.log"
        );
    }

    #[test]
    fn events_round_trip_by_name() {
        let line = LogLine {
            seq: 3,
            step: Some(1),
            at: 5,
            line: "x".into(),
        };
        let event = JobEvent::Log(line.clone());
        assert_eq!(JobEvent::parse(event.name(), &event.data()), Some(event));
        assert_eq!(JobEvent::parse("log", "{"), None);
    }
}
