//! `PALETTE_OIDC_CHECK_*`: how OIDC endpoint checks run and how often the
//! scheduler queues them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use engine::oidc::{parse_interval, CheckSettings};

use super::{invalid, ConfigError};

/// The file's keys (same meaning, lower case without the prefix).
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct FileKeys {
    pub oidc_check_interval: Option<String>,
    pub oidc_check_allow_http: Option<bool>,
    pub oidc_check_allow_private: Option<bool>,
    pub oidc_check_ca_file: Option<PathBuf>,
}

pub(super) fn apply_file(settings: &mut CheckSettings, file: FileKeys) -> Result<(), ConfigError> {
    if let Some(text) = file.oidc_check_interval {
        settings.interval = parse_interval(&text).map_err(|m| invalid("oidc_check_interval", m))?;
    }
    if let Some(allow) = file.oidc_check_allow_http {
        settings.allow_http = allow;
    }
    if let Some(allow) = file.oidc_check_allow_private {
        settings.allow_private_network = allow;
    }
    if let Some(path) = file.oidc_check_ca_file {
        settings.ca_file = Some(path);
    }
    Ok(())
}

pub(super) fn apply_env(
    settings: &mut CheckSettings,
    env: &BTreeMap<String, String>,
) -> Result<(), ConfigError> {
    let text = |key: &str| env.get(key).filter(|v| !v.is_empty());
    if let Some(value) = text("PALETTE_OIDC_CHECK_INTERVAL") {
        settings.interval =
            parse_interval(value).map_err(|m| invalid("PALETTE_OIDC_CHECK_INTERVAL", m))?;
    }
    if let Some(value) = text("PALETTE_OIDC_CHECK_ALLOW_HTTP") {
        settings.allow_http = parse_bool("PALETTE_OIDC_CHECK_ALLOW_HTTP", value)?;
    }
    if let Some(value) = text("PALETTE_OIDC_CHECK_ALLOW_PRIVATE") {
        settings.allow_private_network = parse_bool("PALETTE_OIDC_CHECK_ALLOW_PRIVATE", value)?;
    }
    if let Some(value) = text("PALETTE_OIDC_CHECK_CA_FILE") {
        settings.ca_file = Some(PathBuf::from(value));
    }
    Ok(())
}

fn parse_bool(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(invalid(key, format!("{value:?} is not true or false"))),
    }
}

/// The settings as `palette config check` prints them.
pub(super) fn redacted(settings: &CheckSettings) -> String {
    let interval = match settings.interval.as_secs() {
        0 => "off".to_owned(),
        secs => format!("{secs}s"),
    };
    format!(
        "oidc_check_interval = {interval:?}\noidc_check_allow_http = {}\n\
         oidc_check_allow_private = {}\noidc_check_ca_file = {:?}\n",
        settings.allow_http,
        settings.allow_private_network,
        settings
            .ca_file
            .as_ref()
            .map_or_else(|| "(system roots)".to_owned(), |p| p.display().to_string()),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn check_settings_come_from_the_environment_with_named_errors() {
        let mut settings = CheckSettings::default();
        let env: BTreeMap<String, String> = [
            ("PALETTE_OIDC_CHECK_INTERVAL", "5m"),
            ("PALETTE_OIDC_CHECK_ALLOW_HTTP", "true"),
            ("PALETTE_OIDC_CHECK_CA_FILE", "/etc/ca.pem"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        apply_env(&mut settings, &env).unwrap();
        assert_eq!(settings.interval.as_secs(), 300);
        assert!(settings.allow_http && !settings.allow_private_network);
        assert!(redacted(&settings).contains("oidc_check_ca_file = \"/etc/ca.pem\""));
        let bad: BTreeMap<String, String> = [(
            "PALETTE_OIDC_CHECK_ALLOW_PRIVATE".to_owned(),
            "maybe".to_owned(),
        )]
        .into();
        let err = apply_env(&mut settings, &bad).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("PALETTE_OIDC_CHECK_ALLOW_PRIVATE:"),
            "{err}"
        );
    }
}
