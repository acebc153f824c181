//! Environments: colour-named instances of the identity stack.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::manifest::Manifest;

/// Why an input was refused. The message is safe to show to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Words that would collide with routes or read as something else.
const RESERVED_NAMES: &[&str] = &[
    "admin", "all", "api", "assets", "auth", "default", "healthz", "metrics", "new", "none",
    "null", "pkg", "platform", "readyz", "static", "system",
];

/// An environment's name: a colour slug, `^[a-z][a-z0-9-]{1,30}$`, not reserved.
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
        if input.len() < 2 || input.len() > 31 {
            return err("must be 2 to 31 characters long");
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

/// Declares a closed string enum with `as_str`, `parse`, `ALL` and serde in
/// its wire form.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(input: &str) -> Result<Self, ValidationError> {
                match input {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ValidationError::new(
                        $field,
                        format!("must be one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Self::parse(s) }
        }
    };
}

string_enum!(
    /// Staging environments are for trying things; production ones serve people.
    Tier, "tier" { Staging => "staging", Production => "production" }
);

string_enum!(
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

/// The Charmhub channel an environment tracks: a risk, optionally with a
/// track (`edge`, `stable`, `2/edge`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Channel(String);

const RISKS: &[&str] = &["edge", "beta", "candidate", "stable"];

impl Channel {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let err = || {
            Err(ValidationError::new(
                "channel",
                "must be a risk (edge, beta, candidate, stable), optionally with a track such as 2/edge",
            ))
        };
        let (track, risk) = match input.split_once('/') {
            Some((track, risk)) => (Some(track), risk),
            None => (None, input),
        };
        if !RISKS.contains(&risk) {
            return err();
        }
        if let Some(track) = track {
            let valid = !track.is_empty()
                && track.len() <= 20
                && track
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if !valid {
                return err();
            }
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The risk part: `edge` for both `edge` and `2/edge`.
    pub fn risk(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
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

/// Checks an issuer URL's shape without a URL library (the browser shares
/// this): absolute http(s), a host, no query or fragment, no whitespace.
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
    if input.contains(['?', '#']) || input.chars().any(char::is_whitespace) {
        return err("must not contain a query, a fragment or spaces");
    }
    if input.len() > 512 {
        return err("is too long (at most 512 characters)");
    }
    Ok(input.to_owned())
}

/// What a person or pipeline asks for when creating an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEnvironment {
    pub name: EnvironmentName,
    pub tier: Tier,
    pub purpose: String,
    pub channel: Channel,
    pub oidc_issuer: String,
}

impl NewEnvironment {
    /// Parses raw form or JSON fields, reporting every invalid field at once.
    pub fn parse(
        name: &str,
        tier: &str,
        purpose: &str,
        channel: &str,
        oidc_issuer: &str,
    ) -> Result<Self, Vec<ValidationError>> {
        let name = EnvironmentName::parse(name.trim());
        let tier = Tier::parse(tier.trim());
        let channel = Channel::parse(channel.trim());
        let issuer = validate_issuer(oidc_issuer.trim());
        let purpose = purpose.trim();
        let purpose_ok = if purpose.chars().count() > 200 {
            Err(ValidationError::new(
                "purpose",
                "is too long (at most 200 characters)",
            ))
        } else {
            Ok(purpose.to_owned())
        };
        match (name, tier, channel, issuer, purpose_ok) {
            (Ok(name), Ok(tier), Ok(channel), Ok(oidc_issuer), Ok(purpose)) => Ok(Self {
                name,
                tier,
                purpose,
                channel,
                oidc_issuer,
            }),
            (name, tier, channel, issuer, purpose) => Err([
                name.err(),
                tier.err(),
                purpose.err(),
                channel.err(),
                issuer.err(),
            ]
            .into_iter()
            .flatten()
            .collect()),
        }
    }
}

/// An environment as lists and cards show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        for bad in ["", "nightly", "2/", "/edge", "a b/edge", "2/edge/x"] {
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
        let errs = NewEnvironment::parse("Teal", "prod", "", "nightly", "nope").unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "tier", "channel", "oidc_issuer"]);
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
