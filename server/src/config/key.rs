//! What a configuration key is. The keys themselves are in [`super::keys`].

use super::value::{Parser, Value};
use super::Config;

/// One key, declared once: everything loading, refusing, checking and
/// printing it needs.
pub(super) struct Key<T: Value> {
    /// The TOML key, and the name `config check` prints.
    pub name: &'static str,
    /// The environment variable.
    pub env: &'static str,
    /// Further variables read, in order, when `env` is unset or empty
    /// (`DATABASE_URL`, `LEPTOS_SITE_ROOT`).
    pub aliases: &'static [&'static str],
    /// Read only from the environment (refused in the file) and redacted by
    /// `config check`.
    pub secret: bool,
    /// What it is, for `config check`.
    pub help: &'static str,
    /// Reads the environment's text (and the file's strings).
    pub parse: Parser<T>,
    /// The value when no layer sets it.
    pub default: fn() -> T,
    /// The value a loaded [`Config`] uses; `None` when the key has no effect
    /// (the OpenFGA keys without `openfga_url`).
    pub effective: fn(&Config) -> Option<T>,
}

/// A value as a layer gave it, before its key's parser has run.
#[derive(Debug, Clone)]
pub(super) enum Raw {
    Env(String),
    Toml(toml::Value),
}

impl<T: Value> Key<T> {
    pub fn default_value(&self) -> T {
        (self.default)()
    }

    /// Parses `raw`; the message does not name the key yet.
    pub fn read(&self, raw: &Raw) -> Result<T, String> {
        match raw {
            Raw::Env(text) => (self.parse)(text),
            Raw::Toml(value) => T::from_toml(value, self.parse),
        }
    }

    fn show(&self, value: &T) -> String {
        if self.secret {
            value.redacted()
        } else {
            value.show()
        }
    }
}

/// A key of any type, so that one table can hold them all.
pub(super) trait Entry {
    fn name(&self) -> &'static str;
    fn env(&self) -> &'static str;
    fn aliases(&self) -> &'static [&'static str];
    fn secret(&self) -> bool;
    fn help(&self) -> &'static str;
    /// Parses `raw` and drops the value: loading refuses bad values of every
    /// key, including those no other key turns on.
    fn check(&self, raw: &Raw) -> Result<(), String>;
    /// The effective value as `config check` prints it, redacted when secret.
    fn shown(&self, config: &Config) -> String;
    /// `text` parsed and printed as `config check` would.
    #[cfg(test)]
    fn shown_text(&self, text: &str) -> Result<String, String>;
    /// `text` (environment syntax) as a TOML literal for this key.
    #[cfg(test)]
    fn toml_literal(&self, text: &str) -> String;
}

impl<T: Value> Entry for Key<T> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn env(&self) -> &'static str {
        self.env
    }

    fn aliases(&self) -> &'static [&'static str] {
        self.aliases
    }

    fn secret(&self) -> bool {
        self.secret
    }

    fn help(&self) -> &'static str {
        self.help
    }

    fn check(&self, raw: &Raw) -> Result<(), String> {
        self.read(raw).map(drop)
    }

    fn shown(&self, config: &Config) -> String {
        (self.effective)(config).map_or_else(|| "(not used)".to_owned(), |v| self.show(&v))
    }

    #[cfg(test)]
    fn shown_text(&self, text: &str) -> Result<String, String> {
        (self.parse)(text).map(|v| self.show(&v))
    }

    #[cfg(test)]
    fn toml_literal(&self, text: &str) -> String {
        T::toml_literal(text)
    }
}
