//! The configuration's tests. `table` and `readme` walk the table of keys,
//! so that a key left out of loading, `config check` or README.md fails
//! there; `loading` covers layering and messages.

#![allow(clippy::unwrap_used)]

mod loading;
mod readme;
mod table;

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::keys::KEYS;

/// A valid, non-default value for every key (environment syntax), chosen to
/// fit together: every group is on.
pub(super) const EXAMPLES: &[(&str, &str)] = &[
    ("listen", "0.0.0.0:8080"),
    ("metrics_listen", "127.0.0.1:9464"),
    ("data_dir", "/srv/palette"),
    ("database_url", "postgres://palette:hunter2@db:5432/palette"),
    ("log_format", "json"),
    ("site_root", "/srv/site"),
    ("hash_file", "/srv/site-hash.txt"),
    ("public_url", "https://palette.example.com"),
    ("trusted_proxies", "10.0.0.0/8,127.0.0.1/32"),
    ("path_prefix", "/palette"),
    ("oidc_issuer", "https://id.example.com/realms/palette"),
    ("oidc_client_id", "palette"),
    ("oidc_client_secret", "client-hunter2"),
    ("oidc_scopes", "openid email"),
    ("api_audience", "palette-api"),
    (
        "oidc_introspection_url",
        "https://id.example.com/introspect",
    ),
    ("oidc_introspection_client_id", "palette-introspect"),
    ("oidc_introspection_client_secret", "introspect-hunter2"),
    ("oidc_introspection_cache_secs", "30"),
    ("session_idle_secs", "600"),
    ("session_absolute_secs", "86400"),
    ("admins", "user:alice,group:ops"),
    ("releasers", "user:ci,group:release-bots"),
    ("openfga_url", "http://openfga:8080"),
    ("openfga_store_id", "01STORE"),
    ("openfga_model_id", "01MODEL"),
    ("openfga_token", "fga-hunter2"),
    ("openfga_timeout_ms", "1500"),
    ("workers", "8"),
    ("job_lease_secs", "30"),
    ("cancel_grace_secs", "5"),
    ("drain_secs", "10"),
    ("layer_parallelism", "2"),
    ("layer_bin", "/usr/bin/tofu"),
    ("layer_env", "OS_*,JUJU_*,AWS_PROFILE"),
    ("infra_dir", "/srv/infra"),
    ("blueprint", "/etc/palette/blueprint.toml"),
    ("oidc_check_interval", "10m"),
    ("oidc_check_allow_http", "true"),
    ("oidc_check_allow_private", "true"),
    ("oidc_check_ca_file", "/etc/ca.pem"),
];

pub(super) fn example(name: &str) -> &'static str {
    EXAMPLES
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("no example for {name} in EXAMPLES"))
}

pub(super) fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Every key's example in its environment variable.
pub(super) fn example_env() -> BTreeMap<String, String> {
    KEYS.iter()
        .map(|e| (e.env().to_owned(), example(e.name()).to_owned()))
        .collect()
}

pub(super) fn write_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("palette.toml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}
