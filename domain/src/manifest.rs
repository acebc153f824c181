//! Manifests: which charm revision of each application an environment runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Channel, ValidationError};

/// Most applications one manifest may name.
pub const MAX_APPLICATIONS: usize = 64;
/// Longest application or charm name.
pub const MAX_NAME: usize = 64;
/// The largest revision accepted (Charmhub's are far below).
pub const MAX_REVISION: u32 = 10_000_000;
/// An application, charm or resource name as [`valid_name`] takes it.
pub const NAME_PATTERN: &str = "^[a-z0-9][a-z0-9-]{0,63}$";

/// One application's deployed charm.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    /// Lowercase letters, digits and '-', at most 64.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Name))]
    pub charm: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Channel))]
    pub channel: String,
    /// The pinned revision; none for the channel's latest.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Revision>))]
    pub revision: Option<u32>,
}

/// Application name → deployed charm, ordered by application name (its
/// OpenAPI schema, with the name rule and the size limit, is in
/// `openapi.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Manifest(pub BTreeMap<String, ManifestEntry>);

/// One row of the create form's manifest table, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRow {
    #[serde(default)]
    pub charm: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub revision: String,
}

/// A name of lowercase letters, digits and '-', starting with a letter or digit.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn check_entry(app: &str, entry: &ManifestEntry) -> Result<(), ValidationError> {
    let field = format!("manifest.{app}");
    if !valid_name(app) {
        return Err(ValidationError::new(
            &field,
            "the application is a name of lowercase letters, digits and '-'",
        ));
    }
    if !valid_name(&entry.charm) {
        return Err(ValidationError::new(
            &field,
            "the charm is a name of lowercase letters, digits and '-'",
        ));
    }
    Channel::parse(&entry.channel).map_err(|e| ValidationError::new(&field, e.message))?;
    if let Some(revision) = entry.revision {
        if !(1..=MAX_REVISION).contains(&revision) {
            return Err(ValidationError::new(
                &field,
                format!("the revision is a whole number from 1 to {MAX_REVISION}"),
            ));
        }
    }
    Ok(())
}

impl Manifest {
    /// Checks every entry: application and charm names, the channel, the
    /// revision, and at most [`MAX_APPLICATIONS`] applications. Every bad
    /// entry is reported, on `manifest.<application>`.
    pub fn validate(&self) -> Result<(), Vec<ValidationError>> {
        if self.0.len() > MAX_APPLICATIONS {
            return Err(vec![ValidationError::new(
                "manifest",
                format!("at most {MAX_APPLICATIONS} applications"),
            )]);
        }
        let errors: Vec<_> = self
            .0
            .iter()
            .filter_map(|(app, entry)| check_entry(app, entry).err())
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Reads the create form's table: a charm for every application, a
    /// channel (empty: `default_channel`) and an optional revision; then
    /// [`Manifest::validate`]. Shared with the browser for live validation.
    pub fn from_rows(
        rows: &BTreeMap<String, ManifestRow>,
        default_channel: &str,
    ) -> Result<Self, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut manifest = BTreeMap::new();
        for (app, row) in rows {
            let revision = match row.revision.trim() {
                "" => None,
                other => match other.parse::<u32>() {
                    Ok(r) => Some(r),
                    Err(_) => {
                        errors.push(ValidationError::new(
                            &format!("manifest.{app}"),
                            "the revision is a whole number, or empty for the latest",
                        ));
                        continue;
                    }
                },
            };
            let channel = match row.channel.trim() {
                "" => default_channel.trim(),
                given => given,
            };
            let entry = ManifestEntry {
                charm: row.charm.trim().to_owned(),
                channel: channel.to_owned(),
                revision,
            };
            match check_entry(app, &entry) {
                Ok(()) => {
                    manifest.insert(app.clone(), entry);
                }
                Err(e) => errors.push(e),
            }
        }
        if manifest.len() > MAX_APPLICATIONS {
            errors.push(ValidationError::new(
                "manifest",
                format!("at most {MAX_APPLICATIONS} applications"),
            ));
        }
        if errors.is_empty() {
            Ok(Self(manifest))
        } else {
            Err(errors)
        }
    }

    /// The identity stack as the write-up deploys it, every charm on `channel`.
    pub fn identity_stack(channel: &str) -> Self {
        const APPS: &[&str] = &[
            "hook-service",
            "hydra",
            "identity-platform-login-ui",
            "jimm",
            "kratos",
            "openfga",
            "postgresql",
            "traefik",
            "vault",
        ];
        let entries = APPS.iter().map(|app| {
            let charm = match *app {
                "identity-platform-login-ui" => "identity-platform-login-ui-operator",
                "postgresql" => "postgresql-k8s",
                "traefik" => "traefik-k8s",
                "vault" => "vault-k8s",
                "jimm" => "juju-jimm-k8s",
                other => other,
            };
            let entry = ManifestEntry {
                charm: charm.to_owned(),
                channel: channel.to_owned(),
                revision: None,
            };
            ((*app).to_owned(), entry)
        });
        Self(entries.collect())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(charm: &str, channel: &str, revision: &str) -> ManifestRow {
        ManifestRow {
            charm: charm.to_owned(),
            channel: channel.to_owned(),
            revision: revision.to_owned(),
        }
    }

    fn fields(errors: Vec<ValidationError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn rows_default_to_the_environment_channel_and_check_each_cell() {
        let rows = BTreeMap::from([("hydra".to_owned(), row("hydra", "", "42"))]);
        let manifest = Manifest::from_rows(&rows, "2/edge").unwrap_or_default();
        let hydra = &manifest.0["hydra"];
        assert_eq!(
            (hydra.channel.as_str(), hydra.revision),
            ("2/edge", Some(42))
        );
        let bad = BTreeMap::from([
            ("hydra".to_owned(), row("Hydra", "", "")),
            ("kratos".to_owned(), row("kratos", "nightly", "")),
            ("vault".to_owned(), row("vault-k8s", "", "x")),
        ]);
        let errors = Manifest::from_rows(&bad, "edge").err().unwrap_or_default();
        assert_eq!(
            fields(errors),
            ["manifest.hydra", "manifest.kratos", "manifest.vault"]
        );
    }

    #[test]
    fn a_manifest_from_json_is_held_to_the_same_rules_as_the_form() {
        let json = r#"{"Hydra!":{"charm":"hydra","channel":"edge","revision":1},
                       "kratos":{"charm":"kratos","channel":"nightly","revision":null},
                       "vault":{"charm":"vault-k8s","channel":"stable","revision":0},
                       "jimm":{"charm":"juju-jimm-k8s","channel":"3/edge","revision":7}}"#;
        let manifest: Manifest = serde_json::from_str(json).unwrap_or_default();
        let errors = manifest.validate().err().unwrap_or_default();
        assert_eq!(
            fields(errors),
            ["manifest.Hydra!", "manifest.kratos", "manifest.vault"]
        );
        assert!(Manifest::identity_stack("edge").validate().is_ok());
    }

    #[test]
    fn oversized_manifests_are_refused() {
        let many: BTreeMap<_, _> = (0..=MAX_APPLICATIONS)
            .map(|i| {
                let entry = ManifestEntry {
                    charm: "c".into(),
                    channel: "edge".into(),
                    revision: None,
                };
                (format!("app{i}"), entry)
            })
            .collect();
        assert_eq!(
            fields(Manifest(many).validate().err().unwrap_or_default()),
            ["manifest"]
        );
        let unknown = r#"{"a":{"charm":"a","channel":"edge","revision":1,"extra":true}}"#;
        assert!(serde_json::from_str::<Manifest>(unknown).is_err());
    }
}
