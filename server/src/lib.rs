//! The `palette` binary's library: configuration, the HTTP surface and the
//! command line. `main.rs` only parses arguments and calls in here, so the
//! tests can start the same server on port 0.
//!
//! Modules, each importing only those above it:
//! - `error`, `request_id`, `forwarded`: leaves (the JSON error response;
//!   the request id; the client's address behind trusted proxies);
//! - `config`, `telemetry`: settings and logging;
//! - `assets`: the site's file names (hashed by cargo-leptos, or not);
//! - `metrics`: the prometheus-client registry (no axum);
//! - `auth`: login, sessions, bearer tokens, CSRF, as routes and middleware
//!   over any `FromRef` state;
//! - `state`: the one `AppState` (`auth` + `metrics` + engine + Leptos);
//! - `http`: the router over `AppState`;
//! - `workers`, `cli`, and [`Server`] here: starting and stopping.

pub mod assets;
pub mod auth;
pub mod cli;
pub mod client;
pub mod config;
pub mod error;
pub mod forwarded;
pub mod http;
pub mod metrics;
pub mod request_id;
pub mod state;
pub mod telemetry;
pub mod workers;

#[cfg(test)]
mod layering;

use std::net::SocketAddr;
use std::sync::Arc;

use engine::services::sessions::Sessions;
use engine::{Engine, Store};
use tokio::net::TcpListener;

pub use config::Config;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Store(#[from] engine::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// At start the operator sees what went wrong, internal errors too.
    #[error("{}", start_failure(.0))]
    Engine(#[from] engine::Error),
    #[error("{0}")]
    Auth(#[from] auth::AuthError),
    #[error("{0}")]
    Assets(#[from] assets::AssetsError),
    #[error("cannot reach the OpenFGA server: {0}")]
    Authorizer(String),
    #[error("cannot start the job workers: {0}")]
    Workers(#[from] workers::WorkerError),
}

fn start_failure(error: &engine::Error) -> String {
    match error {
        engine::Error::Internal(source) => format!("internal error: {source}"),
        other => other.to_string(),
    }
}

/// Options of `palette serve` beyond the configuration.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub demo: bool,
    /// Run job workers in this process (`palette serve` unless `--no-workers`).
    pub workers: bool,
}

/// The engine with the configured authorizer (OpenFGA, else embedded) and
/// the configured platform admins.
pub async fn build_engine(config: &Config, store: Store) -> Result<Engine, StartError> {
    let engine = match &config.openfga {
        None => Engine::new(store),
        Some(fga) => {
            let settings = engine::authz::openfga::OpenFgaConfig {
                url: fga.url.clone(),
                store_id: fga.store_id.clone(),
                model_id: fga.model_id.clone(),
                token: fga
                    .token
                    .as_ref()
                    .map(|t| secrecy::ExposeSecret::expose_secret(t).to_owned()),
                timeout: std::time::Duration::from_millis(fga.timeout_ms),
            };
            let authorizer = engine::authz::openfga::OpenFgaAuthorizer::lazy(&settings)
                .map_err(|e| StartError::Authorizer(e.to_string()))?;
            // Unreachable is no reason not to start: Palette is not ready
            // and denies until OpenFGA answers, then recovers by itself.
            // A refusal (a wrong store or model id) is.
            match authorizer.ready().await {
                Ok(()) => {}
                Err(engine::authz::AuthzError::Unavailable(e)) => tracing::error!(
                    error = %e,
                    "OpenFGA does not answer: not ready, and denying, until it does"
                ),
                Err(e) => return Err(StartError::Authorizer(e.to_string())),
            }
            Engine::with_authorizer(store, std::sync::Arc::new(authorizer))
        }
    };
    let engine = engine.with_blueprint(workers::load_blueprint(config)?);
    let platform = [
        ("admin", config.admins.clone()),
        ("releaser", config.releasers.clone()),
    ];
    for (relation, principals) in &platform {
        match engine.bootstrap_platform(relation, principals).await {
            Ok(()) => {}
            Err(engine::Error::Unavailable(e)) => {
                tracing::warn!(error = %e, relation, "the platform's principals are recorded once the authorizer answers");
                spawn_platform_bootstrap(engine.clone(), relation, principals.clone());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(engine)
}

/// Records the platform's `relation`s (admins, releasers) once the
/// authorizer answers: tried every 5 s.
fn spawn_platform_bootstrap(engine: Engine, relation: &'static str, principals: Vec<String>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        tick.tick().await;
        loop {
            tick.tick().await;
            match engine.bootstrap_platform(relation, &principals).await {
                Ok(()) => {
                    tracing::info!(relation, "the platform's principals are recorded");
                    return;
                }
                Err(engine::Error::Unavailable(_)) => {}
                Err(e) => {
                    tracing::error!(error = %e, relation, "cannot record the platform's principals");
                    return;
                }
            }
        }
    });
}

/// Opens the database (creating the SQLite file on first run) and applies
/// pending migrations.
pub async fn open_store(config: &Config) -> Result<Store, StartError> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
    }
    let store = Store::connect(&config.effective_database_url()).await?;
    store.migrate().await?;
    Ok(store)
}

/// A bound, ready-to-run server.
pub struct Server {
    listener: TcpListener,
    router: axum::Router,
    /// `/metrics`, on `PALETTE_METRICS_LISTEN` when set.
    metrics: Option<(TcpListener, axum::Router)>,
    engine: Engine,
    workers: Option<engine::queue::Workers>,
    cancel_grace: std::time::Duration,
    drain: std::time::Duration,
    closing: http::Closing,
    demo_ci: Option<auth::DemoCiToken>,
}

impl Server {
    /// Opens the store, seeds demo data when asked, binds the listener.
    pub async fn build(config: &Config, options: &ServeOptions) -> Result<Self, StartError> {
        let store = open_store(config).await?;
        let listener = bind(config.listen).await?;
        Self::assemble(store, listener, config, options).await
    }

    /// [`Server::build`] on a listener bound by the caller, e.g. on port 0
    /// before something that needs the address (an OpenID Provider's
    /// redirect URI in tests) is started.
    pub async fn build_on(
        listener: TcpListener,
        config: &Config,
        options: &ServeOptions,
    ) -> Result<Self, StartError> {
        let store = open_store(config).await?;
        Self::assemble(store, listener, config, options).await
    }

    async fn assemble(
        store: Store,
        listener: TcpListener,
        config: &Config,
        options: &ServeOptions,
    ) -> Result<Self, StartError> {
        let simulated = workers::layer_runner(config, options.demo).is_ok_and(|r| r.simulated());
        // The job queue runs on the store itself; everything else goes
        // through the engine.
        let queue_store = store.clone();
        let engine = build_engine(config, store)
            .await?
            .with_simulated_layers(simulated);
        let bound = listener.local_addr().map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
        // Authentication first: a server nobody could log in to starts
        // nothing (no workers, no demo data). The demo's CI pipeline gets a
        // token, only with the dev login.
        let demo_ci = (options.demo && config.oidc.is_none()).then(auth::DemoCiToken::new);
        let signing_key = engine.sessions().signing_key(&auth::new_token()).await?;
        let assets = Arc::new(assets::Assets::load(config)?);
        let auth = auth::Auth::new(config, bound, demo_ci.clone(), signing_key, &assets)?;
        if options.demo {
            let created = engine.seed_demo(&config.public_base(bound)).await?;
            tracing::info!(created, "demo data");
        }
        let workers = if options.workers {
            Some(workers::start(
                config,
                queue_store,
                options.demo,
                engine.shared_authorizer(),
                Some(config.public_base(bound)),
            )?)
        } else {
            None
        };
        let metrics = Arc::new(metrics::Metrics::new(
            workers.as_ref().map(engine::queue::Workers::metrics),
        ));
        let metrics_server = match config.metrics_listen {
            Some(addr) => Some((
                bind(addr).await?,
                http::metrics_router(metrics.clone(), engine.clone()),
            )),
            None => None,
        };
        if auth.demo_ci.is_some() {
            let profile = domain::user::UserProfile {
                subject: auth::DemoCiToken::subject().to_owned(),
                kind: domain::user::UserKind::Machine,
                email: None,
                name: Some("Demo CI pipeline".to_owned()),
                username: None,
                groups: Vec::new(),
            };
            // Only so that the access page can name it: never a reason not to start.
            if let Err(e) = engine.record_login(&profile, None, None).await {
                tracing::warn!(error = %e, "cannot record the demo CI principal");
            }
        }
        let demo_ci = auth.demo_ci.clone();
        let closing = http::Closing::default();
        let router = http::router(
            config,
            engine.clone(),
            bound,
            metrics,
            auth,
            closing.clone(),
            assets,
        );
        spawn_session_cleanup(engine.sessions());
        spawn_membership_reconciler(engine.clone());
        Ok(Self {
            listener,
            router,
            metrics: metrics_server,
            engine,
            workers,
            demo_ci,
            cancel_grace: std::time::Duration::from_secs(config.cancel_grace_secs),
            drain: std::time::Duration::from_secs(config.drain_secs),
            closing,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The demo CI token, when `--demo` runs with the dev login.
    pub fn demo_ci_token(&self) -> Option<&str> {
        self.demo_ci.as_ref().map(auth::DemoCiToken::reveal)
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Where `/metrics` is served, when `PALETTE_METRICS_LISTEN` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// Serves until `shutdown` resolves, then stops at once: in-flight
    /// requests finish, running jobs are interrupted (see
    /// [`Server::serve_until`]).
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.serve_until(async move {
            shutdown.await;
            Stop::Now
        })
        .await
    }

    /// Serves until `stop` resolves, then shuts down:
    /// - `/readyz` answers 503 and event streams end with a reconnect hint;
    /// - no new connections; in-flight requests finish (for up to the
    ///   drain period, `PALETTE_DRAIN_SECS`, on [`Stop::Drain`]);
    /// - workers claim nothing more; on [`Stop::Drain`] running jobs may
    ///   finish within the drain period. The rest are interrupted (SIGINT
    ///   to their layers, SIGKILL after the cancel grace) and go back to
    ///   the queue, to resume at their layer on another worker.
    ///
    /// The metrics listener, when there is one, stops with the public one.
    pub async fn serve_until(
        self,
        stop: impl std::future::Future<Output = Stop> + Send + 'static,
    ) -> std::io::Result<()> {
        use axum::serve::ListenerExt as _;
        use futures::FutureExt as _;
        use std::future::IntoFuture as _;
        let stop = stop.boxed().shared();
        let closing = self.closing.clone();
        let stopping = stop.clone().map(move |how| {
            closing.close();
            tracing::info!(?how, "shutting down: finishing in-flight requests");
        });
        let stopping = stopping.boxed().shared();
        let app = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let public = axum::serve(self.listener.tap_io(no_delay), app)
            .with_graceful_shutdown(stopping.clone())
            .into_future();
        let drain = self.drain;
        let requests = async move {
            match self.metrics {
                Some((listener, router)) => {
                    let metrics = axum::serve(listener.tap_io(no_delay), router)
                        .with_graceful_shutdown(stopping.clone())
                        .into_future();
                    let (public, metrics) = tokio::join!(public, metrics);
                    public.and(metrics)
                }
                None => public.await,
            }
        };
        // Requests still running after the drain period are dropped.
        let stopped = stop.clone();
        let requests = async move {
            let mut requests = std::pin::pin!(requests);
            tokio::select! {
                served = &mut requests => served,
                how = stopped => {
                    let limit = match how {
                        Stop::Drain => drain,
                        Stop::Now => drain.min(std::time::Duration::from_secs(5)),
                    };
                    match tokio::time::timeout(limit, requests).await {
                        Ok(served) => served,
                        Err(_) => {
                            tracing::warn!("requests still running after the drain period are dropped");
                            Ok(())
                        }
                    }
                }
            }
        };
        let workers = self.workers;
        let cancel_grace = self.cancel_grace;
        let jobs = async move {
            if let Some(workers) = workers {
                let how = stop.await;
                let drain = match how {
                    Stop::Drain => drain,
                    Stop::Now => std::time::Duration::ZERO,
                };
                workers.drain(drain, cancel_grace).await;
            }
        };
        let (result, ()) = tokio::join!(requests, jobs);
        self.engine.close().await;
        result
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })
}

/// Removes expired sessions every hour.
fn spawn_session_cleanup(sessions: Sessions) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match sessions.sweep_expired().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(removed = n, "expired sessions removed"),
                Err(e) => tracing::warn!(error = %e, "cannot remove expired sessions"),
            }
        }
    });
}

/// How often every user's group memberships are brought in line with the
/// groups its provider last gave.
const RECONCILE_MEMBERSHIPS_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Reconciles group memberships at start and then periodically, so that a
/// sync that failed (an authorizer outage) is finished without a login.
fn spawn_membership_reconciler(engine: Engine) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RECONCILE_MEMBERSHIPS_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match engine.reconcile_memberships().await {
                Ok(done) if done.changed > 0 || done.failed > 0 => tracing::info!(
                    synced = done.synced,
                    changed = done.changed,
                    failed = done.failed,
                    "group memberships reconciled"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot reconcile group memberships"),
            }
        }
    });
}

/// How to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT (Ctrl-C): interrupt running jobs now; they resume later.
    Now,
    /// SIGTERM (a rolling restart): let running jobs and requests finish
    /// for up to the drain period first.
    Drain,
}

/// Resolves on SIGINT (`Stop::Now`) or SIGTERM (`Stop::Drain`).
pub async fn stop_signal() -> Stop {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => Stop::Now,
        () = terminate => Stop::Drain,
    }
}

/// Every accepted connection sends at once: without `TCP_NODELAY`, a
/// response written in more than one segment (an asset, a page) waits for
/// the client's delayed ACK (Nagle), some 40 ms a request on keep-alive.
fn no_delay(tcp: &mut tokio::net::TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
}
