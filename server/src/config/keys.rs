//! The table of keys: each is declared here once, and [`KEYS`] lists them in
//! the order `config check` prints them. Where the engine has a default
//! (workers, OIDC checks) the key takes it from the engine.
//!
//! Adding a key: declare it here, list it in [`KEYS`], read it in
//! `assemble.rs`, add it to README.md's table and an example to
//! `tests/mod.rs` (the tests fail until all of these are done).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use engine::oidc::CheckSettings;
use engine::queue::WorkerConfig;
use secrecy::SecretString;

use super::key::{Entry, Key};
use super::parse;
use super::value::DatabaseUrl;
use super::LogFormat;
use crate::forwarded::TrustedProxies;

/// Every key, in the order `config check` prints them.
pub(super) const KEYS: &[&dyn Entry] = &[
    &LISTEN,
    &METRICS_LISTEN,
    &DATA_DIR,
    &DATABASE_URL,
    &LOG_FORMAT,
    &SITE_ROOT,
    &HASH_FILE,
    &PUBLIC_URL,
    &TRUSTED_PROXIES,
    &PATH_PREFIX,
    &OIDC_ISSUER,
    &OIDC_CLIENT_ID,
    &OIDC_CLIENT_SECRET,
    &OIDC_SCOPES,
    &API_AUDIENCE,
    &OIDC_INTROSPECTION_URL,
    &OIDC_INTROSPECTION_CLIENT_ID,
    &OIDC_INTROSPECTION_CLIENT_SECRET,
    &OIDC_INTROSPECTION_CACHE_SECS,
    &SESSION_IDLE_SECS,
    &SESSION_ABSOLUTE_SECS,
    &ADMINS,
    &RELEASERS,
    &OPENFGA_URL,
    &OPENFGA_STORE_ID,
    &OPENFGA_MODEL_ID,
    &OPENFGA_TOKEN,
    &OPENFGA_TIMEOUT_MS,
    &WORKERS,
    &JOB_LEASE_SECS,
    &CANCEL_GRACE_SECS,
    &DRAIN_SECS,
    &LAYER_PARALLELISM,
    &LAYER_BIN,
    &LAYER_ENV,
    &INFRA_DIR,
    &BLUEPRINT,
    &OIDC_CHECK_INTERVAL,
    &OIDC_CHECK_ALLOW_HTTP,
    &OIDC_CHECK_ALLOW_PRIVATE,
    &OIDC_CHECK_CA_FILE,
];

/// `PALETTE_*` variables read elsewhere, and by whom; any other `PALETTE_*`
/// variable not in [`KEYS`] is refused as a typo.
pub(super) const READ_ELSEWHERE: &[(&str, &str)] = &[
    ("PALETTE_CONFIG", "the --config flag (cli.rs)"),
    ("PALETTE_LOG", "the log filter (telemetry.rs)"),
    (
        "PALETTE_SERVERS_DIR",
        "the tests' real servers (scripts/servers, testkit)",
    ),
    ("PALETTE_URL", "palette release (client.rs)"),
    ("PALETTE_TOKEN", "palette release (client.rs)"),
    ("PALETTE_ISSUER", "palette release (client.rs)"),
    ("PALETTE_CLIENT_ID", "palette release (client.rs)"),
    ("PALETTE_CLIENT_SECRET", "palette release (client.rs)"),
    ("PALETTE_AUDIENCE", "palette release (client.rs)"),
    ("PALETTE_RESOURCE", "palette release (client.rs)"),
    ("PALETTE_SCOPE", "palette release (client.rs)"),
];

pub(super) const LISTEN: Key<SocketAddr> = Key {
    name: "listen",
    env: "PALETTE_LISTEN",
    aliases: &[],
    secret: false,
    help: "address to listen on",
    parse: parse::addr,
    default: || SocketAddr::from(([127, 0, 0, 1], 3000)),
    effective: |c| Some(c.listen),
};

pub(super) const METRICS_LISTEN: Key<Option<SocketAddr>> = Key {
    name: "metrics_listen",
    env: "PALETTE_METRICS_LISTEN",
    aliases: &[],
    secret: false,
    help: "address of the separate /metrics listener; no metrics when unset",
    parse: parse::some_addr,
    default: || None,
    effective: |c| Some(c.metrics_listen),
};

pub(super) const DATA_DIR: Key<PathBuf> = Key {
    name: "data_dir",
    env: "PALETTE_DATA_DIR",
    aliases: &[],
    secret: false,
    help: "data directory (the SQLite database)",
    parse: parse::path,
    default: || PathBuf::from("./data"),
    effective: |c| Some(c.data_dir.clone()),
};

pub(super) const DATABASE_URL: Key<Option<DatabaseUrl>> = Key {
    name: "database_url",
    env: "PALETTE_DATABASE_URL",
    aliases: &["DATABASE_URL"],
    secret: true,
    help: "PostgreSQL URL; SQLite under data_dir when unset",
    parse: parse::database_url,
    default: || None,
    effective: |c| Some(c.database_url.clone().map(DatabaseUrl)),
};

pub(super) const LOG_FORMAT: Key<LogFormat> = Key {
    name: "log_format",
    env: "PALETTE_LOG_FORMAT",
    aliases: &[],
    secret: false,
    help: "log format: text or json",
    parse: parse::log_format,
    default: || LogFormat::Text,
    effective: |c| Some(c.log_format),
};

pub(super) const SITE_ROOT: Key<PathBuf> = Key {
    name: "site_root",
    env: "PALETTE_SITE_ROOT",
    aliases: &["LEPTOS_SITE_ROOT"],
    secret: false,
    help: "site root (wasm, CSS, assets)",
    parse: parse::path,
    default: || PathBuf::from("target/site"),
    effective: |c| Some(c.site_root.clone()),
};

pub(super) const HASH_FILE: Key<Option<PathBuf>> = Key {
    name: "hash_file",
    env: "PALETTE_HASH_FILE",
    aliases: &[],
    secret: false,
    help:
        "cargo-leptos's hash file (hashed asset names); hash.txt beside the executable when unset",
    parse: parse::some_path,
    default: || None,
    effective: |c| Some(c.hash_file.clone()),
};

pub(super) const PUBLIC_URL: Key<Option<String>> = Key {
    name: "public_url",
    env: "PALETTE_PUBLIC_URL",
    aliases: &[],
    secret: false,
    help: "external base URL; http:// and the listen address when unset",
    parse: parse::some_url,
    default: || None,
    effective: |c| Some(c.public_url.clone()),
};

pub(super) const TRUSTED_PROXIES: Key<TrustedProxies> = Key {
    name: "trusted_proxies",
    env: "PALETTE_TRUSTED_PROXIES",
    aliases: &[],
    secret: false,
    help: "CIDRs of proxies whose X-Forwarded-* and X-Request-Id are believed; none when unset",
    parse: parse::trusted_proxies,
    default: TrustedProxies::default,
    effective: |c| Some(c.trusted_proxies.clone()),
};

pub(super) const PATH_PREFIX: Key<Option<String>> = Key {
    name: "path_prefix",
    env: "PALETTE_PATH_PREFIX",
    aliases: &[],
    secret: false,
    help: "path Palette is served under (/palette): every page, asset, function and stream below it; the root when unset",
    parse: parse::path_prefix,
    default: || None,
    effective: |c| Some(c.path_prefix.clone()),
};

pub(super) const OIDC_ISSUER: Key<Option<String>> = Key {
    name: "oidc_issuer",
    env: "PALETTE_OIDC_ISSUER",
    aliases: &[],
    secret: false,
    help: "OpenID Provider; the dev login (loopback only) when unset",
    parse: parse::some_url,
    default: || None,
    effective: |c| Some(c.oidc.as_ref().map(|o| o.issuer.clone())),
};

pub(super) const OIDC_CLIENT_ID: Key<Option<String>> = Key {
    name: "oidc_client_id",
    env: "PALETTE_OIDC_CLIENT_ID",
    aliases: &[],
    secret: false,
    help: "OIDC client id (required with oidc_issuer)",
    parse: parse::some_text,
    default: || None,
    effective: |c| c.oidc.as_ref().map(|o| Some(o.client_id.clone())),
};

pub(super) const OIDC_CLIENT_SECRET: Key<Option<SecretString>> = Key {
    name: "oidc_client_secret",
    env: "PALETTE_OIDC_CLIENT_SECRET",
    aliases: &[],
    secret: true,
    help: "OIDC client secret",
    parse: parse::some_secret,
    default: || None,
    effective: |c| c.oidc.as_ref().map(|o| o.client_secret.clone()),
};

pub(super) const OIDC_SCOPES: Key<String> = Key {
    name: "oidc_scopes",
    env: "PALETTE_OIDC_SCOPES",
    aliases: &[],
    secret: false,
    help: "OIDC scopes, space-separated, with openid",
    parse: parse::text,
    default: || "openid profile email groups".to_owned(),
    effective: |c| c.oidc.as_ref().map(|o| o.scopes.join(" ")),
};

pub(super) const API_AUDIENCE: Key<Option<String>> = Key {
    name: "api_audience",
    env: "PALETTE_API_AUDIENCE",
    aliases: &[],
    secret: false,
    help: "the aud a bearer token must carry; no bearer tokens when unset",
    parse: parse::some_text,
    default: || None,
    effective: |c| Some(c.api_audience.clone()),
};

pub(super) const OIDC_INTROSPECTION_URL: Key<Option<String>> = Key {
    name: "oidc_introspection_url",
    env: "PALETTE_OIDC_INTROSPECTION_URL",
    aliases: &[],
    secret: false,
    help: "token introspection endpoint; from discovery when unset",
    parse: parse::some_url,
    default: || None,
    effective: |c| c.introspection.as_ref().map(|i| i.url.clone()),
};

pub(super) const OIDC_INTROSPECTION_CLIENT_ID: Key<Option<String>> = Key {
    name: "oidc_introspection_client_id",
    env: "PALETTE_OIDC_INTROSPECTION_CLIENT_ID",
    aliases: &[],
    secret: false,
    help: "introspection client id; no introspection when unset",
    parse: parse::some_text,
    default: || None,
    effective: |c| Some(c.introspection.as_ref().map(|i| i.client_id.clone())),
};

pub(super) const OIDC_INTROSPECTION_CLIENT_SECRET: Key<Option<SecretString>> = Key {
    name: "oidc_introspection_client_secret",
    env: "PALETTE_OIDC_INTROSPECTION_CLIENT_SECRET",
    aliases: &[],
    secret: true,
    help: "introspection client secret",
    parse: parse::some_secret,
    default: || None,
    effective: |c| c.introspection.as_ref().map(|i| i.client_secret.clone()),
};

pub(super) const OIDC_INTROSPECTION_CACHE_SECS: Key<u64> = Key {
    name: "oidc_introspection_cache_secs",
    env: "PALETTE_OIDC_INTROSPECTION_CACHE_SECS",
    aliases: &[],
    secret: false,
    help: "how long an introspection answer is kept (never past the token's exp); a token revoked at the provider is refused at most this much later; 0 asks every time",
    parse: parse::cache_seconds,
    default: || 10,
    effective: |c| c.introspection.as_ref().map(|i| i.cache_secs),
};

pub(super) const SESSION_IDLE_SECS: Key<u64> = Key {
    name: "session_idle_secs",
    env: "PALETTE_SESSION_IDLE_SECS",
    aliases: &[],
    secret: false,
    help: "a session ends after this long without a request",
    parse: parse::positive_seconds,
    // ASVS L2 (3.3.2): 30 minutes idle, 12 hours in all.
    default: || 30 * 60,
    effective: |c| Some(c.session_idle_secs),
};

pub(super) const SESSION_ABSOLUTE_SECS: Key<u64> = Key {
    name: "session_absolute_secs",
    env: "PALETTE_SESSION_ABSOLUTE_SECS",
    aliases: &[],
    secret: false,
    help: "and in any case this long after login",
    parse: parse::positive_seconds,
    default: || 12 * 3600,
    effective: |c| Some(c.session_absolute_secs),
};

pub(super) const ADMINS: Key<Vec<String>> = Key {
    name: "admins",
    env: "PALETTE_ADMINS",
    aliases: &[],
    secret: false,
    help: "platform admins at start: user:<sub> or group:<name>",
    parse: parse::list,
    default: Vec::new,
    effective: |c| Some(c.admins.clone()),
};

pub(super) const RELEASERS: Key<Vec<String>> = Key {
    name: "releasers",
    env: "PALETTE_RELEASERS",
    aliases: &[],
    secret: false,
    help: "who records releases at start (CI clients): user:<sub> or group:<name>",
    parse: parse::list,
    default: Vec::new,
    effective: |c| Some(c.releasers.clone()),
};

pub(super) const OPENFGA_URL: Key<Option<String>> = Key {
    name: "openfga_url",
    env: "PALETTE_OPENFGA_URL",
    aliases: &[],
    secret: false,
    help: "OpenFGA server; the embedded authorizer when unset",
    parse: parse::some_url,
    default: || None,
    effective: |c| Some(c.openfga.as_ref().map(|f| f.url.clone())),
};

pub(super) const OPENFGA_STORE_ID: Key<Option<String>> = Key {
    name: "openfga_store_id",
    env: "PALETTE_OPENFGA_STORE_ID",
    aliases: &[],
    secret: false,
    help: "OpenFGA store; bootstrapped when unset",
    parse: parse::some_text,
    default: || None,
    effective: |c| c.openfga.as_ref().map(|f| f.store_id.clone()),
};

pub(super) const OPENFGA_MODEL_ID: Key<Option<String>> = Key {
    name: "openfga_model_id",
    env: "PALETTE_OPENFGA_MODEL_ID",
    aliases: &[],
    secret: false,
    help: "OpenFGA authorization model; the latest when unset",
    parse: parse::some_text,
    default: || None,
    effective: |c| c.openfga.as_ref().map(|f| f.model_id.clone()),
};

pub(super) const OPENFGA_TOKEN: Key<Option<SecretString>> = Key {
    name: "openfga_token",
    env: "PALETTE_OPENFGA_TOKEN",
    aliases: &[],
    secret: true,
    help: "OpenFGA API token",
    parse: parse::some_secret,
    default: || None,
    effective: |c| c.openfga.as_ref().map(|f| f.token.clone()),
};

pub(super) const OPENFGA_TIMEOUT_MS: Key<u64> = Key {
    name: "openfga_timeout_ms",
    env: "PALETTE_OPENFGA_TIMEOUT_MS",
    aliases: &[],
    secret: false,
    help: "OpenFGA request timeout",
    parse: parse::millis,
    default: || 3000,
    effective: |c| c.openfga.as_ref().map(|f| f.timeout_ms),
};

pub(super) const WORKERS: Key<usize> = Key {
    name: "workers",
    env: "PALETTE_WORKERS",
    aliases: &[],
    secret: false,
    help: "job workers per process",
    parse: parse::count,
    default: || WorkerConfig::default().workers,
    effective: |c| Some(c.workers),
};

pub(super) const JOB_LEASE_SECS: Key<u64> = Key {
    name: "job_lease_secs",
    env: "PALETTE_JOB_LEASE_SECS",
    aliases: &[],
    secret: false,
    help: "job lease, at least 3 (heartbeats at a third of it)",
    parse: parse::lease_seconds,
    default: || WorkerConfig::default().lease.as_secs(),
    effective: |c| Some(c.job_lease_secs),
};

pub(super) const CANCEL_GRACE_SECS: Key<u64> = Key {
    name: "cancel_grace_secs",
    env: "PALETTE_CANCEL_GRACE_SECS",
    aliases: &[],
    secret: false,
    help: "between SIGINT and SIGKILL when a run is cancelled",
    parse: parse::seconds,
    default: || WorkerConfig::default().cancel_grace.as_secs(),
    effective: |c| Some(c.cancel_grace_secs),
};

pub(super) const DRAIN_SECS: Key<u64> = Key {
    name: "drain_secs",
    env: "PALETTE_DRAIN_SECS",
    aliases: &[],
    secret: false,
    help: "on SIGTERM, how long running jobs and requests may finish before they are interrupted",
    parse: parse::seconds,
    default: || 30,
    effective: |c| Some(c.drain_secs),
};

pub(super) const LAYER_PARALLELISM: Key<usize> = Key {
    name: "layer_parallelism",
    env: "PALETTE_LAYER_PARALLELISM",
    aliases: &[],
    secret: false,
    help: "layers of one job run at once when they do not depend on each other",
    parse: parse::count,
    default: || engine::runner::DEFAULT_LAYER_PARALLELISM,
    effective: |c| Some(c.layer_parallelism),
};

pub(super) const LAYER_BIN: Key<Option<String>> = Key {
    name: "layer_bin",
    env: "PALETTE_LAYER_BIN",
    aliases: &[],
    secret: false,
    help: "layer program; tofu, else terraform, else the stand-in when unset",
    parse: parse::some_text,
    default: || None,
    effective: |c| Some(c.layer_bin.clone()),
};

pub(super) const LAYER_ENV: Key<Vec<String>> = Key {
    name: "layer_env",
    env: "PALETTE_LAYER_ENV",
    aliases: &[],
    secret: false,
    help: "variables (OS_*, JUJU_*, AWS_PROFILE) layer processes get besides PATH, HOME, locale, proxies, TLS and TF_*",
    parse: parse::layer_env,
    default: Vec::new,
    effective: |c| Some(c.layer_env.clone()),
};

pub(super) const INFRA_DIR: Key<Option<PathBuf>> = Key {
    name: "infra_dir",
    env: "PALETTE_INFRA_DIR",
    aliases: &[],
    secret: false,
    help: "infrastructure tree; the shipped example when unset",
    parse: parse::some_path,
    default: || None,
    effective: |c| Some(c.infra_dir.clone()),
};

pub(super) const BLUEPRINT: Key<Option<PathBuf>> = Key {
    name: "blueprint",
    env: "PALETTE_BLUEPRINT",
    aliases: &[],
    secret: false,
    help: "layer blueprint, a TOML file of [[layer]] tables; the write-up's layers when unset",
    parse: parse::some_path,
    default: || None,
    effective: |c| Some(c.blueprint.clone()),
};

pub(super) const OIDC_CHECK_INTERVAL: Key<Duration> = Key {
    name: "oidc_check_interval",
    env: "PALETTE_OIDC_CHECK_INTERVAL",
    aliases: &[],
    secret: false,
    help: "how often OIDC checks run: 300, 300s, 5m, 1h; 0 is off",
    parse: parse::interval,
    default: || CheckSettings::default().interval,
    effective: |c| Some(c.oidc_checks.interval),
};

pub(super) const OIDC_CHECK_ALLOW_HTTP: Key<bool> = Key {
    name: "oidc_check_allow_http",
    env: "PALETTE_OIDC_CHECK_ALLOW_HTTP",
    aliases: &[],
    secret: false,
    help: "OIDC checks accept http issuers (development only)",
    parse: parse::flag,
    default: || CheckSettings::default().allow_http,
    effective: |c| Some(c.oidc_checks.allow_http),
};

pub(super) const OIDC_CHECK_ALLOW_PRIVATE: Key<bool> = Key {
    name: "oidc_check_allow_private",
    env: "PALETTE_OIDC_CHECK_ALLOW_PRIVATE",
    aliases: &[],
    secret: false,
    help: "OIDC checks connect to loopback and private addresses",
    parse: parse::flag,
    default: || CheckSettings::default().allow_private_network,
    effective: |c| Some(c.oidc_checks.allow_private_network),
};

pub(super) const OIDC_CHECK_CA_FILE: Key<Option<PathBuf>> = Key {
    name: "oidc_check_ca_file",
    env: "PALETTE_OIDC_CHECK_CA_FILE",
    aliases: &[],
    secret: false,
    help: "extra CA certificates (PEM) for OIDC checks; system roots when unset",
    parse: parse::some_path,
    default: || CheckSettings::default().ca_file,
    effective: |c| Some(c.oidc_checks.ca_file.clone()),
};
