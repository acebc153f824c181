//! Palette's configuration: defaults, then one TOML file, then `PALETTE_*`
//! environment variables, then command-line flags. Every error names the key
//! it is about.

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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            log_format: LogFormat::Text,
            site_root: PathBuf::from("target/site"),
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
    ConfigError::Invalid { key: key.to_owned(), message: message.into() }
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
];

impl Config {
    /// Loads the configuration from `file` (if any) and `env`.
    pub fn load(file: Option<&Path>, env: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let parsed: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::File {
                path: path.display().to_string(),
                message: e.message().to_owned(),
            })?;
            config.apply_file(parsed)?;
        }
        config.apply_env(env)?;
        Ok(config)
    }

    fn apply_file(&mut self, file: FileConfig) -> Result<(), ConfigError> {
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
        Ok(())
    }

    fn apply_env(&mut self, env: &BTreeMap<String, String>) -> Result<(), ConfigError> {
        if let Some(unknown) =
            env.keys().find(|k| k.starts_with("PALETTE_") && !KNOWN_ENV.contains(&k.as_str()))
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
        if let Some(root) = env.get("PALETTE_SITE_ROOT").or_else(|| env.get("LEPTOS_SITE_ROOT")) {
            self.site_root = PathBuf::from(root);
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
        Ok(())
    }

    /// The URL the store connects to.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("palette.db").display()),
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
        format!(
            "listen = {:?}\ndata_dir = {:?}\ndatabase = {:?}\nlog_format = {:?}\nsite_root = {:?}\n",
            self.listen.to_string(),
            self.data_dir.display().to_string(),
            database,
            format,
            self.site_root.display().to_string(),
        )
    }
}

fn parse_listen(key: &str, value: &str) -> Result<SocketAddr, ConfigError> {
    value
        .parse()
        .map_err(|_| invalid(key, format!("{value:?} is not an address such as 127.0.0.1:3000")))
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
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_are_the_embedded_ones() {
        let config = Config::load(None, &env(&[])).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert!(config.effective_database_url().starts_with("sqlite://./data/palette.db"));
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("palette.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:4000\"\ndata_dir = \"/srv/palette\"\n").unwrap();
        let config = Config::load(Some(&file), &env(&[("PALETTE_LISTEN", "0.0.0.0:5000")])).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:5000");
        assert_eq!(config.data_dir, PathBuf::from("/srv/palette"));
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
            &env(&[("DATABASE_URL", "postgres://palette:hunter2@db:5432/palette?password=x")]),
        )
        .unwrap();
        let shown = config.redacted();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://palette:***@db:5432/palette?***"), "{shown}");
    }
}
