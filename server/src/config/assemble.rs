//! From the keys' values to a [`Config`]: the groups (login, introspection,
//! OpenFGA) and the rules between keys. Rules about one key alone live in
//! its parser.

use std::net::SocketAddr;

use super::key::Key;
use super::keys::{
    ADMINS, API_AUDIENCE, BLUEPRINT, CANCEL_GRACE_SECS, DATABASE_URL, DATA_DIR, DRAIN_SECS,
    HASH_FILE, INFRA_DIR, JOB_LEASE_SECS, LAYER_BIN, LAYER_ENV, LAYER_PARALLELISM, LISTEN,
    LOG_FORMAT, METRICS_LISTEN, OIDC_CHECK_ALLOW_HTTP, OIDC_CHECK_ALLOW_PRIVATE,
    OIDC_CHECK_CA_FILE, OIDC_CHECK_INTERVAL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
    OIDC_INTROSPECTION_CACHE_SECS, OIDC_INTROSPECTION_CLIENT_ID, OIDC_INTROSPECTION_CLIENT_SECRET,
    OIDC_INTROSPECTION_URL, OIDC_ISSUER, OIDC_SCOPES, OPENFGA_MODEL_ID, OPENFGA_STORE_ID,
    OPENFGA_TIMEOUT_MS, OPENFGA_TOKEN, OPENFGA_URL, PATH_PREFIX, PUBLIC_URL, RELEASERS,
    SESSION_ABSOLUTE_SECS, SESSION_IDLE_SECS, SITE_ROOT, TRUSTED_PROXIES, WORKERS,
};
use super::layers::Layers;
use super::value::Value;
use super::{invalid, Config, ConfigError, IntrospectionConfig, OidcConfig, OpenFgaSettings};

pub(super) fn assemble(layers: &Layers) -> Result<Config, ConfigError> {
    let listen = layers.get(&LISTEN)?;
    let public_url = layers.get(&PUBLIC_URL)?;
    let path_prefix = layers.get(&PATH_PREFIX)?;
    if let (Some(url), Some(prefix)) = (&public_url, &path_prefix) {
        let path = super::url_path(url);
        if !path.is_empty() && path != *prefix {
            return Err(invalid(
                layers.label(&PUBLIC_URL),
                format!(
                    "has the path {path}, but {} is {prefix}: give the origin alone \
                     (the prefix is added) or end it with the prefix",
                    layers.label(&PATH_PREFIX)
                ),
            ));
        }
    }
    let (oidc, introspection) = login(layers, listen, public_url.is_some())?;
    let api_audience = layers.get(&API_AUDIENCE)?;
    if let (Some(audience), Some(oidc)) = (&api_audience, &oidc) {
        if *audience == oidc.client_id {
            return Err(invalid(
                layers.label(&API_AUDIENCE),
                format!(
                    "must differ from {}: ID tokens carry the client id as their audience and \
                     would pass for access tokens",
                    layers.label(&OIDC_CLIENT_ID)
                ),
            ));
        }
    }
    let admins = layers.get(&ADMINS)?;
    let releasers = layers.get(&RELEASERS)?;
    for (key, principals) in [(&ADMINS, &admins), (&RELEASERS, &releasers)] {
        for principal in principals {
            engine::services::access::parse_subject(principal).map_err(|_| {
                invalid(
                    layers.label(key),
                    format!("{principal:?} is not user:<id> or group:<name>"),
                )
            })?;
        }
    }
    Ok(Config {
        listen,
        metrics_listen: layers.get(&METRICS_LISTEN)?,
        data_dir: layers.get(&DATA_DIR)?,
        database_url: layers.get(&DATABASE_URL)?.map(|url| url.0),
        log_format: layers.get(&LOG_FORMAT)?,
        site_root: layers.get(&SITE_ROOT)?,
        hash_file: layers.get(&HASH_FILE)?,
        public_url,
        trusted_proxies: layers.get(&TRUSTED_PROXIES)?,
        path_prefix,
        oidc,
        api_audience,
        introspection,
        session_idle_secs: layers.get(&SESSION_IDLE_SECS)?,
        session_absolute_secs: layers.get(&SESSION_ABSOLUTE_SECS)?,
        admins,
        releasers,
        openfga: openfga(layers)?,
        workers: layers.get(&WORKERS)?,
        job_lease_secs: layers.get(&JOB_LEASE_SECS)?,
        cancel_grace_secs: layers.get(&CANCEL_GRACE_SECS)?,
        drain_secs: layers.get(&DRAIN_SECS)?,
        layer_parallelism: layers.get(&LAYER_PARALLELISM)?,
        layer_bin: layers.get(&LAYER_BIN)?,
        layer_env: layers.get(&LAYER_ENV)?,
        infra_dir: layers.get(&INFRA_DIR)?,
        blueprint: layers.get(&BLUEPRINT)?,
        oidc_checks: engine::oidc::CheckSettings {
            allow_http: layers.get(&OIDC_CHECK_ALLOW_HTTP)?,
            allow_private_network: layers.get(&OIDC_CHECK_ALLOW_PRIVATE)?,
            ca_file: layers.get(&OIDC_CHECK_CA_FILE)?,
            interval: layers.get(&OIDC_CHECK_INTERVAL)?,
        },
        sources: layers.sources(),
        dev_login: false,
    })
}

/// OpenID Connect login and token introspection, which only run with an
/// issuer.
fn login(
    layers: &Layers,
    listen: SocketAddr,
    has_public_url: bool,
) -> Result<(Option<OidcConfig>, Option<IntrospectionConfig>), ConfigError> {
    let client_id = layers.get(&OIDC_CLIENT_ID)?;
    let Some(issuer) = layers.get(&OIDC_ISSUER)? else {
        if client_id.is_some() {
            return Err(required(layers, &OIDC_ISSUER, &OIDC_CLIENT_ID));
        }
        return Ok((None, None));
    };
    let client_id = client_id.ok_or_else(|| required(layers, &OIDC_CLIENT_ID, &OIDC_ISSUER))?;
    let scopes: Vec<String> = layers
        .get(&OIDC_SCOPES)?
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if !scopes.iter().any(|s| s == "openid") {
        return Err(invalid(layers.label(&OIDC_SCOPES), "must include openid"));
    }
    if !has_public_url && !listen.ip().is_loopback() {
        return Err(invalid(
            layers.label(&PUBLIC_URL),
            "is required when listening on a non-loopback address (the callback URL is derived from it)",
        ));
    }
    let introspection_url = layers.get(&OIDC_INTROSPECTION_URL)?;
    let introspection = match layers.get(&OIDC_INTROSPECTION_CLIENT_ID)? {
        Some(client_id) => Some(IntrospectionConfig {
            url: introspection_url,
            client_id,
            client_secret: layers.get(&OIDC_INTROSPECTION_CLIENT_SECRET)?,
            cache_secs: layers.get(&OIDC_INTROSPECTION_CACHE_SECS)?,
        }),
        None if introspection_url.is_some() => {
            return Err(required(
                layers,
                &OIDC_INTROSPECTION_CLIENT_ID,
                &OIDC_INTROSPECTION_URL,
            ));
        }
        None => None,
    };
    let oidc = OidcConfig {
        issuer,
        client_id,
        client_secret: layers.get(&OIDC_CLIENT_SECRET)?,
        scopes,
    };
    Ok((Some(oidc), introspection))
}

/// The OpenFGA server, when `openfga_url` is set; its other keys need it.
fn openfga(layers: &Layers) -> Result<Option<OpenFgaSettings>, ConfigError> {
    let Some(url) = layers.get(&OPENFGA_URL)? else {
        return Ok(None);
    };
    Ok(Some(OpenFgaSettings {
        url,
        store_id: layers.get(&OPENFGA_STORE_ID)?,
        model_id: layers.get(&OPENFGA_MODEL_ID)?,
        token: layers.get(&OPENFGA_TOKEN)?,
        timeout_ms: layers.get(&OPENFGA_TIMEOUT_MS)?,
    }))
}

/// `missing: is required when <given> is set`, each named as it was given.
fn required<A: Value, B: Value>(layers: &Layers, missing: &Key<A>, given: &Key<B>) -> ConfigError {
    invalid(
        layers.label(missing),
        format!("is required when {} is set", layers.label(given)),
    )
}
