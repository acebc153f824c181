//! One environment: its page, the blueprint's layers, and creating one.
//! Each function calls one engine method.

// `create_environment` takes one argument per form field; the browser-side
// stub the `#[server]` macro generates does not carry an item-level allow.
#![allow(clippy::too_many_arguments)]

use std::collections::BTreeMap;

use domain::{Channel, EnvironmentSummary, Manifest, ManifestEntry, ValidationError};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::error::UiError;

/// An environment as its page shows it, with what the caller may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentView {
    pub environment: EnvironmentSummary,
    pub layers: Vec<String>,
    pub locked_reason: Option<String>,
    pub can_apply: bool,
    pub can_destroy: bool,
}

/// A blueprint layer, in dependency order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerView {
    pub name: String,
    pub depends_on: Vec<String>,
}

/// One row of the manifest table as the form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRow {
    #[serde(default)]
    pub charm: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub revision: String,
}

/// The issuer an environment gets when the form leaves it empty.
pub fn default_issuer(name: &str) -> String {
    format!("https://iam.{name}.example.com")
}

/// Parses the manifest table: a charm for every application, a channel
/// (empty: the environment's `default_channel`) and an optional revision.
/// Shared with the browser for live validation.
pub fn parse_manifest(
    rows: &BTreeMap<String, ManifestRow>,
    default_channel: &str,
) -> Result<Manifest, Vec<ValidationError>> {
    let mut errors = Vec::new();
    let mut manifest = BTreeMap::new();
    for (app, row) in rows {
        let field = format!("manifest.{app}");
        let charm = row.charm.trim();
        if charm.is_empty()
            || charm.len() > 64
            || !charm
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            errors.push(ValidationError::new(
                &field,
                "the charm is a name of lowercase letters, digits and '-'",
            ));
            continue;
        }
        let channel = match row.channel.trim() {
            "" => default_channel.to_owned(),
            other => match Channel::parse(other) {
                Ok(c) => c.to_string(),
                Err(e) => {
                    errors.push(ValidationError::new(&field, e.message));
                    continue;
                }
            },
        };
        let revision = match row.revision.trim() {
            "" => None,
            other => match other.parse::<u32>() {
                Ok(r) => Some(r),
                Err(_) => {
                    errors.push(ValidationError::new(
                        &field,
                        "the revision is a whole number, or empty for the latest",
                    ));
                    continue;
                }
            },
        };
        manifest.insert(
            app.clone(),
            ManifestEntry {
                charm: charm.to_owned(),
                channel,
                revision,
            },
        );
    }
    if errors.is_empty() {
        Ok(Manifest(manifest))
    } else {
        Err(errors)
    }
}

/// The field errors in a refusal (`invalid input: name: …; channel: …`),
/// with a name conflict reported on the name.
pub fn field_errors(error: &UiError) -> Vec<ValidationError> {
    match error.code.as_str() {
        "invalid_input" => error
            .message
            .trim_start_matches("invalid input: ")
            .split("; ")
            .filter_map(|part| part.split_once(": "))
            .map(|(field, message)| ValidationError::new(field, message))
            .collect(),
        "conflict" if error.message.contains("already exists") => {
            vec![ValidationError::new(
                "name",
                "is taken: pick another colour",
            )]
        }
        _ => Vec::new(),
    }
}

#[cfg(feature = "ssr")]
pub(crate) fn env_name(name: &str) -> Result<domain::EnvironmentName, UiError> {
    domain::EnvironmentName::parse(name).map_err(|e| engine::Error::invalid(e).into())
}

/// One environment, with its layers, lock and the caller's permissions.
#[server(prefix = "/_fn", endpoint = "get_environment", input = GetUrl)]
pub async fn get_environment(name: String) -> Result<EnvironmentView, UiError> {
    let engine = super::context::engine()?;
    let d = engine
        .environment_detail(&super::context::actor(), &env_name(&name)?)
        .await?;
    Ok(EnvironmentView {
        environment: d.environment,
        layers: d.layers,
        locked_reason: d.locked_reason,
        can_apply: d.can_apply,
        can_destroy: d.can_destroy,
    })
}

/// The layers an environment can have, each after what it depends on.
#[server(prefix = "/_fn", endpoint = "list_layers", input = GetUrl)]
pub async fn list_layers() -> Result<Vec<LayerView>, UiError> {
    let blueprint = engine::runner::Blueprint::default_blueprint()
        .map_err(|e| UiError::from(engine::Error::Internal(Box::new(e))))?;
    Ok(blueprint
        .order()
        .iter()
        .map(|l| LayerView {
            name: l.name.clone(),
            depends_on: l.depends_on.clone(),
        })
        .collect())
}

/// Creates an environment and the job that builds it, then goes to the
/// job's page. A plain form post that is refused goes back to the form with
/// what was typed and why.
#[server(prefix = "/_fn", endpoint = "create_environment")]
pub async fn create_environment(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    name: String,
    tier: String,
    #[server(default)] purpose: String,
    channel: String,
    #[server(default)] oidc_issuer: String,
    #[server(default)] layers: Vec<String>,
    #[server(default)] manifest: BTreeMap<String, ManifestRow>,
) -> Result<i64, UiError> {
    let issuer = match oidc_issuer.trim() {
        "" => default_issuer(name.trim()),
        given => given.to_owned(),
    };
    let created = async {
        let new = domain::NewEnvironment::parse(&name, &tier, &purpose, &channel, &issuer);
        let rows = parse_manifest(&manifest, channel.trim());
        let (new, rows) = match (new, rows) {
            (Ok(new), Ok(rows)) => (new, rows),
            (new, rows) => {
                let errors = new
                    .err()
                    .into_iter()
                    .flatten()
                    .chain(rows.err().into_iter().flatten());
                return Err(UiError::from(engine::Error::Invalid(errors.collect())));
            }
        };
        let engine = super::context::engine()?;
        let rows = (!rows.is_empty()).then_some(rows);
        Ok(engine
            .create_environment(&super::context::actor(), new, layers.clone(), rows)
            .await?)
    }
    .await;
    match created {
        Ok(created) => {
            leptos_axum::redirect(&format!("/jobs/{}", created.job.0));
            Ok(created.job.0)
        }
        Err(error) => {
            let typed = [
                ("name", name.as_str()),
                ("tier", tier.as_str()),
                ("purpose", purpose.as_str()),
                ("channel", channel.as_str()),
                ("oidc_issuer", oidc_issuer.as_str()),
                ("layers", &layers.join(",")),
            ];
            super::form_return::back_to_form(
                "/environments/new",
                &typed,
                "/_fn/create_environment",
                &error,
            );
            Err(error)
        }
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

    #[test]
    fn manifest_rows_default_to_the_environment_channel_and_check_each_cell() {
        let rows = BTreeMap::from([("hydra".to_owned(), row("hydra", "", "42"))]);
        let manifest = parse_manifest(&rows, "2/edge").unwrap_or_default();
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
        let fields: Vec<_> = parse_manifest(&bad, "edge")
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["manifest.hydra", "manifest.kratos", "manifest.vault"]
        );
    }

    #[test]
    fn refusals_are_read_back_as_field_errors() {
        let refusal = UiError {
            code: "invalid_input".to_owned(),
            message: "invalid input: name: must start with a lowercase letter (a-z); channel: must be a risk".to_owned(),
        };
        let fields: Vec<_> = field_errors(&refusal)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "channel"]);
        let taken = UiError {
            code: "conflict".to_owned(),
            message: "an environment named teal already exists".to_owned(),
        };
        assert_eq!(field_errors(&taken)[0].field, "name");
    }
}
