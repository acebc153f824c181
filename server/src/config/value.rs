//! The types keys hold: how each is read from the TOML file and shown by
//! `config check`. From the environment every value is text, read by the
//! key's parser ([`super::parse`]); the file's strings go through the same
//! parser, so both give the same errors.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::redact::redact_url;
use super::LogFormat;
use crate::forwarded::TrustedProxies;

/// A key's parser: the environment's text (or the file's string) to a value,
/// or a message (the caller adds the key).
pub(super) type Parser<T> = fn(&str) -> Result<T, String>;

/// A type a key can hold.
pub(super) trait Value: Clone + 'static {
    /// From the TOML file. Most values are strings read by the key's parser;
    /// numbers, booleans and lists override this.
    fn from_toml(value: &toml::Value, parse: Parser<Self>) -> Result<Self, String> {
        match value {
            toml::Value::String(text) => parse(text),
            other => Err(expected("a string", other)),
        }
    }

    /// As `config check` prints it (a TOML-like literal).
    fn show(&self) -> String;

    /// As `config check` prints it when the key is secret.
    fn redacted(&self) -> String {
        "\"set (redacted)\"".to_owned()
    }

    /// `text` (an example in environment syntax) as a TOML literal.
    #[cfg(test)]
    fn toml_literal(text: &str) -> String {
        format!("{text:?}")
    }
}

fn expected(what: &str, found: &toml::Value) -> String {
    format!("expected {what}, found {}", found.type_str())
}

/// A PostgreSQL (or SQLite) URL; `config check` shows it without its
/// password and query.
#[derive(Debug, Clone)]
pub(super) struct DatabaseUrl(pub SecretString);

impl Value for String {
    fn show(&self) -> String {
        format!("{self:?}")
    }
}

impl Value for PathBuf {
    fn show(&self) -> String {
        format!("{:?}", self.display().to_string())
    }
}

impl Value for SocketAddr {
    fn show(&self) -> String {
        format!("\"{self}\"")
    }
}

impl Value for LogFormat {
    fn show(&self) -> String {
        match self {
            Self::Text => "\"text\"",
            Self::Json => "\"json\"",
        }
        .to_owned()
    }
}

/// An interval; zero is off.
impl Value for Duration {
    fn show(&self) -> String {
        match self.as_secs() {
            0 => "\"off\"".to_owned(),
            secs => format!("\"{secs}s\""),
        }
    }
}

impl Value for SecretString {
    fn show(&self) -> String {
        self.redacted()
    }
}

impl Value for DatabaseUrl {
    fn show(&self) -> String {
        self.redacted()
    }

    fn redacted(&self) -> String {
        format!("{:?}", redact_url(self.0.expose_secret()))
    }
}

/// Numbers are TOML integers, read by the key's parser so that ranges and
/// messages match the environment's.
macro_rules! integer_value {
    ($($t:ty),*) => {$(
        impl Value for $t {
            fn from_toml(value: &toml::Value, parse: Parser<Self>) -> Result<Self, String> {
                match value {
                    toml::Value::Integer(n) => parse(&n.to_string()),
                    other => Err(expected("an integer", other)),
                }
            }

            fn show(&self) -> String {
                self.to_string()
            }

            #[cfg(test)]
            fn toml_literal(text: &str) -> String {
                text.to_owned()
            }
        }
    )*};
}

integer_value!(u64, usize);

impl Value for bool {
    fn from_toml(value: &toml::Value, parse: Parser<Self>) -> Result<Self, String> {
        match value {
            toml::Value::Boolean(b) => parse(&b.to_string()),
            other => Err(expected("true or false", other)),
        }
    }

    fn show(&self) -> String {
        self.to_string()
    }

    #[cfg(test)]
    fn toml_literal(text: &str) -> String {
        text.to_owned()
    }
}

/// A list: an array of strings in the file, comma-separated in the
/// environment.
impl Value for Vec<String> {
    fn from_toml(value: &toml::Value, _parse: Parser<Self>) -> Result<Self, String> {
        let toml::Value::Array(items) = value else {
            return Err(expected("an array of strings", value));
        };
        items
            .iter()
            .map(|item| match item {
                toml::Value::String(s) => Ok(s.clone()),
                other => Err(expected("an array of strings", other)),
            })
            .collect()
    }

    fn show(&self) -> String {
        format!("{self:?}")
    }

    #[cfg(test)]
    fn toml_literal(text: &str) -> String {
        format!("{:?}", text.split(',').collect::<Vec<_>>())
    }
}

/// Trusted proxies: an array of CIDR strings in the file (or one
/// comma-separated string), comma-separated in the environment.
impl Value for TrustedProxies {
    fn from_toml(value: &toml::Value, parse: Parser<Self>) -> Result<Self, String> {
        match value {
            toml::Value::String(text) => parse(text),
            toml::Value::Array(_) => {
                TrustedProxies::parse(&Vec::<String>::from_toml(value, |_| Ok(Vec::new()))?)
            }
            other => Err(expected("an array of CIDR strings", other)),
        }
    }

    fn show(&self) -> String {
        format!("{:?}", self.entries())
    }

    #[cfg(test)]
    fn toml_literal(text: &str) -> String {
        format!("{:?}", text.split(',').collect::<Vec<_>>())
    }
}

/// An optional value: a string in the file, `(unset)` when absent.
impl<T: Value> Value for Option<T> {
    fn show(&self) -> String {
        self.as_ref()
            .map_or_else(|| "(unset)".to_owned(), Value::show)
    }

    fn redacted(&self) -> String {
        self.as_ref()
            .map_or_else(|| "(unset)".to_owned(), Value::redacted)
    }
}
