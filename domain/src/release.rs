//! Releases: a charm revision that CI published on a channel, and where it
//! went. Recording one opens a promotion into every environment that
//! tracks the channel, runs the application and has auto-deploy on.
//! Quarantines keep a revision out of every environment; the release
//! matrix shows what runs where.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::job::{cursor, given, Collect};
use crate::manifest::{valid_name, MAX_REVISION};
use crate::{Channel, EnvironmentName, PromotionId, PromotionState, Tier, ValidationError};

/// A recorded release's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ReleaseId(pub i64);

impl ReleaseId {
    pub fn parse(text: &str) -> Option<Self> {
        crate::page::whole_number(text).filter(|n| *n > 0).map(Self)
    }
}

impl fmt::Display for ReleaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Most resources one release may name.
pub const MAX_RESOURCES: usize = 32;
/// Longest quarantine reason.
pub const MAX_REASON: usize = 500;

/// `POST /releases`: CI published `charm` revision `revision` on `channel`
/// for `application`. Every field is reported at once when it is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RecordRelease {
    /// The application the charm deploys in environments' manifests.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Name, required = true))]
    pub application: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Name, required = true))]
    pub charm: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Revision, required = true))]
    pub revision: i64,
    /// `[track/]risk[/branch]`; no track means `latest`.
    #[cfg_attr(feature = "openapi", schema(value_type = Channel, required = true))]
    pub channel: String,
    /// OCI image and file resources released with it: name → revision.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::resources))]
    pub resources: BTreeMap<String, i64>,
}

/// A [`RecordRelease`] whose fields are valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRelease {
    pub application: String,
    pub charm: String,
    pub revision: u32,
    pub channel: Channel,
    pub resources: BTreeMap<String, u32>,
}

/// A revision from a request: 1 to [`MAX_REVISION`].
fn revision_number(field: &str, value: i64) -> Result<u32, ValidationError> {
    u32::try_from(value)
        .ok()
        .filter(|r| (1..=MAX_REVISION).contains(r))
        .ok_or_else(|| {
            ValidationError::new(
                field,
                format!("must be a whole number from 1 to {MAX_REVISION}"),
            )
        })
}

fn name(field: &str, value: &str) -> Result<String, ValidationError> {
    if valid_name(value) {
        Ok(value.to_owned())
    } else {
        Err(ValidationError::new(
            field,
            "must be a name of lowercase letters, digits and '-' (at most 64)",
        ))
    }
}

impl RecordRelease {
    pub fn parse(&self) -> Result<NewRelease, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut take = Collect(&mut errors);
        let application = take.ok(name("application", &self.application));
        let charm = take.ok(name("charm", &self.charm));
        let revision = take.ok(revision_number("revision", self.revision));
        let channel = take.ok(Channel::parse(&self.channel));
        let mut resources = BTreeMap::new();
        if self.resources.len() > MAX_RESOURCES {
            errors.push(ValidationError::new(
                "resources",
                format!("at most {MAX_RESOURCES} resources"),
            ));
        }
        for (resource, rev) in &self.resources {
            let field = format!("resources.{resource}");
            let mut take = Collect(&mut errors);
            let resource = take.ok(name(&field, resource));
            let rev = take.ok(revision_number(&field, *rev));
            if let (Some(resource), Some(rev)) = (resource, rev) {
                resources.insert(resource, rev);
            }
        }
        match (application, charm, revision, channel, errors.is_empty()) {
            (Some(application), Some(charm), Some(revision), Some(channel), true) => {
                Ok(NewRelease {
                    application,
                    charm,
                    revision,
                    channel,
                    resources,
                })
            }
            _ => Err(errors),
        }
    }
}

/// What became of a release in one environment that tracks its channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseOutcome {
    pub environment: EnvironmentName,
    /// The promotion that brings it there, when one was opened.
    pub promotion: Option<PromotionId>,
    /// That promotion's state now.
    pub state: Option<PromotionState>,
    /// Why no promotion was opened (held, quarantined, auto-deploy off…),
    /// or empty.
    pub note: String,
}

/// A charm revision released on a channel; one per (charm, channel,
/// revision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Release {
    pub id: ReleaseId,
    pub application: String,
    pub charm: String,
    /// With its track spelled out (`latest/edge`).
    #[cfg_attr(feature = "openapi", schema(value_type = Channel))]
    pub channel: String,
    pub revision: u32,
    pub resources: BTreeMap<String, u32>,
    pub at: i64,
    pub by: String,
    /// One per environment that tracked its channel when it was recorded.
    pub outcomes: Vec<ReleaseOutcome>,
}

/// The answer of `POST /releases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedRelease {
    pub release: Release,
    /// False when this (charm, channel, revision) was recorded before:
    /// nothing new was opened.
    pub created: bool,
    /// The promotions this request opened.
    pub opened: Vec<PromotionId>,
}

/// A release as a promotion's source names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseRef {
    pub id: ReleaseId,
    pub application: String,
    pub charm: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Channel))]
    pub channel: String,
    pub revision: u32,
}

impl fmt::Display for ReleaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "release {} of {} {} ({})",
            self.id, self.charm, self.revision, self.channel
        )
    }
}

/// Which releases to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseFilter {
    pub charm: Option<String>,
    pub before: Option<ReleaseId>,
    pub limit: crate::Limit,
}

/// The raw query of `GET /releases`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default, deny_unknown_fields)]
pub struct ReleaseQuery {
    /// Releases of this charm only.
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::openapi::Name>))]
    pub charm: Option<String>,
    /// The `next` of the previous page.
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::openapi::Cursor>))]
    pub before: Option<String>,
    /// At most this many (default 50).
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::Limit>))]
    pub limit: Option<String>,
}

impl ReleaseQuery {
    pub fn parse(&self) -> Result<ReleaseFilter, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut take = Collect(&mut errors);
        let charm = given(&self.charm).and_then(|c| take.ok(name("charm", c)));
        let before = given(&self.before).and_then(|b| take.ok(cursor(b).map(ReleaseId)));
        let limit = take.ok(crate::Limit::parse(given(&self.limit)));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ReleaseFilter {
            charm,
            before,
            limit: limit.unwrap_or_default(),
        })
    }
}

/// A revision kept out of every environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quarantine {
    pub charm: String,
    pub revision: u32,
    pub reason: String,
    pub at: i64,
    pub by: String,
}

/// `POST /quarantines`: keep `charm` revision `revision` out everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct QuarantineRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Name, required = true))]
    pub charm: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Revision, required = true))]
    pub revision: i64,
    /// Why, for everyone who meets it (up to 500 characters, not blank).
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::openapi::quarantine_reason, required = true)
    )]
    pub reason: String,
}

/// A valid [`QuarantineRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuarantine {
    pub key: QuarantineKey,
    pub reason: String,
}

/// Which quarantine: `DELETE /quarantines/{charm}/{revision}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineKey {
    pub charm: String,
    pub revision: u32,
}

impl QuarantineKey {
    /// From a path, where the revision is text.
    pub fn parse(charm: &str, revision: &str) -> Result<Self, Vec<ValidationError>> {
        let number = crate::page::whole_number(revision).unwrap_or(0);
        Self::checked(charm, number)
    }

    fn checked(charm: &str, rev: i64) -> Result<Self, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut take = Collect(&mut errors);
        let charm = take.ok(name("charm", charm));
        let revision = take.ok(revision_number("revision", rev));
        match (charm, revision) {
            (Some(charm), Some(revision)) => Ok(Self { charm, revision }),
            _ => Err(errors),
        }
    }
}

impl QuarantineRequest {
    pub fn parse(&self) -> Result<NewQuarantine, Vec<ValidationError>> {
        let key = QuarantineKey::checked(&self.charm, self.revision);
        let reason = crate::text::required(
            "reason",
            &self.reason,
            MAX_REASON,
            "say why: everyone who meets the quarantine reads it",
        );
        match (key, reason) {
            (Ok(key), Ok(reason)) => Ok(NewQuarantine { key, reason }),
            (key, reason) => {
                let mut errors = key.err().unwrap_or_default();
                errors.extend(reason.err());
                Err(errors)
            }
        }
    }
}

/// One environment of the release matrix, in upstream order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatrixEnvironment {
    pub name: EnvironmentName,
    pub tier: Tier,
    pub channel: Channel,
    /// The environment it is promoted from.
    pub upstream: Option<EnvironmentName>,
    /// Releases on its channel open promotions into it.
    pub auto_deploy: bool,
    /// Whether the viewer may open promotions into it.
    pub can_promote: bool,
}

/// What one environment runs of one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatrixCell {
    pub charm: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Channel))]
    pub channel: String,
    /// None: the channel's latest.
    pub revision: Option<u32>,
    /// Differs from what its upstream environment runs.
    pub differs_from_upstream: bool,
    /// The hold on this revision here, if any (its reason).
    pub held: Option<String>,
    /// The quarantine on this revision, if any (its reason).
    pub quarantined: Option<String>,
}

/// The newest recorded release of a charm on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelRelease {
    #[cfg_attr(feature = "openapi", schema(value_type = Channel))]
    pub channel: String,
    pub revision: u32,
    pub release: ReleaseId,
    pub at: i64,
    pub quarantined: bool,
}

/// One application across the environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatrixRow {
    pub application: String,
    /// One per environment, in [`ReleaseMatrix::environments`] order; none
    /// where the environment does not run the application.
    pub cells: Vec<Option<MatrixCell>>,
    /// The newest release on each channel the environments track.
    pub newest: Vec<ChannelRelease>,
}

/// `GET /release-matrix`: environments × applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseMatrix {
    pub environments: Vec<MatrixEnvironment>,
    pub rows: Vec<MatrixRow>,
    pub quarantines: Vec<Quarantine>,
    /// Whether the viewer may quarantine revisions and lift quarantines.
    pub can_quarantine: bool,
}

/// Environments in upstream order: every environment after the one it is
/// promoted from, roots and siblings by name; a cycle or a missing upstream
/// counts as a root.
pub fn upstream_order(envs: &[(EnvironmentName, Option<EnvironmentName>)]) -> Vec<EnvironmentName> {
    let known = |n: &EnvironmentName| envs.iter().any(|(e, _)| e == n);
    let mut roots: Vec<&EnvironmentName> = envs
        .iter()
        .filter(|(_, up)| up.as_ref().is_none_or(|u| !known(u)))
        .map(|(e, _)| e)
        .collect();
    roots.sort();
    let mut order: Vec<EnvironmentName> = Vec::with_capacity(envs.len());
    fn visit(
        env: &EnvironmentName,
        envs: &[(EnvironmentName, Option<EnvironmentName>)],
        order: &mut Vec<EnvironmentName>,
    ) {
        if order.contains(env) {
            return;
        }
        order.push(env.clone());
        let mut children: Vec<&EnvironmentName> = envs
            .iter()
            .filter(|(e, up)| up.as_ref() == Some(env) && e != env)
            .map(|(e, _)| e)
            .collect();
        children.sort();
        for child in children {
            visit(child, envs, order);
        }
    }
    for root in roots {
        visit(root, envs, &mut order);
    }
    // What a cycle left out, by name.
    let mut rest: Vec<&EnvironmentName> = envs
        .iter()
        .map(|(e, _)| e)
        .filter(|e| !order.contains(e))
        .collect();
    rest.sort();
    for env in rest {
        visit(env, envs, &mut order);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> EnvironmentName {
        EnvironmentName::parse(name).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn a_release_reports_every_bad_field_at_once() {
        let bad = RecordRelease {
            application: "Kratos".into(),
            charm: "".into(),
            revision: 0,
            channel: "latest/nightly".into(),
            resources: BTreeMap::from([("oci-image".into(), -1)]),
        };
        let fields: Vec<String> = bad
            .parse()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "application",
                "charm",
                "revision",
                "channel",
                "resources.oci-image"
            ]
        );
        let good = RecordRelease {
            application: "kratos".into(),
            charm: "kratos".into(),
            revision: 412,
            channel: "latest/edge".into(),
            resources: BTreeMap::from([("oci-image".into(), 7)]),
        };
        let parsed = good.parse().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(parsed.revision, 412);
        assert_eq!(parsed.channel.canonical(), "latest/edge");
        assert_eq!(parsed.resources["oci-image"], 7);
    }

    #[test]
    fn a_quarantine_needs_a_reason_and_a_revision() {
        let request = QuarantineRequest {
            charm: "hydra".into(),
            revision: 405,
            reason: "  ".into(),
        };
        let errors = request.parse().err().unwrap_or_default();
        assert_eq!(errors[0].field, "reason");
        assert!(QuarantineKey::parse("hydra", "latest").is_err());
        assert_eq!(
            QuarantineKey::parse("hydra", "405").map(|k| k.revision),
            Ok(405)
        );
    }

    #[test]
    fn environments_follow_their_upstream() {
        let envs = [
            (env("green"), Some(env("blue"))),
            (env("yellow"), Some(env("red"))),
            (env("blue"), None),
            (env("red"), Some(env("blue"))),
            (env("teal"), Some(env("gone"))),
            (env("loop-a"), Some(env("loop-b"))),
            (env("loop-b"), Some(env("loop-a"))),
        ];
        let order: Vec<String> = upstream_order(&envs)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            order,
            ["blue", "green", "red", "yellow", "teal", "loop-a", "loop-b"]
        );
    }
}
