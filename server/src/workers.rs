//! Job workers: the layer runner and every job handler, started in
//! `palette serve` (unless `--no-workers`) and in `palette worker`.

use std::sync::Arc;
use std::time::Duration;

use engine::queue::{Registry, WorkerConfig, Workers};
use engine::runner::{self, Blueprint, LayerRunner, RunnerConfig};
use engine::Store;
use secrecy::ExposeSecret;

use crate::Config;

/// Why workers could not start.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("{0}")]
    LayerBin(String),
    #[error("PALETTE_LAYER_ENV: {0}")]
    LayerEnv(String),
    #[error("layer blueprint: {0}")]
    Blueprint(String),
    #[error("OIDC checker: {0}")]
    OidcChecker(String),
    #[error("webhook client: {0}")]
    WebhookClient(String),
}

/// Environment variables whose values never reach stored logs.
fn secret_values(config: &Config) -> Vec<String> {
    const MARKERS: &[&str] = &["SECRET", "TOKEN", "PASSWORD", "KEY", "CREDENTIAL"];
    let mut secrets: Vec<String> = std::env::vars()
        .filter(|(name, _)| {
            MARKERS
                .iter()
                .any(|m| name.to_ascii_uppercase().contains(m))
        })
        .map(|(_, value)| value)
        .collect();
    if let Some(url) = &config.database_url {
        secrets.push(url.expose_secret().to_owned());
    }
    secrets
}

/// The configured blueprint (`PALETTE_BLUEPRINT`), else the write-up's
/// layers; errors name the file.
pub fn load_blueprint(config: &Config) -> Result<Blueprint, WorkerError> {
    let Some(path) = &config.blueprint else {
        return Blueprint::default_blueprint().map_err(|e| WorkerError::Blueprint(e.to_string()));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| WorkerError::Blueprint(format!("{}: {e}", path.display())))?;
    Blueprint::from_toml(&text)
        .map_err(|e| WorkerError::Blueprint(format!("{}: {e}", path.display())))
}

/// Set by `palette`'s `main`: layer processes start through this
/// executable's exec wrapper, so that they get SIGINT when it dies. Tests
/// that run the server in their own process leave it unset.
static EXEC_WRAPPER: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Makes layer processes start through this executable (see
/// [`engine::runner::exec`]).
pub fn layers_start_through_this_executable() {
    match std::env::current_exe() {
        Ok(exe) => {
            let _ = EXEC_WRAPPER.set(exe);
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot find this executable; layer processes may outlive a killed worker")
        }
    }
}

/// The layer runner as configured. `simulate` (the demo) picks the stand-in
/// unless `PALETTE_LAYER_BIN` names a program.
pub fn layer_runner(config: &Config, simulate: bool) -> Result<LayerRunner, WorkerError> {
    let bin = match (&config.layer_bin, simulate) {
        (None, true) => runner::standin_bin(),
        (explicit, _) => runner::resolve_layer_bin(explicit.as_deref()),
    }
    .map_err(WorkerError::LayerBin)?;
    if bin.simulated {
        tracing::warn!(bin = %bin.path.display(), "layers run on the stand-in and are simulated");
    }
    let blueprint = load_blueprint(config)?;
    Ok(LayerRunner::new(RunnerConfig {
        bin,
        infra_dir: config
            .infra_dir
            .clone()
            .unwrap_or_else(runner::default_infra_dir),
        blueprint,
        secrets: secret_values(config),
        cancel_grace: Duration::from_secs(config.cancel_grace_secs),
        env: runner::EnvAllowList::parse(&config.layer_env).map_err(WorkerError::LayerEnv)?,
        exec_wrapper: EXEC_WRAPPER.get().cloned(),
        layer_parallelism: config.layer_parallelism.max(1),
    }))
}

/// Starts `config.workers` workers with every handler registered.
/// Webhook deliveries name approvers through `authorizer` and link to
/// pages under `base_url`.
pub fn start(
    config: &Config,
    store: Store,
    simulate: bool,
    authorizer: std::sync::Arc<dyn engine::authz::Authorizer>,
    base_url: Option<String>,
) -> Result<Workers, WorkerError> {
    let runner = Arc::new(layer_runner(config, simulate)?);
    let registry = runner::register(Registry::new(), Arc::clone(&runner));
    let mut checks = config.oidc_checks.clone();
    if simulate {
        // The demo's environments serve their simulated endpoints from this
        // process, over http on loopback.
        checks.allow_http = true;
        checks.allow_private_network = true;
    }
    let checker = checks
        .checker()
        .map_err(|e| WorkerError::OidcChecker(e.to_string()))?;
    let registry = engine::promotion::register(registry, runner, checker.clone());
    let registry = engine::oidc::register(registry, checker);
    let deliverer = engine::notify::Deliverer::new(authorizer, base_url)
        .map_err(|e| WorkerError::WebhookClient(e.to_string()))?;
    let registry = engine::notify::register(registry, deliverer);
    // Where checks run, they are also scheduled (safe in every process).
    let _detached = engine::oidc::Scheduler::spawn(store.clone(), config.oidc_checks.interval);
    let mut worker_config = WorkerConfig::default().with_lease_secs(config.job_lease_secs);
    worker_config.workers = config.workers.max(1);
    worker_config.cancel_grace = Duration::from_secs(config.cancel_grace_secs);
    worker_config.listen_url = config
        .database_url
        .as_ref()
        .map(|u| u.expose_secret().to_owned());
    tracing::info!(workers = worker_config.workers, "job workers started");
    Ok(Workers::start(store, registry, worker_config))
}
