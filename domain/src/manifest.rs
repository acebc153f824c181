//! Manifests: which charm revision of each application an environment runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One application's deployed charm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub charm: String,
    pub channel: String,
    pub revision: Option<u32>,
}

/// Application name → deployed charm, ordered by application name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Manifest(pub BTreeMap<String, ManifestEntry>);

impl Manifest {
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
