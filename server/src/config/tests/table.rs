//! Walks the table of keys: every key loads from each layer, shows in
//! `config check`, and keeps its secrets out of the file and the output.

use std::collections::BTreeMap;

use super::{env, example, example_env, write_file, EXAMPLES};
use crate::config::key::Key;
use crate::config::keys::KEYS;
use crate::config::layers::Layers;
use crate::config::{Config, Source};

#[test]
fn the_table_has_unique_names_and_an_example_for_every_key() {
    let mut names: Vec<_> = KEYS.iter().map(|e| e.name()).collect();
    let mut vars: Vec<_> = KEYS
        .iter()
        .flat_map(|e| std::iter::once(e.env()).chain(e.aliases().iter().copied()))
        .collect();
    names.sort_unstable();
    names.dedup();
    vars.sort_unstable();
    vars.dedup();
    assert_eq!(names.len(), KEYS.len(), "a TOML key is declared twice");
    let declared: usize = KEYS.iter().map(|e| 1 + e.aliases().len()).sum();
    assert_eq!(vars.len(), declared, "a variable is declared twice");
    assert_eq!(
        EXAMPLES.len(),
        KEYS.len(),
        "EXAMPLES has a key the table lacks"
    );
    let defaults = Config::default();
    for entry in KEYS {
        let shown = entry.shown_text(example(entry.name())).unwrap();
        assert_ne!(
            shown,
            entry.shown(&defaults),
            "{}: example is the default",
            entry.name()
        );
    }
}

#[test]
fn every_key_round_trips_from_the_environment() {
    let config = Config::load(None, &example_env()).unwrap();
    for entry in KEYS {
        let expected = entry.shown_text(example(entry.name())).unwrap();
        assert_eq!(entry.shown(&config), expected, "{}", entry.env());
        assert_eq!(config.sources.of(entry.name()), Source::Env(entry.env()));
    }
}

#[test]
fn every_key_but_the_secrets_round_trips_from_the_file() {
    let mut toml = String::new();
    let mut secrets = BTreeMap::new();
    for entry in KEYS {
        let text = example(entry.name());
        if entry.secret() {
            secrets.insert(entry.env().to_owned(), text.to_owned());
        } else {
            toml += &format!("{} = {}\n", entry.name(), entry.toml_literal(text));
        }
    }
    let (_dir, file) = write_file(&toml);
    let config = Config::load(Some(&file), &secrets).unwrap();
    for entry in KEYS {
        let expected = entry.shown_text(example(entry.name())).unwrap();
        assert_eq!(entry.shown(&config), expected, "{}", entry.name());
        let source = if entry.secret() {
            Source::Env(entry.env())
        } else {
            Source::File
        };
        assert_eq!(config.sources.of(entry.name()), source, "{}", entry.name());
    }
}

#[test]
fn aliases_are_read_when_the_key_s_own_variable_is_unset_or_empty() {
    for entry in KEYS.iter().filter(|e| !e.aliases().is_empty()) {
        let text = example(entry.name());
        for &alias in entry.aliases() {
            let config = Config::load(None, &env(&[(alias, text), (entry.env(), "")])).unwrap();
            assert_eq!(config.sources.of(entry.name()), Source::Env(alias));
            assert_eq!(entry.shown(&config), entry.shown_text(text).unwrap());
            let both = env(&[(alias, "sqlite:other.db"), (entry.env(), text)]);
            let config = Config::load(None, &both).unwrap();
            assert_eq!(config.sources.of(entry.name()), Source::Env(entry.env()));
        }
    }
}

#[test]
fn config_check_prints_every_key_with_its_source_and_no_secret() {
    let shown = Config::load(None, &example_env()).unwrap().redacted();
    for entry in KEYS {
        let line = shown
            .lines()
            .find(|line| line.starts_with(&format!("{} = ", entry.name())))
            .unwrap_or_else(|| panic!("config check lacks {}:\n{shown}", entry.name()));
        assert!(line.contains(&format!("# {}: ", entry.env())), "{line}");
    }
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        shown.contains("postgres://palette:***@db:5432/palette"),
        "{shown}"
    );
    let defaults = Config::load(None, &env(&[])).unwrap().redacted();
    assert!(
        defaults.contains("# default: address to listen on"),
        "{defaults}"
    );
    assert!(
        defaults.contains("# login: none (dev login with --dev-login or --demo"),
        "{defaults}"
    );
}

#[test]
fn secrets_are_refused_in_the_file_with_a_message_saying_so() {
    for entry in KEYS.iter().filter(|e| e.secret()) {
        let (_dir, file) = write_file(&format!("{} = \"x\"\n", entry.name()));
        let err = Config::load(Some(&file), &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("{}: is a secret", entry.name())),
            "{err}"
        );
        assert!(err.contains(entry.env()), "{err}");
    }
}

#[test]
fn a_key_left_out_of_the_table_is_an_error_not_a_silent_default() {
    const STRAY: Key<usize> = Key {
        name: "stray",
        env: "PALETTE_STRAY",
        aliases: &[],
        secret: false,
        help: "declared but not listed in KEYS",
        parse: |_| Ok(1),
        default: || 0,
        effective: |_| None,
    };
    let err = Layers::default().get(&STRAY).unwrap_err().to_string();
    assert!(err.starts_with("stray: is missing from the table"), "{err}");
}
