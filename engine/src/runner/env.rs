//! The environment a layer process starts with: cleared, then an
//! allow-list. Palette's own settings (the database URL, the OIDC client
//! secret, the OpenFGA token) never reach tofu, its providers or a
//! `local-exec`.

/// Always passed: where programs and home are, the locale and time zone,
/// proxies and TLS trust, Terraform's update-check switch.
const BASE_NAMES: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "TERM",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    // An operator's `CHECKPOINT_DISABLE=1` turns off Terraform's update
    // check, which calls checkpoint-api.hashicorp.com.
    "CHECKPOINT_DISABLE",
];

/// Always passed by prefix: Terraform's and OpenTofu's own settings
/// (`TF_VAR_*`, `TF_LOG`, `TF_CLI_CONFIG_FILE`, …) and the locale.
const BASE_PREFIXES: &[&str] = &["TF_", "LC_"];

/// The stand-in's knobs, passed only when layers run on it.
pub const STANDIN_PREFIX: &str = "TOFU_STANDIN_";

/// Never passed, whatever the allow-list says.
fn forbidden(name: &str) -> bool {
    name.starts_with("PALETTE_") || name == "DATABASE_URL"
}

/// Which variables of Palette's environment a layer process gets: the base
/// set and the configured names and prefixes (`PALETTE_LAYER_ENV`, e.g.
/// `OS_*,JUJU_*,AWS_PROFILE`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvAllowList {
    names: Vec<String>,
    prefixes: Vec<String>,
}

impl EnvAllowList {
    /// Parses entries: a variable name, or a prefix ending in `*`. Names of
    /// Palette's own settings are refused.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut list = Self::default();
        for entry in entries {
            let entry = entry.as_ref().trim();
            let (name, prefix) = match entry.strip_suffix('*') {
                Some(prefix) => (prefix, true),
                None => (entry, false),
            };
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "{entry:?} is not a variable name or a prefix such as OS_*"
                ));
            }
            let refused = if prefix {
                // `PAL*` and `DATA*` would match them too.
                name.starts_with("PALETTE_")
                    || "PALETTE_".starts_with(name)
                    || "DATABASE_URL".starts_with(name)
            } else {
                forbidden(name)
            };
            if refused {
                return Err(format!(
                    "{entry:?} would pass Palette's own settings to layer processes"
                ));
            }
            if prefix {
                list.prefixes.push(name.to_owned());
            } else {
                list.names.push(name.to_owned());
            }
        }
        Ok(list)
    }

    /// Also passes variables starting with `prefix`.
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefixes.push(prefix.to_owned());
        self
    }

    pub fn allows(&self, name: &str) -> bool {
        !forbidden(name)
            && (BASE_NAMES.contains(&name)
                || BASE_PREFIXES.iter().any(|p| name.starts_with(p))
                || self.names.iter().any(|n| n == name)
                || self.prefixes.iter().any(|p| name.starts_with(p.as_str())))
    }

    /// The allowed ones of `vars`, in their order.
    pub fn pick(&self, vars: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
        vars.into_iter()
            .filter(|(name, _)| self.allows(name))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vars(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| ((*n).to_owned(), format!("value of {n}")))
            .collect()
    }

    #[test]
    fn palettes_settings_never_reach_a_layer_process() {
        let list = EnvAllowList::parse(&["OS_*", "JUJU_*", "AWS_PROFILE"]).unwrap();
        let picked: Vec<String> = list
            .pick(vars(&[
                "PATH",
                "HOME",
                "PALETTE_DATABASE_URL",
                "DATABASE_URL",
                "PALETTE_OIDC_CLIENT_SECRET",
                "PALETTE_OPENFGA_TOKEN",
                "TF_VAR_region",
                "TF_LOG",
                "LC_ALL",
                "CHECKPOINT_DISABLE",
                "OS_PASSWORD",
                "JUJU_CONTROLLER",
                "AWS_PROFILE",
                "AWS_SECRET_ACCESS_KEY",
                "GITHUB_TOKEN",
                "TOFU_STANDIN_FAIL",
            ]))
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            picked,
            [
                "PATH",
                "HOME",
                "TF_VAR_region",
                "TF_LOG",
                "LC_ALL",
                "CHECKPOINT_DISABLE",
                "OS_PASSWORD",
                "JUJU_CONTROLLER",
                "AWS_PROFILE"
            ]
        );
        let standin = EnvAllowList::default().with_prefix(STANDIN_PREFIX);
        assert!(standin.allows("TOFU_STANDIN_FAIL"));
        assert!(!standin.allows("PALETTE_LAYER_BIN"));
    }

    #[test]
    fn entries_that_would_pass_palettes_settings_are_refused() {
        for entry in [
            "PALETTE_*",
            "PALETTE_OIDC_CLIENT_SECRET",
            "DATABASE_URL",
            "PAL*",
            "*",
            "DATA*",
        ] {
            assert!(EnvAllowList::parse(&[entry]).is_err(), "{entry}");
        }
        assert!(EnvAllowList::parse(&["OS PASSWORD"]).is_err());
        assert!(EnvAllowList::parse(&["DATADOG_API_KEY"]).is_ok());
    }
}
