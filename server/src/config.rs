//! Palette's configuration: defaults, then one TOML file, then `PALETTE_*`
//! environment variables, then command-line flags. Every error names the key
//! it is about.

mod oidc_checks;

use std::collections::BTreeMap;
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
    pub data_dir: PathBuf,
    /// PostgreSQL when set; otherwise SQLite under `data_dir`.
    pub database_url: Option<SecretString>,
    pub log_format: LogFormat,
    /// Where cargo-leptos put the site (`pkg/`, CSS, assets).
    pub site_root: PathBuf,
    /// The external base URL (behind Traefik); derived from the listen
    /// address when unset.
    pub public_url: Option<String>,
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
    /// The OpenFGA server; the embedded authorizer when unset.
    pub openfga: Option<OpenFgaSettings>,
    /// Job workers per process.
    pub workers: usize,
    /// A job's lease; heartbeats run at a third of it.
    pub job_lease_secs: u64,
    /// Between SIGINT and SIGKILL when a layer run is cancelled.
    pub cancel_grace_secs: u64,
    /// The terraform-compatible program; `tofu`, `terraform`, else the stand-in.
    pub layer_bin: Option<String>,
    /// The infrastructure tree; the shipped example when unset.
    pub infra_dir: Option<PathBuf>,
    /// How OIDC endpoint checks run (`PALETTE_OIDC_CHECK_*`).
    pub oidc_checks: engine::oidc::CheckSettings,
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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            log_format: LogFormat::Text,
            site_root: PathBuf::from("target/site"),
            public_url: None,
            oidc: None,
            api_audience: None,
            introspection: None,
            session_idle_secs: 8 * 3600,
            session_absolute_secs: 7 * 24 * 3600,
            admins: Vec::new(),
            openfga: None,
            workers: 4,
            job_lease_secs: 60,
            cancel_grace_secs: 30,
            layer_bin: None,
            infra_dir: None,
            oidc_checks: engine::oidc::CheckSettings::default(),
        }
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

/// The TOML file's shape. Unknown keys are errors, so typos do not pass
/// silently. Secrets are not read from the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    log_format: Option<String>,
    site_root: Option<PathBuf>,
    public_url: Option<String>,
    oidc_issuer: Option<String>,
    oidc_client_id: Option<String>,
    oidc_scopes: Option<String>,
    api_audience: Option<String>,
    oidc_introspection_url: Option<String>,
    oidc_introspection_client_id: Option<String>,
    session_idle_secs: Option<u64>,
    session_absolute_secs: Option<u64>,
    admins: Option<Vec<String>>,
    openfga_url: Option<String>,
    openfga_store_id: Option<String>,
    openfga_model_id: Option<String>,
    openfga_timeout_ms: Option<u64>,
    workers: Option<usize>,
    job_lease_secs: Option<u64>,
    cancel_grace_secs: Option<u64>,
    layer_bin: Option<String>,
    infra_dir: Option<PathBuf>,
    oidc_check_interval: Option<String>,
    oidc_check_allow_http: Option<bool>,
    oidc_check_allow_private: Option<bool>,
    oidc_check_ca_file: Option<PathBuf>,
}

/// `PALETTE_*` variables Palette knows; any other is refused as a typo.
const KNOWN_ENV: &[&str] = &[
    "PALETTE_CONFIG",
    "PALETTE_LISTEN",
    "PALETTE_DATA_DIR",
    "PALETTE_DATABASE_URL",
    "PALETTE_LOG_FORMAT",
    "PALETTE_LOG",
    "PALETTE_SITE_ROOT",
    "PALETTE_PUBLIC_URL",
    "PALETTE_OIDC_ISSUER",
    "PALETTE_OIDC_CLIENT_ID",
    "PALETTE_OIDC_CLIENT_SECRET",
    "PALETTE_OIDC_SCOPES",
    "PALETTE_API_AUDIENCE",
    "PALETTE_OIDC_INTROSPECTION_URL",
    "PALETTE_OIDC_INTROSPECTION_CLIENT_ID",
    "PALETTE_OIDC_INTROSPECTION_CLIENT_SECRET",
    "PALETTE_SESSION_IDLE_SECS",
    "PALETTE_SESSION_ABSOLUTE_SECS",
    "PALETTE_ADMINS",
    "PALETTE_OPENFGA_URL",
    "PALETTE_OPENFGA_STORE_ID",
    "PALETTE_OPENFGA_MODEL_ID",
    "PALETTE_OPENFGA_TOKEN",
    "PALETTE_OPENFGA_TIMEOUT_MS",
    "PALETTE_WORKERS",
    "PALETTE_JOB_LEASE_SECS",
    "PALETTE_CANCEL_GRACE_SECS",
    "PALETTE_LAYER_BIN",
    "PALETTE_INFRA_DIR",
    "PALETTE_OIDC_CHECK_INTERVAL",
    "PALETTE_OIDC_CHECK_ALLOW_HTTP",
    "PALETTE_OIDC_CHECK_ALLOW_PRIVATE",
    "PALETTE_OIDC_CHECK_CA_FILE",
];

/// Settings that may come from the file or the environment, gathered before
/// they are checked together.
#[derive(Debug, Default)]
struct AuthSettings {
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    scopes: Option<String>,
    introspection_url: Option<String>,
    introspection_client_id: Option<String>,
    introspection_client_secret: Option<SecretString>,
}

impl Config {
    /// Loads the configuration from `file` (if any) and `env`.
    pub fn load(file: Option<&Path>, env: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        let mut auth = AuthSettings::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let parsed: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::File {
                path: path.display().to_string(),
                message: e.message().to_owned(),
            })?;
            config.apply_file(parsed, &mut auth)?;
        }
        config.apply_env(env, &mut auth)?;
        config.apply_auth(auth)?;
        Ok(config)
    }

    fn apply_auth(&mut self, auth: AuthSettings) -> Result<(), ConfigError> {
        if let Some(url) = &self.public_url {
            check_url("PALETTE_PUBLIC_URL", url)?;
        }
        if let Some(issuer) = auth.issuer {
            check_url("PALETTE_OIDC_ISSUER", &issuer)?;
            let client_id = auth.client_id.ok_or_else(|| {
                invalid(
                    "PALETTE_OIDC_CLIENT_ID",
                    "is required when PALETTE_OIDC_ISSUER is set",
                )
            })?;
            let scopes = auth
                .scopes
                .unwrap_or_else(|| "openid profile email groups".to_owned());
            let scopes: Vec<String> = scopes.split_whitespace().map(str::to_owned).collect();
            if !scopes.iter().any(|s| s == "openid") {
                return Err(invalid("PALETTE_OIDC_SCOPES", "must include openid"));
            }
            if self.public_url.is_none() && !self.listen.ip().is_loopback() {
                return Err(invalid(
                    "PALETTE_PUBLIC_URL",
                    "is required when listening on a non-loopback address (the callback URL is derived from it)",
                ));
            }
            if let Some(client_id) = auth.introspection_client_id {
                if let Some(url) = &auth.introspection_url {
                    check_url("PALETTE_OIDC_INTROSPECTION_URL", url)?;
                }
                self.introspection = Some(IntrospectionConfig {
                    url: auth.introspection_url,
                    client_id,
                    client_secret: auth.introspection_client_secret,
                });
            } else if auth.introspection_url.is_some() {
                return Err(invalid(
                    "PALETTE_OIDC_INTROSPECTION_CLIENT_ID",
                    "is required when PALETTE_OIDC_INTROSPECTION_URL is set",
                ));
            }
            self.oidc = Some(OidcConfig {
                issuer,
                client_id,
                client_secret: auth.client_secret,
                scopes,
            });
        } else if auth.client_id.is_some() {
            return Err(invalid(
                "PALETTE_OIDC_ISSUER",
                "is required when PALETTE_OIDC_CLIENT_ID is set",
            ));
        }
        for admin in &self.admins {
            engine::services::access::parse_subject(admin).map_err(|_| {
                invalid(
                    "PALETTE_ADMINS",
                    format!("{admin:?} is not user:<id> or group:<name>"),
                )
            })?;
        }
        if let Some(openfga) = &self.openfga {
            check_url("PALETTE_OPENFGA_URL", &openfga.url)?;
        }
        if self.job_lease_secs < 3 {
            return Err(invalid(
                "PALETTE_JOB_LEASE_SECS",
                "must be at least 3 seconds",
            ));
        }
        if self.session_idle_secs == 0 || self.session_absolute_secs == 0 {
            return Err(invalid(
                "PALETTE_SESSION_IDLE_SECS",
                "session lifetimes must be positive",
            ));
        }
        Ok(())
    }

    /// The external base URL, without a trailing slash.
    pub fn public_base(&self, bound: std::net::SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }

    fn apply_file(&mut self, file: FileConfig, auth: &mut AuthSettings) -> Result<(), ConfigError> {
        self.public_url = file.public_url.or(self.public_url.take());
        self.api_audience = file.api_audience.or(self.api_audience.take());
        auth.issuer = file.oidc_issuer;
        auth.client_id = file.oidc_client_id;
        auth.scopes = file.oidc_scopes;
        auth.introspection_url = file.oidc_introspection_url;
        auth.introspection_client_id = file.oidc_introspection_client_id;
        self.workers = file.workers.unwrap_or(self.workers);
        self.job_lease_secs = file.job_lease_secs.unwrap_or(self.job_lease_secs);
        self.cancel_grace_secs = file.cancel_grace_secs.unwrap_or(self.cancel_grace_secs);
        self.layer_bin = file.layer_bin.or(self.layer_bin.take());
        self.infra_dir = file.infra_dir.or(self.infra_dir.take());
        if let Some(admins) = file.admins {
            self.admins = admins;
        }
        if let Some(url) = file.openfga_url {
            self.openfga = Some(OpenFgaSettings {
                url,
                store_id: file.openfga_store_id,
                model_id: file.openfga_model_id,
                token: None,
                timeout_ms: file.openfga_timeout_ms.unwrap_or(3000),
            });
        }
        if let Some(secs) = file.session_idle_secs {
            self.session_idle_secs = secs;
        }
        if let Some(secs) = file.session_absolute_secs {
            self.session_absolute_secs = secs;
        }
        if let Some(listen) = file.listen {
            self.listen = parse_listen("listen", &listen)?;
        }
        if let Some(dir) = file.data_dir {
            self.data_dir = dir;
        }
        if let Some(format) = file.log_format {
            self.log_format = parse_log_format("log_format", &format)?;
        }
        if let Some(root) = file.site_root {
            self.site_root = root;
        }
        let checks = oidc_checks::FileKeys {
            oidc_check_interval: file.oidc_check_interval,
            oidc_check_allow_http: file.oidc_check_allow_http,
            oidc_check_allow_private: file.oidc_check_allow_private,
            oidc_check_ca_file: file.oidc_check_ca_file,
        };
        oidc_checks::apply_file(&mut self.oidc_checks, checks)?;
        Ok(())
    }

    fn apply_env(
        &mut self,
        env: &BTreeMap<String, String>,
        auth: &mut AuthSettings,
    ) -> Result<(), ConfigError> {
        if let Some(unknown) = env
            .keys()
            .find(|k| k.starts_with("PALETTE_") && !KNOWN_ENV.contains(&k.as_str()))
        {
            return Err(invalid(unknown, "unknown setting (check the spelling)"));
        }
        if let Some(listen) = env.get("PALETTE_LISTEN") {
            self.listen = parse_listen("PALETTE_LISTEN", listen)?;
        }
        if let Some(dir) = env.get("PALETTE_DATA_DIR") {
            self.data_dir = PathBuf::from(dir);
        }
        if let Some(format) = env.get("PALETTE_LOG_FORMAT") {
            self.log_format = parse_log_format("PALETTE_LOG_FORMAT", format)?;
        }
        if let Some(root) = env
            .get("PALETTE_SITE_ROOT")
            .or_else(|| env.get("LEPTOS_SITE_ROOT"))
        {
            self.site_root = PathBuf::from(root);
        }
        let text = |key: &str| env.get(key).filter(|v| !v.is_empty()).cloned();
        let secret = |key: &str| text(key).map(SecretString::from);
        if let Some(url) = text("PALETTE_PUBLIC_URL") {
            self.public_url = Some(url);
        }
        if let Some(aud) = text("PALETTE_API_AUDIENCE") {
            self.api_audience = Some(aud);
        }
        auth.issuer = text("PALETTE_OIDC_ISSUER").or(auth.issuer.take());
        auth.client_id = text("PALETTE_OIDC_CLIENT_ID").or(auth.client_id.take());
        auth.client_secret = secret("PALETTE_OIDC_CLIENT_SECRET");
        auth.scopes = text("PALETTE_OIDC_SCOPES").or(auth.scopes.take());
        auth.introspection_url =
            text("PALETTE_OIDC_INTROSPECTION_URL").or(auth.introspection_url.take());
        auth.introspection_client_id =
            text("PALETTE_OIDC_INTROSPECTION_CLIENT_ID").or(auth.introspection_client_id.take());
        auth.introspection_client_secret = secret("PALETTE_OIDC_INTROSPECTION_CLIENT_SECRET");
        for (key, field) in [
            ("PALETTE_SESSION_IDLE_SECS", &mut self.session_idle_secs),
            (
                "PALETTE_SESSION_ABSOLUTE_SECS",
                &mut self.session_absolute_secs,
            ),
        ] {
            if let Some(value) = text(key) {
                *field = value
                    .parse()
                    .map_err(|_| invalid(key, format!("{value:?} is not a number of seconds")))?;
            }
        }
        if let Some(workers) = text("PALETTE_WORKERS") {
            self.workers = workers
                .parse()
                .map_err(|_| invalid("PALETTE_WORKERS", format!("{workers:?} is not a number")))?;
        }
        if let Some(bin) = text("PALETTE_LAYER_BIN") {
            self.layer_bin = Some(bin);
        }
        if let Some(dir) = text("PALETTE_INFRA_DIR") {
            self.infra_dir = Some(PathBuf::from(dir));
        }
        for (key, field) in [
            ("PALETTE_JOB_LEASE_SECS", &mut self.job_lease_secs),
            ("PALETTE_CANCEL_GRACE_SECS", &mut self.cancel_grace_secs),
        ] {
            if let Some(value) = text(key) {
                *field = value
                    .parse()
                    .map_err(|_| invalid(key, format!("{value:?} is not a number of seconds")))?;
            }
        }
        if let Some(admins) = text("PALETTE_ADMINS") {
            self.admins = admins
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(url) = text("PALETTE_OPENFGA_URL") {
            let previous = self.openfga.take();
            self.openfga = Some(OpenFgaSettings {
                url,
                store_id: previous.as_ref().and_then(|p| p.store_id.clone()),
                model_id: previous.as_ref().and_then(|p| p.model_id.clone()),
                token: None,
                timeout_ms: previous.as_ref().map_or(3000, |p| p.timeout_ms),
            });
        }
        if let Some(openfga) = self.openfga.as_mut() {
            if let Some(id) = text("PALETTE_OPENFGA_STORE_ID") {
                openfga.store_id = Some(id);
            }
            if let Some(id) = text("PALETTE_OPENFGA_MODEL_ID") {
                openfga.model_id = Some(id);
            }
            openfga.token = secret("PALETTE_OPENFGA_TOKEN");
            if let Some(ms) = text("PALETTE_OPENFGA_TIMEOUT_MS") {
                openfga.timeout_ms = ms.parse().map_err(|_| {
                    invalid(
                        "PALETTE_OPENFGA_TIMEOUT_MS",
                        format!("{ms:?} is not a number of milliseconds"),
                    )
                })?;
            }
        }
        for key in ["PALETTE_DATABASE_URL", "DATABASE_URL"] {
            if let Some(url) = env.get(key).filter(|u| !u.is_empty()) {
                if engine::Backend::from_url(url).is_err() {
                    return Err(invalid(key, "must be a postgres:// (or sqlite:) URL"));
                }
                self.database_url = Some(SecretString::from(url.clone()));
                break;
            }
        }
        oidc_checks::apply_env(&mut self.oidc_checks, env)?;
        Ok(())
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

    /// The configuration as `palette config check` prints it, secrets redacted.
    pub fn redacted(&self) -> String {
        let database = match &self.database_url {
            Some(url) => redact_url(url.expose_secret()),
            None => format!("sqlite ({})", self.data_dir.join("palette.db").display()),
        };
        let format = match self.log_format {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        };
        let secret = |s: &Option<SecretString>| {
            if s.is_some() {
                "set (redacted)"
            } else {
                "unset"
            }
        };
        let mut out = format!(
            "listen = {:?}\ndata_dir = {:?}\ndatabase = {:?}\nlog_format = {:?}\nsite_root = {:?}\n",
            self.listen.to_string(),
            self.data_dir.display().to_string(),
            database,
            format,
            self.site_root.display().to_string(),
        );
        out += &format!(
            "public_url = {:?}\n",
            self.public_url.as_deref().unwrap_or("(from listen)")
        );
        match &self.oidc {
            Some(oidc) => {
                out += &format!(
                    "login = \"oidc\"\noidc_issuer = {:?}\noidc_client_id = {:?}\noidc_client_secret = {:?}\noidc_scopes = {:?}\n",
                    oidc.issuer,
                    oidc.client_id,
                    secret(&oidc.client_secret),
                    oidc.scopes.join(" "),
                );
            }
            None => out += "login = \"dev (loopback only)\"\n",
        }
        out += &format!(
            "api_audience = {:?}\n",
            self.api_audience.as_deref().unwrap_or("(unset)")
        );
        if let Some(intro) = &self.introspection {
            out += &format!(
                "introspection_url = {:?}\nintrospection_client_id = {:?}\nintrospection_client_secret = {:?}\n",
                intro.url.as_deref().unwrap_or("(from discovery)"),
                intro.client_id,
                secret(&intro.client_secret),
            );
        }
        out += &format!(
            "session_idle_secs = {}\nsession_absolute_secs = {}\nadmins = {:?}\n",
            self.session_idle_secs, self.session_absolute_secs, self.admins
        );
        match &self.openfga {
            Some(fga) => {
                out += &format!(
                    "authorizer = \"openfga\"\nopenfga_url = {:?}\nopenfga_store_id = {:?}\nopenfga_model_id = {:?}\nopenfga_token = {:?}\n",
                    fga.url,
                    fga.store_id.as_deref().unwrap_or("(bootstrap)"),
                    fga.model_id.as_deref().unwrap_or("(latest)"),
                    secret(&fga.token),
                );
            }
            None => out += "authorizer = \"embedded\"\n",
        }
        out += &format!(
            "workers = {}\njob_lease_secs = {}\ncancel_grace_secs = {}\nlayer_bin = {:?}\ninfra_dir = {:?}\n",
            self.workers,
            self.job_lease_secs,
            self.cancel_grace_secs,
            self.layer_bin.as_deref().unwrap_or("(tofu, terraform, else the stand-in)"),
            self.infra_dir.as_ref().map_or_else(|| "(the shipped example tree)".to_owned(), |d| d.display().to_string()),
        );
        out += &oidc_checks::redacted(&self.oidc_checks);
        out
    }
}

fn parse_listen(key: &str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| {
        invalid(
            key,
            format!("{value:?} is not an address such as 127.0.0.1:3000"),
        )
    })
}

fn check_url(key: &str, value: &str) -> Result<(), ConfigError> {
    domain::environment::validate_issuer(value)
        .map(drop)
        .map_err(|_| {
            invalid(
                key,
                format!("{value:?} is not an absolute http(s) URL without query or fragment"),
            )
        })
}

fn parse_log_format(key: &str, value: &str) -> Result<LogFormat, ConfigError> {
    match value {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        other => Err(invalid(key, format!("{other:?} is not one of: text, json"))),
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return "***".to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // Query parameters may carry a password too.
    let tail = match tail.split_once('?') {
        Some((path, _)) => format!("{path}?***"),
        None => tail.to_owned(),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***@{host}{tail}", &url[..scheme_end])
        }
        None => format!("{}{authority}{tail}", &url[..scheme_end]),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_the_embedded_ones() {
        let config = Config::load(None, &env(&[])).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert!(config
            .effective_database_url()
            .starts_with("sqlite://./data/palette.db"));
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("palette.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:4000\"\ndata_dir = \"/srv/palette\"\n",
        )
        .unwrap();
        let config =
            Config::load(Some(&file), &env(&[("PALETTE_LISTEN", "0.0.0.0:5000")])).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:5000");
        assert_eq!(config.data_dir, PathBuf::from("/srv/palette"));
    }

    #[test]
    fn job_and_layer_settings_come_from_the_environment() {
        let config = Config::load(
            None,
            &env(&[
                ("PALETTE_WORKERS", "8"),
                ("PALETTE_JOB_LEASE_SECS", "30"),
                ("PALETTE_CANCEL_GRACE_SECS", "5"),
                ("PALETTE_LAYER_BIN", "/usr/bin/tofu"),
                ("PALETTE_INFRA_DIR", "/srv/infra"),
            ]),
        )
        .unwrap();
        assert_eq!(config.workers, 8);
        assert_eq!(config.job_lease_secs, 30);
        assert_eq!(config.cancel_grace_secs, 5);
        assert_eq!(config.layer_bin.as_deref(), Some("/usr/bin/tofu"));
        assert_eq!(config.infra_dir, Some(PathBuf::from("/srv/infra")));
        let err = Config::load(None, &env(&[("PALETTE_WORKERS", "many")])).unwrap_err();
        assert!(err.to_string().starts_with("PALETTE_WORKERS:"), "{err}");
    }

    #[test]
    fn errors_name_the_offending_key() {
        let err = Config::load(None, &env(&[("PALETTE_LISTEN", "nowhere")])).unwrap_err();
        assert!(err.to_string().starts_with("PALETTE_LISTEN:"), "{err}");
        let err = Config::load(None, &env(&[("PALETTE_LISTNE", "x")])).unwrap_err();
        assert!(err.to_string().starts_with("PALETTE_LISTNE:"), "{err}");
        let err = Config::load(None, &env(&[("DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(err.to_string().starts_with("DATABASE_URL:"), "{err}");
    }

    #[test]
    fn unknown_file_keys_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("palette.toml");
        std::fs::write(&file, "listne = \"x\"\n").unwrap();
        let err = Config::load(Some(&file), &env(&[])).unwrap_err();
        assert!(err.to_string().contains("listne"), "{err}");
    }

    #[test]
    fn redaction_hides_passwords_and_query_secrets() {
        let config = Config::load(
            None,
            &env(&[(
                "DATABASE_URL",
                "postgres://palette:hunter2@db:5432/palette?password=x",
            )]),
        )
        .unwrap();
        let shown = config.redacted();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("postgres://palette:***@db:5432/palette?***"),
            "{shown}"
        );
    }
}
