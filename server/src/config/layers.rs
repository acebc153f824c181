//! The layers, merged key by key: a key's environment variable (or an alias)
//! wins over the file, which wins over the default. Unknown file keys,
//! secrets in the file and unknown `PALETTE_*` variables are refused by
//! name, and every value is parsed here so that a bad one is refused even
//! when no other key turns it on.

use std::collections::BTreeMap;

use super::key::{Entry, Key, Raw};
use super::keys::{KEYS, READ_ELSEWHERE};
use super::value::Value;
use super::{invalid, ConfigError, Source, Sources};

/// The value each key was given, unparsed, and where it came from.
#[derive(Debug, Default)]
pub(super) struct Layers {
    given: BTreeMap<&'static str, (Raw, Source)>,
}

impl Layers {
    /// Takes each key from `env` or else `file`, checking every name and value.
    pub fn collect(
        file: Option<&toml::Table>,
        env: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigError> {
        if let Some(table) = file {
            refuse_unknown_file_keys(table)?;
        }
        refuse_unknown_env(env)?;
        let mut given = BTreeMap::new();
        for &entry in KEYS {
            let from_env = std::iter::once(entry.env())
                .chain(entry.aliases().iter().copied())
                .find_map(|var| {
                    let text = env.get(var).filter(|text| !text.is_empty())?;
                    Some((Raw::Env(text.clone()), Source::Env(var)))
                });
            let from_file = || {
                let value = file?.get(entry.name())?;
                Some((Raw::Toml(value.clone()), Source::File))
            };
            if let Some((raw, source)) = from_env.or_else(from_file) {
                entry
                    .check(&raw)
                    .map_err(|message| invalid(label(entry, source), message))?;
                given.insert(entry.name(), (raw, source));
            }
        }
        Ok(Self { given })
    }

    /// The key's value: as given, else its default.
    pub fn get<T: Value>(&self, key: &Key<T>) -> Result<T, ConfigError> {
        if !KEYS.iter().any(|entry| entry.name() == key.name) {
            // A key declared but left out of the table would never be loaded.
            return Err(invalid(key.name, "is missing from the table of keys"));
        }
        match self.given.get(key.name) {
            None => Ok(key.default_value()),
            Some((raw, source)) => key
                .read(raw)
                .map_err(|message| invalid(label(key, *source), message)),
        }
    }

    /// The key as the operator gave it, for messages about keys that depend
    /// on each other: `oidc_issuer` when it came from the file,
    /// `PALETTE_OIDC_ISSUER` otherwise.
    pub fn label<T: Value>(&self, key: &Key<T>) -> &'static str {
        let source = self.given.get(key.name).map(|(_, source)| *source);
        label(key, source.unwrap_or_default())
    }

    pub fn sources(&self) -> Sources {
        Sources(
            self.given
                .iter()
                .map(|(name, (_, source))| (*name, *source))
                .collect(),
        )
    }
}

fn label(entry: &dyn Entry, source: Source) -> &'static str {
    match source {
        Source::File => entry.name(),
        Source::Env(var) => var,
        Source::Default => entry.env(),
    }
}

fn refuse_unknown_file_keys(table: &toml::Table) -> Result<(), ConfigError> {
    for name in table.keys() {
        match KEYS.iter().find(|entry| entry.name() == name) {
            None => return Err(invalid(name, "unknown setting (check the spelling)")),
            Some(entry) if entry.secret() => {
                let vars: Vec<&str> = std::iter::once(entry.env())
                    .chain(entry.aliases().iter().copied())
                    .collect();
                return Err(invalid(
                    name,
                    format!(
                        "is a secret and is read only from the environment: set {} instead",
                        vars.join(" or ")
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn refuse_unknown_env(env: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    let known = |var: &str| {
        KEYS.iter()
            .any(|entry| entry.env() == var || entry.aliases().contains(&var))
            || READ_ELSEWHERE.iter().any(|(known, _)| *known == var)
    };
    match env
        .keys()
        .find(|var| var.starts_with("PALETTE_") && !known(var))
    {
        Some(unknown) => Err(invalid(unknown, "unknown setting (check the spelling)")),
        None => Ok(()),
    }
}
