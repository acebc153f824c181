//! The configuration's tests. The first ones walk the table of keys, so that
//! a key left out of loading, `config check` or the README fails here.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::keys::{KEYS, READ_ELSEWHERE};
use super::{Config, Source};

/// A valid, non-default value for every key (environment syntax), chosen to
/// fit together: every group is on.
const EXAMPLES: &[(&str, &str)] = &[
    ("listen", "0.0.0.0:8080"),
    ("data_dir", "/srv/palette"),
    ("database_url", "postgres://palette:hunter2@db:5432/palette"),
    ("log_format", "json"),
    ("site_root", "/srv/site"),
    ("public_url", "https://palette.example.com"),
    ("oidc_issuer", "https://id.example.com/realms/palette"),
    ("oidc_client_id", "palette"),
    ("oidc_client_secret", "client-hunter2"),
    ("oidc_scopes", "openid email"),
    ("api_audience", "palette-api"),
    (
        "oidc_introspection_url",
        "https://id.example.com/introspect",
    ),
    ("oidc_introspection_client_id", "palette-introspect"),
    ("oidc_introspection_client_secret", "introspect-hunter2"),
    ("session_idle_secs", "600"),
    ("session_absolute_secs", "86400"),
    ("admins", "user:alice,group:ops"),
    ("openfga_url", "http://openfga:8080"),
    ("openfga_store_id", "01STORE"),
    ("openfga_model_id", "01MODEL"),
    ("openfga_token", "fga-hunter2"),
    ("openfga_timeout_ms", "1500"),
    ("workers", "8"),
    ("job_lease_secs", "30"),
    ("cancel_grace_secs", "5"),
    ("layer_bin", "/usr/bin/tofu"),
    ("infra_dir", "/srv/infra"),
    ("oidc_check_interval", "10m"),
    ("oidc_check_allow_http", "true"),
    ("oidc_check_allow_private", "true"),
    ("oidc_check_ca_file", "/etc/ca.pem"),
];

fn example(name: &str) -> &'static str {
    EXAMPLES
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("no example for {name} in EXAMPLES"))
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Every key's example in its environment variable.
fn example_env() -> BTreeMap<String, String> {
    KEYS.iter()
        .map(|e| (e.env().to_owned(), example(e.name()).to_owned()))
        .collect()
}

fn write_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("palette.toml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

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
        defaults.contains("# login: dev (loopback only)"),
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

/// README.md's configuration table, as (TOML cell, environment cell) token
/// lists; `_CLIENT_ID` after `PALETTE_OIDC_INTROSPECTION_URL` is short for
/// `PALETTE_OIDC_INTROSPECTION_CLIENT_ID`.
fn readme_rows() -> Vec<(Vec<String>, Vec<String>)> {
    let readme = include_str!("../../../README.md");
    let ticked = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    readme
        .lines()
        .skip_while(|line| !line.starts_with("| setting | TOML key | environment |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').collect();
            (ticked(cells[2]), ticked(cells[3]))
        })
        .collect()
}

fn documented(var: &str, tokens: &[String]) -> bool {
    tokens.iter().any(|token| {
        token == var
            || (token.starts_with('_')
                && var.strip_suffix(token.as_str()).is_some_and(|stem| {
                    tokens
                        .iter()
                        .any(|full| full.starts_with(&format!("{stem}_")))
                }))
    })
}

#[test]
fn the_readme_table_documents_every_key_and_variable() {
    let rows = readme_rows();
    assert!(rows.len() > 10, "README.md's configuration table not found");
    for entry in KEYS {
        for var in std::iter::once(entry.env()).chain(entry.aliases().iter().copied()) {
            assert!(
                rows.iter().any(|(_, vars)| documented(var, vars)),
                "README.md's configuration table lacks {var}"
            );
        }
        if !entry.secret() {
            assert!(
                rows.iter()
                    .any(|(keys, _)| keys.iter().any(|k| k == entry.name())),
                "README.md's configuration table lacks the TOML key {}",
                entry.name()
            );
        }
    }
    for (keys, vars) in &rows {
        for key in keys {
            assert!(
                KEYS.iter().any(|e| e.name() == key),
                "README.md documents an unknown TOML key {key}"
            );
        }
        for var in vars.iter().filter(|v| v.starts_with("PALETTE_")) {
            let known = KEYS.iter().any(|e| e.env() == var)
                || READ_ELSEWHERE.iter().any(|(known, _)| known == var);
            assert!(known, "README.md documents an unknown variable {var}");
        }
    }
}

#[test]
fn defaults_are_the_embedded_ones() {
    let config = Config::load(None, &env(&[])).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
    assert!(config
        .effective_database_url()
        .starts_with("sqlite://./data/palette.db"));
    assert_eq!(config.redacted(), Config::default().redacted());
    let workers = engine::queue::WorkerConfig::default();
    assert_eq!(config.workers, workers.workers);
    assert_eq!(config.job_lease_secs, workers.lease.as_secs());
    assert_eq!(config.cancel_grace_secs, workers.cancel_grace.as_secs());
    assert_eq!(config.oidc_checks, engine::oidc::CheckSettings::default());
}

#[test]
fn environment_overrides_the_file() {
    let (_dir, file) = write_file("listen = \"127.0.0.1:4000\"\ndata_dir = \"/srv/palette\"\n");
    let config = Config::load(Some(&file), &env(&[("PALETTE_LISTEN", "0.0.0.0:5000")])).unwrap();
    assert_eq!(config.listen.to_string(), "0.0.0.0:5000");
    assert_eq!(config.data_dir, PathBuf::from("/srv/palette"));
    assert_eq!(config.sources.of("listen"), Source::Env("PALETTE_LISTEN"));
    assert_eq!(config.sources.of("data_dir"), Source::File);
}

#[test]
fn empty_variables_count_as_unset() {
    let (_dir, file) = write_file("workers = 6\n");
    let config = Config::load(Some(&file), &env(&[("PALETTE_WORKERS", "")])).unwrap();
    assert_eq!(config.workers, 6);
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
fn check_settings_come_from_the_environment_with_named_errors() {
    let config = Config::load(
        None,
        &env(&[
            ("PALETTE_OIDC_CHECK_INTERVAL", "5m"),
            ("PALETTE_OIDC_CHECK_ALLOW_HTTP", "true"),
            ("PALETTE_OIDC_CHECK_CA_FILE", "/etc/ca.pem"),
        ]),
    )
    .unwrap();
    let checks = &config.oidc_checks;
    assert_eq!(checks.interval.as_secs(), 300);
    assert!(checks.allow_http && !checks.allow_private_network);
    assert!(config
        .redacted()
        .contains("oidc_check_ca_file = \"/etc/ca.pem\""));
    let bad = env(&[("PALETTE_OIDC_CHECK_ALLOW_PRIVATE", "maybe")]);
    let err = Config::load(None, &bad).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("PALETTE_OIDC_CHECK_ALLOW_PRIVATE:"),
        "{err}"
    );
}

#[test]
fn errors_name_the_offending_key() {
    let err = Config::load(None, &env(&[("PALETTE_LISTEN", "nowhere")])).unwrap_err();
    assert!(err.to_string().starts_with("PALETTE_LISTEN:"), "{err}");
    let err = Config::load(None, &env(&[("PALETTE_LISTNE", "x")])).unwrap_err();
    assert!(err.to_string().starts_with("PALETTE_LISTNE:"), "{err}");
    let err = Config::load(None, &env(&[("DATABASE_URL", "mysql://x")])).unwrap_err();
    assert!(err.to_string().starts_with("DATABASE_URL:"), "{err}");
    for var in READ_ELSEWHERE {
        assert!(
            Config::load(None, &env(&[(var.0, "x")])).is_ok(),
            "{}",
            var.0
        );
    }
}

#[test]
fn file_errors_name_the_toml_key() {
    for (text, prefix) in [
        (
            "listen = \"nowhere\"\n",
            "listen: \"nowhere\" is not an address",
        ),
        ("workers = \"8\"\n", "workers: expected an integer"),
        (
            "session_idle_secs = 0\n",
            "session_idle_secs: must be positive",
        ),
        ("admins = [\"root\"]\n", "admins: \"root\" is not user:<id>"),
        (
            "oidc_client_id = \"palette\"\n",
            "PALETTE_OIDC_ISSUER: is required when oidc_client_id is set",
        ),
    ] {
        let (_dir, file) = write_file(text);
        let err = Config::load(Some(&file), &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(prefix), "{text}: {err}");
    }
}

#[test]
fn unknown_file_keys_are_refused_by_name() {
    let (_dir, file) = write_file("listne = \"x\"\n");
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
