//! Palette's configuration: defaults, then one TOML file, then `PALETTE_*`
//! environment variables, then command-line flags (applied by `cli.rs`).
//!
//! Every key is declared once, in `keys.rs`: its TOML name, environment
//! variable, parser, default, secret flag and help. Loading (`layers.rs`),
//! the refusal of unknown keys, error messages and `config check`
//! (`redact.rs`) all read that table; `assemble.rs` turns the values into a
//! [`Config`] and checks the keys that depend on each other. Every error
//! names the key as it was given (`PALETTE_LISTEN: …`, `listen: …`).

mod assemble;
mod key;
mod keys;
mod layers;
mod parse;
mod redact;
#[cfg(test)]
mod tests;
mod value;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Where `/metrics` is served, apart from the public listener (which
    /// never serves it); no metrics at all when unset.
    pub metrics_listen: Option<SocketAddr>,
    pub data_dir: PathBuf,
    /// PostgreSQL when set; otherwise SQLite under `data_dir`.
    pub database_url: Option<SecretString>,
    pub log_format: LogFormat,
    /// Where cargo-leptos put the site (`pkg/`, CSS, assets).
    pub site_root: PathBuf,
    /// cargo-leptos's hash file (`hash-files`: `js: …`, `wasm: …`, `css: …`);
    /// `hash.txt` beside the executable when unset ([`crate::assets`]).
    pub hash_file: Option<PathBuf>,
    /// The external base URL (behind Traefik); derived from the listen
    /// address when unset.
    pub public_url: Option<String>,
    /// Peers whose `X-Forwarded-*` and `X-Request-Id` headers are believed
    /// (`PALETTE_TRUSTED_PROXIES`); none by default.
    pub trusted_proxies: crate::forwarded::TrustedProxies,
    /// The path Palette is served under (`/palette`); the root when unset.
    pub path_prefix: Option<String>,
    /// OpenID Connect login; the dev login when unset.
    pub oidc: Option<OidcConfig>,
    /// The `aud` a bearer token must carry.
    pub api_audience: Option<String>,
    /// RFC 7662 introspection of opaque bearer tokens, when configured.
    pub introspection: Option<IntrospectionConfig>,
    /// A session ends after this long without a request…
    pub session_idle_secs: u64,
    /// …and in any case this long after login.
    pub session_absolute_secs: u64,
    /// Platform admins at start: `user:<sub>` or `group:<name>`.
    pub admins: Vec<String>,
    /// Releasers at start (CI clients): `user:<sub>` or `group:<name>`.
    pub releasers: Vec<String>,
    /// The OpenFGA server; the embedded authorizer when unset.
    pub openfga: Option<OpenFgaSettings>,
    /// Job workers per process.
    pub workers: usize,
    /// A job's lease; heartbeats run at a third of it.
    pub job_lease_secs: u64,
    /// Between SIGINT and SIGKILL when a layer run is cancelled.
    pub cancel_grace_secs: u64,
    /// On SIGTERM, how long running jobs and requests may finish.
    pub drain_secs: u64,
    /// Layers of one job run at once when they do not depend on each other.
    pub layer_parallelism: usize,
    /// The terraform-compatible program; `tofu`, `terraform`, else the stand-in.
    pub layer_bin: Option<String>,
    /// Variable names and prefixes (`OS_*`) layer processes get besides the
    /// base set; never Palette's own.
    pub layer_env: Vec<String>,
    /// The infrastructure tree; the shipped example when unset.
    pub infra_dir: Option<PathBuf>,
    /// The layer blueprint (TOML); the write-up's layers when unset.
    pub blueprint: Option<PathBuf>,
    /// How OIDC endpoint checks run (`PALETTE_OIDC_CHECK_*`).
    pub oidc_checks: engine::oidc::CheckSettings,
    /// Where each key's value came from, for `config check` (flags applied
    /// afterwards are not recorded).
    pub sources: Sources,
    /// The dev login (pick a seeded user). Not a key: only `--dev-login`
    /// or `--demo` turn it on, through [`Config::enable_dev_login`].
    pub dev_login: bool,
}

/// Where the OpenFGA server is.
#[derive(Debug, Clone)]
pub struct OpenFgaSettings {
    pub url: String,
    pub store_id: Option<String>,
    pub model_id: Option<String>,
    pub token: Option<SecretString>,
    pub timeout_ms: u64,
}

/// The OpenID Provider Palette logs people in with.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub scopes: Vec<String>,
}

/// Where and as whom to introspect opaque tokens.
#[derive(Debug, Clone)]
pub struct IntrospectionConfig {
    /// The endpoint; from the provider's discovery document when unset.
    pub url: Option<String>,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    /// How long an answer is kept (never past the token's `exp`); 0 asks
    /// every time.
    pub cache_secs: u64,
}

/// Where a key's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    #[default]
    Default,
    /// The TOML file.
    File,
    /// This environment variable (the key's own, or an alias such as
    /// `DATABASE_URL`).
    Env(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::File => f.write_str("file"),
            Self::Env(var) => f.write_str(var),
        }
    }
}

/// The source of every key not at its default, by TOML key name.
#[derive(Debug, Clone, Default)]
pub struct Sources(BTreeMap<&'static str, Source>);

impl Sources {
    /// Where the key named `name` (`listen`, …) came from.
    pub fn of(&self, name: &str) -> Source {
        self.0.get(name).copied().unwrap_or_default()
    }
}

impl Default for Config {
    /// Every key at its default, from the table of keys.
    fn default() -> Self {
        use keys::{
            ADMINS, API_AUDIENCE, BLUEPRINT, CANCEL_GRACE_SECS, DATABASE_URL, DATA_DIR, DRAIN_SECS,
            HASH_FILE, INFRA_DIR, JOB_LEASE_SECS, LAYER_BIN, LAYER_ENV, LAYER_PARALLELISM, LISTEN,
            LOG_FORMAT, METRICS_LISTEN, OIDC_CHECK_ALLOW_HTTP, OIDC_CHECK_ALLOW_PRIVATE,
            OIDC_CHECK_CA_FILE, OIDC_CHECK_INTERVAL, PATH_PREFIX, PUBLIC_URL, RELEASERS,
            SESSION_ABSOLUTE_SECS, SESSION_IDLE_SECS, SITE_ROOT, TRUSTED_PROXIES, WORKERS,
        };
        // The groups (login, introspection, OpenFGA) are off by default.
        Self {
            listen: LISTEN.default_value(),
            metrics_listen: METRICS_LISTEN.default_value(),
            data_dir: DATA_DIR.default_value(),
            database_url: DATABASE_URL.default_value().map(|url| url.0),
            log_format: LOG_FORMAT.default_value(),
            site_root: SITE_ROOT.default_value(),
            hash_file: HASH_FILE.default_value(),
            public_url: PUBLIC_URL.default_value(),
            trusted_proxies: TRUSTED_PROXIES.default_value(),
            path_prefix: PATH_PREFIX.default_value(),
            oidc: None,
            api_audience: API_AUDIENCE.default_value(),
            introspection: None,
            session_idle_secs: SESSION_IDLE_SECS.default_value(),
            session_absolute_secs: SESSION_ABSOLUTE_SECS.default_value(),
            admins: ADMINS.default_value(),
            releasers: RELEASERS.default_value(),
            openfga: None,
            workers: WORKERS.default_value(),
            job_lease_secs: JOB_LEASE_SECS.default_value(),
            cancel_grace_secs: CANCEL_GRACE_SECS.default_value(),
            drain_secs: DRAIN_SECS.default_value(),
            layer_parallelism: LAYER_PARALLELISM.default_value(),
            layer_bin: LAYER_BIN.default_value(),
            layer_env: LAYER_ENV.default_value(),
            infra_dir: INFRA_DIR.default_value(),
            blueprint: BLUEPRINT.default_value(),
            oidc_checks: engine::oidc::CheckSettings {
                allow_http: OIDC_CHECK_ALLOW_HTTP.default_value(),
                allow_private_network: OIDC_CHECK_ALLOW_PRIVATE.default_value(),
                ca_file: OIDC_CHECK_CA_FILE.default_value(),
                interval: OIDC_CHECK_INTERVAL.default_value(),
            },
            sources: Sources::default(),
            dev_login: false,
        }
    }
}

impl Config {
    /// Turns the dev login on, for `flag` (`--dev-login`, or `--demo`,
    /// which implies it). Anyone can be anyone with it, so it is refused
    /// wherever the configuration says this is not one person's machine:
    /// with an OpenID Provider or any other `PALETTE_OIDC_*` login
    /// setting, a public URL that is not loopback, PostgreSQL, or OpenFGA.
    pub fn enable_dev_login(&mut self, flag: &str) -> Result<(), ConfigError> {
        let refuse = |why: String| {
            Err(invalid(
                flag,
                format!("the dev login lets anyone act as anyone: {why}"),
            ))
        };
        if self.oidc.is_some() {
            return refuse(
                "not with an OpenID Provider (PALETTE_OIDC_ISSUER): log in through it".to_owned(),
            );
        }
        if let Some((name, source)) = self
            .sources
            .0
            .iter()
            .find(|(name, _)| name.starts_with("oidc_") && !name.starts_with("oidc_check_"))
        {
            let key = match source {
                Source::Env(var) => (*var).to_owned(),
                _ => (*name).to_owned(),
            };
            return refuse(format!(
                "not with {key} (log in through the OpenID Provider)"
            ));
        }
        if let Some(url) = &self.public_url {
            if !is_loopback_url(url) {
                return refuse(format!(
                    "not behind the public URL {url}, which is not loopback"
                ));
            }
        }
        if self
            .database_url
            .as_ref()
            .is_some_and(|url| url.expose_secret().starts_with("postgres"))
        {
            return refuse("not with PostgreSQL (it is for a local SQLite database)".to_owned());
        }
        if self.openfga.is_some() {
            return refuse("not with OpenFGA (it is for the embedded authorizer)".to_owned());
        }
        self.dev_login = true;
        Ok(())
    }
}

/// `url`'s path without a trailing slash (`""` for an origin alone).
pub(crate) fn url_path(url: &str) -> String {
    openidconnect::url::Url::parse(url)
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

/// Whether `url`'s host is `localhost` or a loopback address.
pub fn is_loopback_url(url: &str) -> bool {
    openidconnect::url::Url::parse(url).is_ok_and(|url| is_loopback_host(&url))
}

/// Whether `url`'s host is `localhost` or a loopback address.
pub fn is_loopback_host(url: &openidconnect::url::Url) -> bool {
    match url.host() {
        Some(openidconnect::url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A configuration problem, naming the key (`listen`, `PALETTE_LISTEN`, …).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        message: message.into(),
    }
}

impl Config {
    /// Loads the configuration from `file` (if any) and `env`.
    pub fn load(file: Option<&Path>, env: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let table = file.map(read_file).transpose()?;
        let layers = layers::Layers::collect(table.as_ref(), env)?;
        assemble::assemble(&layers)
    }

    /// The external base URL, without a trailing slash, with the path
    /// prefix (`https://host/palette`): the public URL may name it or not.
    pub fn public_base(&self, bound: std::net::SocketAddr) -> String {
        let base = match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        };
        match self.path_prefix.as_deref() {
            Some(prefix) if url_path(&base).is_empty() => format!("{base}{prefix}"),
            _ => base,
        }
    }

    /// The URL the store connects to.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("palette.db").display()
            ),
        }
    }

    /// The configuration as `palette config check` prints it: every key with
    /// its effective value and source, secrets redacted.
    pub fn redacted(&self) -> String {
        redact::render(self)
    }
}

/// The TOML file as a table; its keys are checked against the table of keys.
fn read_file(path: &Path) -> Result<toml::Table, ConfigError> {
    let file_error = |message: String| ConfigError::File {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
    toml::from_str(&text).map_err(|e| file_error(e.message().to_owned()))
}
