//! The command line: `palette [serve|worker|migrate|check-oidc|release record|config check]`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{telemetry, Config, ServeOptions, Server};

#[derive(Debug, Parser)]
#[command(
    name = "palette",
    version,
    about = "Self-service control plane for colour-named environments"
)]
pub struct Cli {
    /// A TOML configuration file; PALETTE_* environment variables override it.
    #[arg(long, global = true, env = "PALETTE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI and the API (the default).
    Serve(ServeArgs),
    /// Run job workers without the web server.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check an OpenID Provider's discovery document and keys against the specs.
    /// Exit 0 when no rule fails, 1 when one does, 2 for a usage error.
    #[command(name = "check-oidc")]
    CheckOidc(palette_oidc_check::cli::Args),
    /// Talk to a running Palette as a pipeline does (`release record`).
    /// Exit 0 when it worked, 1 when a promotion failed, 2 for a usage or
    /// authentication error.
    Release {
        #[command(subcommand)]
        command: Box<crate::client::ReleaseCommand>,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [env: PALETTE_LISTEN] [default: 127.0.0.1:3000]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Seed the write-up's four demo environments (once per database);
    /// implies --dev-login.
    #[arg(long)]
    pub demo: bool,
    /// Log in by picking a seeded user, without an OpenID Provider: for one
    /// person's machine only (loopback, SQLite, the embedded authorizer).
    #[arg(long)]
    pub dev_login: bool,
    /// Do not run job workers in this process (run `palette worker` elsewhere).
    #[arg(long)]
    pub no_workers: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration with secrets redacted, or the error.
    Check,
}

fn load_config(file: Option<&std::path::Path>) -> Result<Config, ExitCode> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    Config::load(file, &env).map_err(|e| {
        eprintln!("palette: configuration error: {e}");
        ExitCode::from(2)
    })
}

pub async fn run(cli: Cli) -> ExitCode {
    let file = cli.config;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        // A client of a running server: needs no database and no configuration.
        Command::Release { command } => crate::client::run(*command).await,
        // Needs no database and no configuration.
        Command::CheckOidc(args) => {
            let code = palette_oidc_check::cli::run(args).await;
            ExitCode::from(u8::try_from(code).unwrap_or(2))
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => match load_config(file.as_deref()) {
            Ok(config) => {
                print!("{}", config.redacted());
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        Command::Worker => {
            let config = match load_config(file.as_deref()) {
                Ok(config) => config,
                Err(code) => return code,
            };
            telemetry::init(config.log_format);
            worker(&config).await
        }
        Command::Migrate => {
            let config = match load_config(file.as_deref()) {
                Ok(config) => config,
                Err(code) => return code,
            };
            telemetry::init(config.log_format);
            match crate::open_store(&config).await {
                Ok(_) => {
                    tracing::info!("migrations applied");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    tracing::error!(error = %e, "migration failed");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve(args) => {
            let mut config = match load_config(file.as_deref()) {
                Ok(config) => config,
                Err(code) => return code,
            };
            telemetry::init(config.log_format);
            if let Some(listen) = args.listen {
                config.listen = listen;
            }
            let dev_flag = if args.demo { "--demo" } else { "--dev-login" };
            if args.demo || args.dev_login {
                if let Err(e) = config.enable_dev_login(dev_flag) {
                    eprintln!("palette: configuration error: {e}");
                    return ExitCode::from(2);
                }
            }
            serve(
                &config,
                &ServeOptions {
                    demo: args.demo,
                    workers: !args.no_workers,
                },
            )
            .await
        }
    }
}
async fn worker(config: &Config) -> ExitCode {
    let store = match crate::open_store(config).await {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    // The authorizer names who may approve in webhook deliveries.
    let engine = match crate::build_engine(config, store.clone()).await {
        Ok(engine) => engine,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    let workers = match crate::workers::start(
        config,
        store.clone(),
        false,
        engine.shared_authorizer(),
        // Links need the public URL: without one they are paths.
        config
            .public_url
            .as_ref()
            .map(|_| config.public_base(std::net::SocketAddr::from(([0, 0, 0, 0], 0)))),
    ) {
        Ok(workers) => workers,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the workers");
            return ExitCode::FAILURE;
        }
    };
    let drain = match crate::stop_signal().await {
        crate::Stop::Drain => std::time::Duration::from_secs(config.drain_secs),
        crate::Stop::Now => std::time::Duration::ZERO,
    };
    workers
        .drain(
            drain,
            std::time::Duration::from_secs(config.cancel_grace_secs),
        )
        .await;
    store.close().await;
    ExitCode::SUCCESS
}

async fn serve(config: &Config, options: &ServeOptions) -> ExitCode {
    let server = match Server::build(config, options).await {
        Ok(server) => server,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    if let Some(addr) = server.local_addr() {
        tracing::info!(%addr, "palette is listening on http://{addr}");
        match server.metrics_addr() {
            Some(metrics) => tracing::info!(%metrics, "metrics on http://{metrics}/metrics"),
            None => tracing::info!("no metrics listener (PALETTE_METRICS_LISTEN is unset)"),
        }
        if let Some(token) = server.demo_ci_token() {
            // On stdout, for a person to copy; never in the logs.
            println!(
                "\nDemo CI token (dev login only; valid until this process stops), for the \
                 demo CI principal user:palette-demo-ci, which may record releases:\n\n  \
                 export PALETTE_URL=http://{addr} PALETTE_TOKEN={token}\n  \
                 palette release record --application kratos --charm kratos --revision 531 \
                 --channel latest/edge --wait\n"
            );
        }
    }
    match server.serve_until(crate::stop_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::FAILURE
        }
    }
}
