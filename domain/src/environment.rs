//! Environments: colour-named instances of the identity stack.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::job::{Job, JobRef};
use crate::manifest::Manifest;
use crate::ValidationError;

/// Words that would collide with routes or read as something else.
pub const RESERVED_NAMES: &[&str] = &[
    "admin", "all", "api", "assets", "auth", "default", "healthz", "metrics", "new", "none",
    "null", "pkg", "platform", "readyz", "static", "system",
];

/// The name rule's shortest and longest names, and its pattern (the
/// OpenAPI document states these; a test holds the parser to the pattern).
pub const NAME_MIN_LEN: usize = 2;
pub const NAME_MAX_LEN: usize = 31;
pub const NAME_PATTERN: &str = "^[a-z][a-z0-9-]{1,30}$";

/// An environment's name: a colour slug, [`NAME_PATTERN`], not reserved.
///
/// Names end up in URL paths, workspace directories and command lines, so
/// nothing else may construct one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EnvironmentName(String);

impl EnvironmentName {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let err = |m: &str| Err(ValidationError::new("name", m));
        let mut chars = input.chars();
        match chars.next() {
            None => return err("is required"),
            Some(c) if !c.is_ascii_lowercase() => {
                return err("must start with a lowercase letter (a-z)")
            }
            Some(_) => {}
        }
        if input.len() < NAME_MIN_LEN || input.len() > NAME_MAX_LEN {
            return Err(ValidationError::new(
                "name",
                format!("must be {NAME_MIN_LEN} to {NAME_MAX_LEN} characters long"),
            ));
        }
        if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return err("may contain only lowercase letters, digits and '-'");
        }
        if RESERVED_NAMES.contains(&input) {
            return err("is a reserved word; pick another colour");
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EnvironmentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EnvironmentName {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EnvironmentName> for String {
    fn from(value: EnvironmentName) -> Self {
        value.0
    }
}

impl FromStr for EnvironmentName {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

crate::string_enum!(
    /// Staging environments are for trying things; production ones serve people.
    Tier, "tier" { Staging => "staging", Production => "production" }
);

crate::string_enum!(
    /// Where an environment is in its life.
    EnvironmentStatus, "status" {
        Provisioning => "provisioning",
        Ready => "ready",
        Degraded => "degraded",
        Failed => "failed",
        Destroying => "destroying",
        Destroyed => "destroyed",
    }
);

/// A Charmhub channel, `[track/]risk[/branch]`: a risk (edge, beta,
/// candidate, stable), optionally after a track (`2/edge`, `latest/edge`)
/// and before a branch (`edge/fix-123`). No track means `latest`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Channel(String);

pub const RISKS: &[&str] = &["edge", "beta", "candidate", "stable"];
/// Longest track and branch of a channel.
pub const TRACK_MAX_LEN: usize = 20;
pub const BRANCH_MAX_LEN: usize = 64;
/// A channel as [`Channel::parse`] takes it.
pub const CHANNEL_PATTERN: &str =
    "^([A-Za-z0-9.-]{1,20}/)?(edge|beta|candidate|stable)(/[A-Za-z0-9._-]{1,64})?$";
/// Longest channel: track, risk and branch.
pub const CHANNEL_MAX_LEN: usize = TRACK_MAX_LEN + 1 + "candidate".len() + 1 + BRANCH_MAX_LEN;

/// The parts of a channel: (track, risk, branch).
fn channel_parts(input: &str) -> Option<(Option<&str>, &str, Option<&str>)> {
    let part = |p: &str, max: usize, extra: &[char]| {
        !p.is_empty()
            && p.len() <= max
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || extra.contains(&c))
    };
    let parts: Vec<&str> = input.split('/').collect();
    let (track, risk, branch) = match parts.as_slice() {
        [risk] => (None, *risk, None),
        [a, b] if RISKS.contains(a) => (None, *a, Some(*b)),
        [track, risk] => (Some(*track), *risk, None),
        [track, risk, branch] => (Some(*track), *risk, Some(*branch)),
        _ => return None,
    };
    let fine = RISKS.contains(&risk)
        && track.is_none_or(|t| part(t, TRACK_MAX_LEN, &[]))
        && branch.is_none_or(|b| part(b, BRANCH_MAX_LEN, &['_']));
    fine.then_some((track, risk, branch))
}

impl Channel {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        match channel_parts(input) {
            Some(_) => Ok(Self(input.to_owned())),
            None => Err(ValidationError::new(
                "channel",
                "must be [track/]risk[/branch] with a risk of edge, beta, candidate or stable, \
                 such as edge, 2/edge or latest/edge/fix-1",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The risk part: `edge` for `edge`, `2/edge` and `edge/fix`.
    pub fn risk(&self) -> &str {
        channel_parts(&self.0).map_or(&self.0, |(_, risk, _)| risk)
    }

    /// The channel with its track spelled out: `latest/edge` for `edge`.
    /// Two channels are the same channel when these are equal.
    pub fn canonical(&self) -> String {
        match channel_parts(&self.0) {
            Some((track, risk, branch)) => {
                let track = track.unwrap_or("latest");
                match branch {
                    Some(branch) => format!("{track}/{risk}/{branch}"),
                    None => format!("{track}/{risk}"),
                }
            }
            None => self.0.clone(),
        }
    }

    /// Whether `other` names the same channel (`edge` is `latest/edge`).
    pub fn is_same(&self, other: &Channel) -> bool {
        self.canonical() == other.canonical()
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Channel {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Channel> for String {
    fn from(value: Channel) -> Self {
        value.0
    }
}

/// Longest issuer URL.
pub const ISSUER_MAX_LEN: usize = 512;
/// An issuer as [`validate_issuer`] takes it (or empty, for the default):
/// http(s), a host, visible ASCII without `?` or `#`.
pub const ISSUER_PATTERN: &str = "^(https?://[!-\"$-.0->@-~][!-\"$->@-~]*)?$";

/// Checks an issuer URL's shape without a URL library (the browser shares
/// this): absolute http(s), a host, visible ASCII (no whitespace), no query
/// or fragment.
pub fn validate_issuer(input: &str) -> Result<String, ValidationError> {
    let err = |m: &str| Err(ValidationError::new("oidc_issuer", m));
    let rest = if let Some(rest) = input.strip_prefix("https://") {
        rest
    } else if let Some(rest) = input.strip_prefix("http://") {
        rest
    } else {
        return err("must be an absolute http(s) URL such as https://iam.teal.example.com");
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return err("must name a host");
    }
    if input.contains(['?', '#']) || !input.chars().all(|c| c.is_ascii_graphic()) {
        return err("must not contain a query, a fragment, spaces or non-ASCII characters");
    }
    if input.len() > ISSUER_MAX_LEN {
        return Err(ValidationError::new(
            "oidc_issuer",
            format!("is too long (at most {ISSUER_MAX_LEN} characters)"),
        ));
    }
    Ok(input.to_owned())
}

/// The issuer an environment gets when none is given.
pub fn default_issuer(name: &EnvironmentName) -> String {
    format!("https://iam.{name}.example.com")
}

/// Longest purpose of an environment, and most layers one request names.
pub const PURPOSE_MAX_LEN: usize = 200;
pub const MAX_LAYERS: usize = 64;

/// The body of `POST /environments`, and the create form's fields, as
/// typed. Text fields default to empty so that a missing one is reported
/// with the others, per field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct CreateEnvironment {
    /// A colour slug, not a reserved word.
    #[cfg_attr(feature = "openapi", schema(value_type = EnvironmentName, required = true))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Tier, required = true))]
    pub tier: String,
    /// At most 200 characters.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::purpose))]
    pub purpose: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Channel, required = true))]
    pub channel: String,
    /// An absolute http(s) URL without query or fragment; empty:
    /// `https://iam.<name>.example.com`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::issuer))]
    pub oidc_issuer: String,
    /// Layers to build; empty: all of the blueprint's.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::layers))]
    pub layers: Vec<String>,
    /// Charm revisions; absent: the identity stack on the environment's channel.
    pub manifest: Option<Manifest>,
}

/// A validated request for a new environment. The layers are checked
/// against the blueprint by the engine, which owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEnvironment {
    pub name: EnvironmentName,
    pub tier: Tier,
    pub purpose: String,
    pub channel: Channel,
    pub oidc_issuer: String,
    pub layers: Vec<String>,
    pub manifest: Option<Manifest>,
}

impl CreateEnvironment {
    /// Parses every field, reporting every invalid one at once.
    pub fn parse(&self) -> Result<NewEnvironment, Vec<ValidationError>> {
        let name = EnvironmentName::parse(self.name.trim());
        let tier = Tier::parse(self.tier.trim());
        let channel = Channel::parse(self.channel.trim());
        let issuer = match (self.oidc_issuer.trim(), &name) {
            ("", Ok(name)) => Ok(default_issuer(name)),
            ("", Err(_)) => Ok(String::new()),
            (given, _) => validate_issuer(given),
        };
        // Lengths count the text as sent, as the OpenAPI document states them.
        let purpose_ok = if self.purpose.chars().count() > PURPOSE_MAX_LEN {
            Err(ValidationError::new(
                "purpose",
                format!("is too long (at most {PURPOSE_MAX_LEN} characters)"),
            ))
        } else {
            Ok(self.purpose.trim().to_owned())
        };
        let manifest = match &self.manifest {
            None => Ok(None),
            Some(m) => m.validate().map(|()| Some(m.clone())),
        };
        let layers = if self.layers.len() > MAX_LAYERS {
            Err(ValidationError::new(
                "layers",
                format!("at most {MAX_LAYERS} layers"),
            ))
        } else {
            Ok(self.layers.iter().map(|l| l.trim().to_owned()).collect())
        };
        match (name, tier, channel, issuer, purpose_ok, layers, manifest) {
            (
                Ok(name),
                Ok(tier),
                Ok(channel),
                Ok(oidc_issuer),
                Ok(purpose),
                Ok(layers),
                Ok(manifest),
            ) => Ok(NewEnvironment {
                name,
                tier,
                purpose,
                channel,
                oidc_issuer,
                layers,
                manifest,
            }),
            (name, tier, channel, issuer, purpose, layers, manifest) => {
                let mut errors: Vec<ValidationError> = [
                    name.err(),
                    tier.err(),
                    purpose.err(),
                    channel.err(),
                    issuer.err(),
                    layers.err(),
                ]
                .into_iter()
                .flatten()
                .collect();
                errors.extend(manifest.err().into_iter().flatten());
                Err(errors)
            }
        }
    }
}

/// An environment as lists and cards show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvironmentSummary {
    pub name: EnvironmentName,
    pub tier: Tier,
    pub purpose: String,
    pub channel: Channel,
    pub oidc_issuer: String,
    pub status: EnvironmentStatus,
    pub manifest: Manifest,
    /// Unix milliseconds.
    pub created_at: i64,
    pub created_by: String,
}

/// What the caller holds on an environment (hints: every action is
/// authorized again when it is asked for).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Permissions {
    /// Apply, lock, unlock, cancel and retry.
    pub apply: bool,
    pub destroy: bool,
}

/// What the caller may do to an environment now: its permissions and its
/// state (a locked or destroyed environment runs no infrastructure job).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actions {
    pub apply: bool,
    pub lock: bool,
    pub unlock: bool,
    pub destroy: bool,
}

impl Actions {
    pub fn new(permissions: Permissions, status: EnvironmentStatus, locked: bool) -> Self {
        let live = status != EnvironmentStatus::Destroyed;
        let operable = live && !locked;
        Self {
            apply: permissions.apply && operable,
            lock: permissions.apply && live && !locked,
            unlock: permissions.apply && live && locked,
            destroy: permissions.destroy && operable,
        }
    }

    pub fn any(self) -> bool {
        self.apply || self.lock || self.unlock || self.destroy
    }
}

/// One environment in detail: `GET /environments/{name}` and its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvironmentDetail {
    #[serde(flatten)]
    pub environment: EnvironmentSummary,
    /// The enabled layers, in blueprint order.
    pub layers: Vec<String>,
    /// Why no infrastructure job may run, when locked.
    pub locked_reason: Option<String>,
    pub permissions: Permissions,
    pub actions: Actions,
    /// Newest first.
    pub recent_jobs: Vec<Job>,
}

/// A blueprint layer, in dependency order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Layer {
    pub name: String,
    pub depends_on: Vec<String>,
    /// Applications (manifest entries) this layer deploys.
    pub applications: Vec<String>,
}

/// A new environment and the job that builds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Created {
    pub environment: EnvironmentSummary,
    pub job: JobRef,
}

/// The body of `POST /environments/{name}/apply`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ApplyRequest {
    /// All of the environment's layers when absent or empty.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::layers))]
    pub layers: Vec<String>,
}

/// Longest lock reason.
pub const LOCK_REASON_MAX_LEN: usize = 200;

/// The body of `POST /environments/{name}/lock`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct LockRequest {
    /// Why: up to 200 characters, not only spaces.
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::openapi::lock_reason, required = true)
    )]
    pub reason: String,
}

impl LockRequest {
    pub fn parse(&self) -> Result<String, ValidationError> {
        crate::text::required(
            "reason",
            &self.reason,
            LOCK_REASON_MAX_LEN,
            "say why it is locked",
        )
    }
}

/// An environment's lock, after locking or unlocking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lock {
    pub name: EnvironmentName,
    pub locked_reason: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn colour_slugs_are_accepted() {
        for name in ["blue", "green", "teal", "red-2", "cd", "a1"] {
            assert_eq!(EnvironmentName::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn names_that_could_escape_a_path_or_command_are_refused() {
        for name in [
            "",
            "b",
            "Blue",
            "1blue",
            "-blue",
            "blue/../x",
            "blue x",
            "blue;rm",
            "bl\u{e9}u",
        ] {
            assert!(EnvironmentName::parse(name).is_err(), "{name:?} accepted");
        }
        assert!(EnvironmentName::parse(&"a".repeat(32)).is_err());
        assert!(EnvironmentName::parse(&"a".repeat(31)).is_ok());
    }

    #[test]
    fn reserved_words_are_refused_with_a_reason() {
        let err = EnvironmentName::parse("api").unwrap_err();
        assert!(err.message.contains("reserved"));
    }

    #[test]
    fn names_deserialize_only_when_valid() {
        assert!(serde_json::from_str::<EnvironmentName>("\"teal\"").is_ok());
        assert!(serde_json::from_str::<EnvironmentName>("\"../etc\"").is_err());
    }

    #[test]
    fn channels_take_an_optional_track() {
        assert_eq!(Channel::parse("edge").unwrap().risk(), "edge");
        assert_eq!(Channel::parse("2/edge").unwrap().risk(), "edge");
        assert_eq!(Channel::parse("latest/stable").unwrap().risk(), "stable");
        assert_eq!(Channel::parse("edge/fix-1").unwrap().risk(), "edge");
        assert_eq!(Channel::parse("3/beta/hot_fix").unwrap().risk(), "beta");
        let edge = Channel::parse("edge").unwrap();
        assert_eq!(edge.canonical(), "latest/edge");
        assert!(edge.is_same(&Channel::parse("latest/edge").unwrap()));
        assert!(!edge.is_same(&Channel::parse("2/edge").unwrap()));
        assert!(!edge.is_same(&Channel::parse("edge/fix").unwrap()));
        assert_eq!(
            Channel::parse("edge/fix").unwrap().canonical(),
            "latest/edge/fix"
        );
        for bad in [
            "",
            "nightly",
            "2/",
            "/edge",
            "a b/edge",
            "2/edge/x/y",
            "edge/",
            "2/nightly/x",
        ] {
            assert!(Channel::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn issuers_must_be_absolute_without_query_or_fragment() {
        assert!(validate_issuer("https://iam.blue.example.com").is_ok());
        assert!(validate_issuer("https://auth.example.com/realms/blue").is_ok());
        for bad in [
            "iam.blue",
            "ftp://x",
            "https://",
            "https://x?y=1",
            "https://x#f",
            "javascript:alert(1)",
        ] {
            assert!(validate_issuer(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn new_environment_reports_every_bad_field_at_once() {
        let body = CreateEnvironment {
            name: "Teal".into(),
            tier: "prod".into(),
            channel: "nightly".into(),
            oidc_issuer: "nope".into(),
            ..CreateEnvironment::default()
        };
        let errs = body.parse().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "tier", "channel", "oidc_issuer"]);
    }

    #[test]
    fn an_empty_issuer_defaults_from_the_name() {
        let body = CreateEnvironment {
            name: "teal".into(),
            tier: "staging".into(),
            channel: "edge".into(),
            ..CreateEnvironment::default()
        };
        assert_eq!(
            body.parse().unwrap().oidc_issuer,
            "https://iam.teal.example.com"
        );
    }

    #[test]
    fn actions_follow_permissions_and_state() {
        let all = Permissions {
            apply: true,
            destroy: true,
        };
        let ready = Actions::new(all, EnvironmentStatus::Ready, false);
        assert!(ready.apply && ready.lock && !ready.unlock && ready.destroy);
        let locked = Actions::new(all, EnvironmentStatus::Ready, true);
        assert!(!locked.apply && !locked.lock && locked.unlock && !locked.destroy);
        let gone = Actions::new(all, EnvironmentStatus::Destroyed, false);
        assert!(!gone.any());
        assert!(!Actions::new(Permissions::default(), EnvironmentStatus::Ready, false).any());
    }

    #[test]
    fn enums_round_trip_their_wire_names() {
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()).unwrap(), *tier);
        }
        for status in EnvironmentStatus::ALL {
            assert_eq!(EnvironmentStatus::parse(status.as_str()).unwrap(), *status);
        }
        assert!(Tier::parse("Staging").is_err());
    }
}
