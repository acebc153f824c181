//! Layering, defaults and the messages that name the key.

use std::path::PathBuf;

use super::{env, write_file};
use crate::config::keys::READ_ELSEWHERE;
use crate::config::{Config, Source};

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

#[test]
fn the_dev_login_is_refused_where_it_could_reach_production() {
    let dev = |pairs: &[(&str, &str)]| {
        let mut config = Config::load(None, &env(pairs)).unwrap();
        config.enable_dev_login("--dev-login").map(|()| config)
    };
    assert!(dev(&[]).unwrap().dev_login, "on one's own machine");
    assert!(dev(&[("PALETTE_PUBLIC_URL", "http://localhost:3000")]).is_ok());
    assert!(dev(&[("PALETTE_OIDC_CHECK_INTERVAL", "5m")]).is_ok());
    for (pairs, says) in [
        (
            &[("PALETTE_PUBLIC_URL", "https://palette.example.com")][..],
            "not loopback",
        ),
        (
            &[("PALETTE_PUBLIC_URL", "http://127.0.0.1.example.com")][..],
            "not loopback",
        ),
        (
            &[("PALETTE_DATABASE_URL", "postgres://p@db/palette")][..],
            "PostgreSQL",
        ),
        (
            &[("PALETTE_OPENFGA_URL", "http://openfga:8080")][..],
            "OpenFGA",
        ),
        (
            &[("PALETTE_OIDC_CLIENT_SECRET", "s")][..],
            "PALETTE_OIDC_CLIENT_SECRET",
        ),
        (
            &[
                ("PALETTE_OIDC_ISSUER", "https://id.example.com"),
                ("PALETTE_OIDC_CLIENT_ID", "palette"),
            ][..],
            "PALETTE_OIDC_ISSUER",
        ),
    ] {
        let err = dev(pairs).unwrap_err().to_string();
        assert!(err.starts_with("--dev-login: "), "{err}");
        assert!(err.contains(says), "{pairs:?}: {err}");
    }
    // --demo implies it, and is refused with a real issuer as well.
    let mut with_issuer = Config::load(
        None,
        &env(&[
            ("PALETTE_OIDC_ISSUER", "https://id.example.com"),
            ("PALETTE_OIDC_CLIENT_ID", "palette"),
        ]),
    )
    .unwrap();
    let err = with_issuer.enable_dev_login("--demo").unwrap_err();
    assert!(err.to_string().starts_with("--demo: "), "{err}");
    assert!(!with_issuer.dev_login);
}

#[test]
fn the_api_audience_cannot_be_the_login_client_id() {
    let err = Config::load(
        None,
        &env(&[
            ("PALETTE_OIDC_ISSUER", "https://id.example.com"),
            ("PALETTE_OIDC_CLIENT_ID", "palette"),
            ("PALETTE_API_AUDIENCE", "palette"),
        ]),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("PALETTE_API_AUDIENCE: must differ from PALETTE_OIDC_CLIENT_ID"),
        "{err}"
    );
}

#[test]
fn the_public_url_is_the_origin_or_ends_with_the_path_prefix() {
    let bound = "127.0.0.1:3000".parse().unwrap();
    let load = |url: &str| {
        Config::load(
            None,
            &env(&[
                ("PALETTE_PUBLIC_URL", url),
                ("PALETTE_PATH_PREFIX", "/palette"),
            ]),
        )
    };
    for url in [
        "https://example.com",
        "https://example.com/",
        "https://example.com/palette",
    ] {
        let config = load(url).unwrap();
        assert_eq!(
            config.public_base(bound),
            "https://example.com/palette",
            "{url}"
        );
    }
    let err = load("https://example.com/other").unwrap_err().to_string();
    assert!(
        err.starts_with(
            "PALETTE_PUBLIC_URL: has the path /other, but PALETTE_PATH_PREFIX is /palette"
        ),
        "{err}"
    );
    // A host named like the prefix is not a path.
    let config = load("https://palette").unwrap();
    assert_eq!(config.public_base(bound), "https://palette/palette");
    let unset = Config::load(None, &env(&[("PALETTE_PATH_PREFIX", "/palette")])).unwrap();
    assert_eq!(unset.public_base(bound), "http://127.0.0.1:3000/palette");
    let err = Config::load(None, &env(&[("PALETTE_TRUSTED_PROXIES", "10.0.0.1/8")]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "PALETTE_TRUSTED_PROXIES: \"10.0.0.1/8\" has host bits set: the network is 10.0.0.0/8"
    );
}
