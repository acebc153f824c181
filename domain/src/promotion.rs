//! Promotions: moving charm revisions from one environment to another with
//! a plan, approvals bound to it, verification and automatic rollback.
//!
//! The engine's read models, the REST bodies, the server functions' results
//! and the pages all use these types; every request is parsed here once.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::job::{cursor, given, rename, Collect};
use crate::{EnvironmentName, JobId, Manifest, ManifestEntry, PlanSummary, Tier, ValidationError};

/// A promotion's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct PromotionId(pub i64);

impl PromotionId {
    /// A promotion id as a path or form gives it; anything else names none.
    pub fn parse(text: &str) -> Option<Self> {
        crate::page::whole_number(text).filter(|n| *n > 0).map(Self)
    }
}

impl fmt::Display for PromotionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

crate::string_enum!(
    /// Where a promotion is. See `docs/promotions.md` for the machine.
    PromotionState, "state" {
        Planning => "planning",
        AwaitingApproval => "awaiting_approval",
        Applying => "applying",
        Verifying => "verifying",
        Succeeded => "succeeded",
        Rejected => "rejected",
        Cancelled => "cancelled",
        Failed => "failed",
        Superseded => "superseded",
        AwaitingDecision => "awaiting_decision",
        RollingBack => "rolling_back",
        RolledBack => "rolled_back",
        RollbackFailed => "rollback_failed",
    }
);

impl PromotionState {
    /// Holds its environment's promotion slot: a later promotion of the
    /// same target waits until this one leaves these states.
    pub fn is_in_flight(self) -> bool {
        matches!(
            self,
            Self::Planning
                | Self::AwaitingApproval
                | Self::Applying
                | Self::Verifying
                | Self::AwaitingDecision
                | Self::RollingBack
        )
    }

    /// Nothing more happens to it (a failed or superseded promotion can
    /// still be rolled back or re-planned).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Succeeded
                | Self::Rejected
                | Self::Cancelled
                | Self::RolledBack
                | Self::RollbackFailed
        )
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Planning => "planning",
            Self::AwaitingApproval => "awaiting approval",
            Self::Applying => "applying",
            Self::Verifying => "verifying",
            Self::Succeeded => "succeeded",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
            Self::Superseded => "superseded",
            Self::AwaitingDecision => "awaiting decision",
            Self::RollingBack => "rolling back",
            Self::RolledBack => "rolled back",
            Self::RollbackFailed => "rollback failed",
        }
    }
}

/// Most approvals a policy may require.
pub const MAX_APPROVALS: u32 = 5;
/// The bounds of a policy's verification: passes, seconds between checks,
/// seconds in all (as `(low, high)`).
pub const VERIFY_PASSES: (u32, u32) = (1, 10);
pub const VERIFY_INTERVAL_SECS: (u32, u32) = (1, 600);
pub const VERIFY_WINDOW_SECS: (u32, u32) = (1, 3600);
/// Longest comment on an approval or rejection.
pub const MAX_COMMENT: usize = 2000;

/// How promotions into one environment are governed. Owners change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PromotionPolicy {
    /// Distinct approvers needed.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::required_approvals))]
    pub required_approvals: u32,
    /// Roll back on a failed verification.
    pub auto_rollback: bool,
    /// Consecutive passing OIDC checks that verify a promotion.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::verify_passes))]
    pub verify_passes: u32,
    /// Seconds between verification checks.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::verify_interval_secs))]
    pub verify_interval_secs: u32,
    /// Seconds verification may take before a person must decide: at
    /// least `verify_interval_secs × (verify_passes − 1)`, room for every
    /// pass (refused with 422 otherwise).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::verify_window_secs))]
    pub verify_window_secs: u32,
    /// A release recorded on the channel it tracks opens a promotion into
    /// it (off when absent).
    #[serde(default)]
    pub auto_deploy: bool,
    /// The environment it is promoted from: orders the release matrix and
    /// is the New promotion form's first choice of source. Another
    /// existing environment, without a cycle (refused with 422).
    #[serde(default)]
    pub upstream: Option<EnvironmentName>,
}

impl PromotionPolicy {
    /// 0 approvals for staging, 1 for production; rollback on; 2 passes
    /// 15 s apart within 5 minutes.
    pub fn default_for(tier: Tier) -> Self {
        Self {
            required_approvals: match tier {
                Tier::Staging => 0,
                Tier::Production => 1,
            },
            auto_rollback: true,
            verify_passes: 2,
            verify_interval_secs: 15,
            verify_window_secs: 300,
            auto_deploy: false,
            upstream: None,
        }
    }

    /// Every bound checked, every refusal reported at once.
    pub fn validate(&self) -> Result<(), Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut bound = |field: &str, value: u32, low: u32, high: u32| {
            if !(low..=high).contains(&value) {
                errors.push(ValidationError::new(
                    field,
                    format!("must be a whole number from {low} to {high}"),
                ));
            }
        };
        bound(
            "required_approvals",
            self.required_approvals,
            0,
            MAX_APPROVALS,
        );
        let (low, high) = VERIFY_PASSES;
        bound("verify_passes", self.verify_passes, low, high);
        let (low, high) = VERIFY_INTERVAL_SECS;
        bound("verify_interval_secs", self.verify_interval_secs, low, high);
        let (low, high) = VERIFY_WINDOW_SECS;
        bound("verify_window_secs", self.verify_window_secs, low, high);
        if errors.is_empty()
            && u64::from(self.verify_window_secs)
                < u64::from(self.verify_interval_secs) * u64::from(self.verify_passes - 1)
        {
            errors.push(ValidationError::new(
                "verify_window_secs",
                "must leave room for every pass: at least interval × (passes − 1)",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The policy form as typed (every field text; a missing checkbox is off).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyForm {
    pub required_approvals: String,
    pub auto_rollback: Option<String>,
    pub verify_passes: String,
    pub verify_interval_secs: String,
    pub verify_window_secs: String,
    pub auto_deploy: Option<String>,
    /// Empty: none.
    pub upstream: String,
}

impl PolicyForm {
    pub fn parse(&self) -> Result<PromotionPolicy, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let upstream = match self.upstream.trim() {
            "" => None,
            name => EnvironmentName::parse(name)
                .map_err(|e| errors.push(rename(e, "upstream")))
                .ok(),
        };
        let mut number = |field: &str, text: &str| match text.trim().parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                errors.push(ValidationError::new(field, "must be a whole number"));
                0
            }
        };
        let policy = PromotionPolicy {
            required_approvals: number("required_approvals", &self.required_approvals),
            auto_rollback: self.auto_rollback.is_some(),
            verify_passes: number("verify_passes", &self.verify_passes),
            verify_interval_secs: number("verify_interval_secs", &self.verify_interval_secs),
            verify_window_secs: number("verify_window_secs", &self.verify_window_secs),
            auto_deploy: self.auto_deploy.is_some(),
            upstream,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        policy.validate().map(|()| policy)
    }
}

/// What a promotion moves: application → pinned charm revision, with an id
/// derived from its content (the engine hashes [`ReleaseSet::canonical`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseSet {
    /// `sha256:` and the hex digest of the canonical JSON.
    pub id: String,
    pub applications: Manifest,
}

impl ReleaseSet {
    /// The canonical JSON the id is the hash of: applications in name
    /// order, fields in declaration order, no whitespace.
    pub fn canonical(applications: &Manifest) -> String {
        serde_json::to_string(applications).unwrap_or_default()
    }
}

/// The request to open a promotion: the REST body and the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct OpenPromotion {
    /// The environment whose revisions move.
    #[cfg_attr(feature = "openapi", schema(value_type = EnvironmentName, required = true))]
    pub source: String,
    /// The environment they move to; not the source (refused with 422).
    #[cfg_attr(feature = "openapi", schema(value_type = EnvironmentName, required = true))]
    pub target: String,
    /// Applications to move; empty: every application whose revision differs.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::applications))]
    pub applications: Vec<String>,
    /// Go on although a revision is not known to be released on the
    /// target's channel (recorded with the promotion).
    pub acknowledge: bool,
}

/// An [`OpenPromotion`] whose names are valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRequest {
    pub source: EnvironmentName,
    pub target: EnvironmentName,
    pub applications: Vec<String>,
    pub acknowledge: bool,
}

impl OpenPromotion {
    pub fn parse(&self) -> Result<PromotionRequest, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut take = Collect(&mut errors);
        let source =
            take.ok(EnvironmentName::parse(self.source.trim()).map_err(|e| rename(e, "source")));
        let target =
            take.ok(EnvironmentName::parse(self.target.trim()).map_err(|e| rename(e, "target")));
        if self.applications.len() > crate::manifest::MAX_APPLICATIONS {
            errors.push(ValidationError::new(
                "applications",
                "names too many applications",
            ));
        }
        for name in &self.applications {
            if !crate::manifest::valid_name(name) {
                errors.push(ValidationError::new(
                    "applications",
                    format!(
                        "{name:?} is not an application name (lowercase letters, digits and '-')"
                    ),
                ));
            }
        }
        let mut applications = self.applications.clone();
        applications.sort();
        applications.dedup();
        if let (Some(s), Some(t)) = (&source, &target) {
            if s == t {
                errors.push(ValidationError::new(
                    "target",
                    "must differ from the source: an environment cannot be promoted into itself",
                ));
            }
        }
        match (source, target, errors.is_empty()) {
            (Some(source), Some(target), true) => Ok(PromotionRequest {
                source,
                target,
                applications,
                acknowledge: self.acknowledge,
            }),
            _ => Err(errors),
        }
    }
}

crate::string_enum!(
    /// Why a promotion needs a second look.
    WarningKind, "kind" {
        /// The revision is not known to be released on the target's channel.
        Channel => "channel",
        /// The plan destroys a resource.
        Destroy => "destroy",
        /// The plan replaces a resource (destroy and create).
        Replace => "replace",
    }
);

/// One warning shown in red on the approval screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warning {
    pub kind: WarningKind,
    /// The application or resource address it is about.
    pub subject: String,
    pub message: String,
}

/// One application's change: the target's current charm against the
/// incoming one, and the layer (workspace) it lives in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffRow {
    pub application: String,
    /// The layer that deploys it; none when no layer lists it.
    pub layer: Option<String>,
    pub current: Option<ManifestEntry>,
    pub incoming: ManifestEntry,
}

impl DiffRow {
    /// Whether the revision actually changes.
    pub fn changes(&self) -> bool {
        self.current.as_ref().map(|c| c.revision) != Some(self.incoming.revision)
    }
}

/// What opening a promotion would do, before it is opened: the form's
/// preview and `GET /promotions/preview`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionPreview {
    pub diff: Vec<DiffRow>,
    pub warnings: Vec<Warning>,
    /// Why it would be refused; empty when it can be opened.
    pub refusals: Vec<String>,
}

/// One resource change of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceChange {
    pub address: String,
    /// Terraform's actions: `create`, `update`, `delete` (both for a replace).
    pub actions: Vec<String>,
}

/// The saved plan of one affected workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspacePlan {
    pub layer: String,
    pub summary: PlanSummary,
    pub changes: Vec<ResourceChange>,
    /// `sha256:` and the hex digest of the saved plan file.
    pub plan_hash: String,
}

crate::string_enum!(
    /// An approver's answer.
    Verdict, "verdict" { Approve => "approve", Reject => "reject" }
);

/// One approval or rejection, bound to the plan it saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub approver: String,
    pub verdict: Verdict,
    pub comment: String,
    pub at: i64,
    pub plan_hash: String,
    /// False once a re-plan voided it.
    pub current: bool,
}

/// The body of approve and reject (a rejection needs a comment: its
/// schema is `Rejection`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct DecisionRequest {
    /// At most 2000 characters.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::comment))]
    pub comment: String,
}

impl DecisionRequest {
    /// The comment, trimmed; `required` refuses a blank one.
    pub fn parse(&self, required: bool) -> Result<String, ValidationError> {
        if required {
            crate::text::required(
                "comment",
                &self.comment,
                MAX_COMMENT,
                "say why: a rejection needs a comment",
            )
        } else {
            crate::text::optional("comment", &self.comment, MAX_COMMENT)
        }
    }
}

/// One verification check of the target's OIDC endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationCheck {
    pub at: i64,
    /// true: every rule passed; false: a rule failed; none: the endpoint
    /// could not be checked (retried within the window).
    pub passed: Option<bool>,
    pub failed_rules: Vec<String>,
    pub message: String,
    /// Checking the rollback rather than the promotion.
    pub rollback: bool,
}

/// One line of a promotion's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionEvent {
    pub at: i64,
    pub actor: String,
    pub state: PromotionState,
    pub message: String,
}

/// Where a promotion's revisions come from: another environment, or a
/// release recorded by CI (`{"environment": "blue"}` or `{"release": {…}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PromotionSource {
    Environment(EnvironmentName),
    Release(crate::ReleaseRef),
}

impl PromotionSource {
    /// The source environment, when the source is one.
    pub fn environment(&self) -> Option<&EnvironmentName> {
        match self {
            Self::Environment(name) => Some(name),
            Self::Release(_) => None,
        }
    }

    /// Where people read more about it: the environment's or the
    /// release's page.
    pub fn href(&self) -> String {
        match self {
            Self::Environment(name) => format!("/environments/{name}"),
            // The page of the list that starts with it.
            Self::Release(r) => format!("/releases?before={}#release-{}", r.id.0 + 1, r.id),
        }
    }
}

impl fmt::Display for PromotionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Environment(name) => name.fmt(f),
            Self::Release(r) => r.fmt(f),
        }
    }
}

/// A promotion as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Promotion {
    pub id: PromotionId,
    pub source: PromotionSource,
    pub target: EnvironmentName,
    pub state: PromotionState,
    pub applications: Vec<String>,
    /// What moves in (pinned revisions).
    pub incoming: ReleaseSet,
    /// What the target ran before, for those applications.
    pub previous: Manifest,
    pub requested_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The hash approvals bind to; none until planned.
    pub plan_hash: Option<String>,
    /// The channel warnings were acknowledged when it was opened.
    pub acknowledged: bool,
    /// The last thing that happened, in words.
    pub message: String,
    /// The job running (or last run) for it.
    pub job: Option<JobId>,
}

/// What the viewer may do with a promotion now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionActions {
    pub approve: bool,
    pub reject: bool,
    pub cancel: bool,
    pub accept: bool,
    pub rollback: bool,
    pub replan: bool,
    pub reverify: bool,
}

/// A promotion with everything a reviewer needs: `GET /promotions/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionDetail {
    #[serde(flatten)]
    pub promotion: Promotion,
    pub diff: Vec<DiffRow>,
    pub plans: Vec<WorkspacePlan>,
    pub warnings: Vec<Warning>,
    pub policy: PromotionPolicy,
    pub approvals: Vec<Approval>,
    /// Current approvals still needed before it applies.
    pub approvals_missing: u32,
    /// Who could approve (the target's approvers, the requester excluded).
    pub approvers: Vec<String>,
    /// Whether the viewer may approve, and why (not).
    pub viewer_can_approve: bool,
    pub viewer_approval_note: String,
    pub actions: PromotionActions,
    pub checks: Vec<VerificationCheck>,
    pub events: Vec<PromotionEvent>,
    /// The earlier promotion of the same target this one waits for.
    pub waiting_for: Option<PromotionId>,
}

/// Which promotions to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionFilter {
    /// Promotions into this environment (or out of it).
    pub environment: Option<EnvironmentName>,
    pub state: Option<PromotionState>,
    pub before: Option<PromotionId>,
    pub limit: crate::Limit,
}

/// The raw query of a promotion list, as a URL or a form gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default, deny_unknown_fields)]
pub struct PromotionQuery {
    /// Promotions into or out of this environment.
    #[cfg_attr(feature = "openapi", param(value_type = Option<EnvironmentName>))]
    pub environment: Option<String>,
    /// A state such as `awaiting_approval`.
    #[cfg_attr(feature = "openapi", param(value_type = Option<PromotionState>))]
    pub state: Option<String>,
    /// The `next` of the previous page.
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::openapi::Cursor>))]
    pub before: Option<String>,
    /// At most this many (default 50).
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::Limit>))]
    pub limit: Option<String>,
}

impl PromotionQuery {
    pub fn parse(&self) -> Result<PromotionFilter, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut take = Collect(&mut errors);
        let environment = given(&self.environment)
            .and_then(|e| take.ok(EnvironmentName::parse(e).map_err(|e| rename(e, "environment"))));
        let state = given(&self.state).and_then(|s| take.ok(PromotionState::parse(s)));
        let before = given(&self.before).and_then(|b| take.ok(cursor(b).map(PromotionId)));
        let limit = take.ok(crate::Limit::parse(given(&self.limit)));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PromotionFilter {
            environment,
            state,
            before,
            limit: limit.unwrap_or_default(),
        })
    }
}

/// One release set applied to an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deployment {
    pub id: i64,
    pub environment: EnvironmentName,
    pub release_set: ReleaseSet,
    pub at: i64,
    pub actor: String,
    pub promotion: Option<PromotionId>,
    pub job: Option<JobId>,
    /// Its OIDC endpoint passed verification with this set.
    pub verified: bool,
    /// Applied by a rollback.
    pub rollback: bool,
}

/// A revision kept out of one environment after a rollback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    pub environment: EnvironmentName,
    pub application: String,
    pub charm: String,
    pub revision: u32,
    pub reason: String,
    pub at: i64,
    pub by: String,
    pub promotion: Option<PromotionId>,
}

/// Which hold to lift: `DELETE /environments/{name}/holds/{application}/{revision}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldKey {
    pub application: String,
    pub revision: u32,
}

impl HoldKey {
    pub fn parse(application: &str, revision: &str) -> Result<Self, ValidationError> {
        let revision = crate::page::whole_number(revision)
            .and_then(|r| u32::try_from(r).ok())
            .filter(|r| (1..=crate::manifest::MAX_REVISION).contains(r))
            .ok_or_else(|| ValidationError::new("revision", "must be a revision number"))?;
        if !crate::manifest::valid_name(application) {
            return Err(ValidationError::new(
                "application",
                "must name an application (lowercase letters, digits and '-')",
            ));
        }
        Ok(Self {
            application: application.to_owned(),
            revision,
        })
    }
}

/// An environment's promotion side: policy, deployment history and holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvironmentReleases {
    pub policy: PromotionPolicy,
    /// Whether the viewer may change the policy.
    pub can_edit_policy: bool,
    /// Whether the viewer may lift holds.
    pub can_lift_holds: bool,
    pub deployments: Vec<Deployment>,
    pub holds: Vec<Hold>,
}

/// One server-sent event of `GET /promotions/{id}/events`. The SSE
/// `event:` field is [`PromotionStream::name`], `data:` the JSON of the
/// payload.
/// Its OpenAPI schema (each event's name and JSON data) is in `openapi.rs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum PromotionStream {
    /// The promotion as `GET /promotions/{id}` answers it: first, then
    /// whenever it changes (a state, an approval, a check, a timeline line).
    Promotion(Box<PromotionDetail>),
    /// The promotion in a final state; the stream then closes.
    End(Box<PromotionDetail>),
    /// It can no longer be read; the stream then closes.
    Error(crate::ErrorBody),
}

impl PromotionStream {
    pub const PROMOTION: &'static str = "promotion";
    pub const END: &'static str = "end";
    pub const ERROR: &'static str = "error";

    pub fn name(&self) -> &'static str {
        match self {
            Self::Promotion(_) => Self::PROMOTION,
            Self::End(_) => Self::END,
            Self::Error(_) => Self::ERROR,
        }
    }

    /// The JSON of the event's payload (its `data:`).
    pub fn data(&self) -> String {
        let json = match self {
            Self::Promotion(d) | Self::End(d) => serde_json::to_string(d),
            Self::Error(e) => serde_json::to_string(e),
        };
        json.unwrap_or_else(|_| "{}".to_owned())
    }

    /// An event as a browser's `EventSource` delivers it.
    pub fn parse(name: &str, data: &str) -> Option<Self> {
        match name {
            Self::PROMOTION => serde_json::from_str(data).ok().map(Self::Promotion),
            Self::END => serde_json::from_str(data).ok().map(Self::End),
            Self::ERROR => serde_json::from_str(data).ok().map(Self::Error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_and_terminal_states_never_overlap() {
        for state in PromotionState::ALL {
            assert!(
                !(state.is_in_flight() && state.is_terminal()),
                "{state} is both"
            );
        }
        assert!(PromotionState::AwaitingDecision.is_in_flight());
        assert!(!PromotionState::Failed.is_terminal());
        assert!(PromotionState::RolledBack.is_terminal());
    }

    #[test]
    fn policy_bounds_are_reported_per_field() {
        let mut policy = PromotionPolicy::default_for(Tier::Production);
        assert_eq!(policy.required_approvals, 1);
        assert!(policy.validate().is_ok());
        policy.required_approvals = 6;
        policy.verify_passes = 0;
        let errors = policy.validate().err().unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["required_approvals", "verify_passes"]);
        let short = PromotionPolicy {
            verify_passes: 3,
            verify_interval_secs: 60,
            verify_window_secs: 100,
            ..PromotionPolicy::default_for(Tier::Staging)
        };
        assert_eq!(
            short.validate().err().unwrap_or_default()[0].field,
            "verify_window_secs"
        );
    }

    #[test]
    fn the_policy_form_reads_an_absent_checkbox_as_off() {
        let form = PolicyForm {
            required_approvals: "2".into(),
            auto_rollback: None,
            verify_passes: "1".into(),
            verify_interval_secs: "5".into(),
            verify_window_secs: "60".into(),
            auto_deploy: Some("on".into()),
            upstream: " blue ".into(),
        };
        let policy = form.parse().unwrap_or_else(|e| panic!("{e:?}"));
        assert!(!policy.auto_rollback);
        assert!(policy.auto_deploy);
        assert_eq!(
            policy.upstream.map(|u| u.to_string()).as_deref(),
            Some("blue")
        );
        assert_eq!(policy.required_approvals, 2);
        let bad = PolicyForm {
            required_approvals: "two".into(),
            upstream: "Not A Name".into(),
            ..form
        };
        let fields: Vec<String> = bad
            .parse()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["upstream", "required_approvals"]);
    }

    #[test]
    fn opening_a_promotion_into_its_own_source_is_refused() {
        let same = OpenPromotion {
            source: "blue".into(),
            target: "blue".into(),
            ..OpenPromotion::default()
        };
        assert_eq!(same.parse().err().unwrap_or_default()[0].field, "target");
        let fine = OpenPromotion {
            source: "blue".into(),
            target: " green ".into(),
            applications: vec!["kratos".into(), "hydra".into(), "kratos".into()],
            acknowledge: false,
        };
        let parsed = fine.parse().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(parsed.target.as_str(), "green");
        assert_eq!(parsed.applications, ["hydra", "kratos"]);
    }

    #[test]
    fn a_rejection_needs_a_comment_and_an_approval_does_not() {
        let empty = DecisionRequest {
            comment: "  ".into(),
        };
        assert!(empty.parse(false).is_ok());
        assert_eq!(
            empty.parse(true).err().map(|e| e.field),
            Some("comment".into())
        );
        let long = DecisionRequest {
            comment: "x".repeat(MAX_COMMENT + 1),
        };
        assert!(long.parse(false).is_err());
    }

    #[test]
    fn hold_keys_need_a_revision_number() {
        assert!(HoldKey::parse("hydra", "401").is_ok());
        assert_eq!(
            HoldKey::parse("hydra", "latest").err().map(|e| e.field),
            Some("revision".into())
        );
        assert!(HoldKey::parse("", "3").is_err());
    }
}
