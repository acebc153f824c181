//! One environment: its page, the blueprint's layers, and creating one.
//! Each function calls one engine method.

// `create_environment` takes one argument per form field; the browser-side
// stub the `#[server]` macro generates does not carry an item-level allow.
#![allow(clippy::too_many_arguments)]

use std::collections::BTreeMap;

use domain::{EnvironmentDetail, Layer, Manifest, ManifestRow};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::UiError;

#[cfg(feature = "ssr")]
pub(crate) fn env_name(name: &str) -> Result<domain::EnvironmentName, UiError> {
    Ok(domain::EnvironmentName::parse(name)?)
}

/// One environment, with its layers, lock and what the caller may do.
#[server(prefix = "/_fn", endpoint = "get_environment", input = GetUrl)]
pub async fn get_environment(name: String) -> Result<EnvironmentDetail, UiError> {
    let engine = super::context::engine()?;
    Ok(engine
        .environment_detail(&super::context::actor(), &env_name(&name)?)
        .await?)
}

/// The layers an environment can have, each after what it depends on.
#[server(prefix = "/_fn", endpoint = "list_layers", input = GetUrl)]
pub async fn list_layers() -> Result<Vec<Layer>, UiError> {
    Ok(super::context::engine()?.layers())
}

/// The create form's fields as the request body of `POST
/// /api/v1/environments`; an empty manifest table leaves the manifest to
/// the engine's default. Shared with the browser for live validation.
pub fn create_request(
    fields: [&str; 5],
    layers: Vec<String>,
    manifest: &BTreeMap<String, ManifestRow>,
) -> Result<domain::CreateEnvironment, Vec<domain::ValidationError>> {
    let [name, tier, purpose, channel, oidc_issuer] = fields;
    let filled: BTreeMap<String, ManifestRow> = manifest
        .iter()
        .filter(|(_, row)| !row.charm.trim().is_empty() || !row.revision.trim().is_empty())
        .map(|(app, row)| (app.clone(), row.clone()))
        .collect();
    let manifest = if filled.is_empty() {
        None
    } else {
        Some(Manifest::from_rows(&filled, channel)?)
    };
    Ok(domain::CreateEnvironment {
        name: name.to_owned(),
        tier: tier.to_owned(),
        purpose: purpose.to_owned(),
        channel: channel.to_owned(),
        oidc_issuer: oidc_issuer.to_owned(),
        layers,
        manifest,
    })
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
    let created = async {
        let fields = [&*name, &*tier, &*purpose, &*channel, &*oidc_issuer];
        let request = create_request(fields, layers.clone(), &manifest)?;
        let new = request.parse()?;
        let engine = super::context::engine()?;
        Ok::<_, UiError>(
            engine
                .create_environment(&super::context::actor(), new)
                .await?,
        )
    }
    .await;
    match created {
        Ok(created) => {
            leptos_axum::redirect(&crate::base::prefixed(&format!("/jobs/{}", created.job.id)));
            Ok(created.job.id.0)
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

    fn row(charm: &str, revision: &str) -> ManifestRow {
        ManifestRow {
            charm: charm.to_owned(),
            channel: String::new(),
            revision: revision.to_owned(),
        }
    }

    #[test]
    fn an_untouched_manifest_table_leaves_the_default_to_the_engine() {
        let rows = BTreeMap::from([("hydra".to_owned(), row("", ""))]);
        let request = create_request(["teal", "staging", "", "edge", ""], vec![], &rows);
        assert_eq!(request.ok().and_then(|r| r.manifest), None);
    }

    #[test]
    fn a_filled_row_is_parsed_with_the_environments_channel() {
        let rows = BTreeMap::from([("hydra".to_owned(), row("hydra", "42"))]);
        let request = create_request(["teal", "staging", "", "2/edge", ""], vec![], &rows);
        let manifest = request.ok().and_then(|r| r.manifest).unwrap_or_default();
        assert_eq!(manifest.0["hydra"].channel, "2/edge");
        assert_eq!(manifest.0["hydra"].revision, Some(42));
        let bad = BTreeMap::from([("hydra".to_owned(), row("Hydra", "x"))]);
        let fields: Vec<_> = create_request(["teal", "staging", "", "edge", ""], vec![], &bad)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["manifest.hydra"]);
    }
}
