//! The command line: `palette [serve|migrate|config check]`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{telemetry, Config, ServeOptions, Server};

#[derive(Debug, Parser)]
#[command(name = "palette", version, about = "Self-service control plane for colour-named environments")]
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
    /// Apply pending database migrations and exit.
    Migrate,
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
    /// Seed the write-up's four demo environments (once per database).
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration with secrets redacted, or the error.
    Check,
}

fn load_config(cli: &Cli) -> Result<Config, ExitCode> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    Config::load(cli.config.as_deref(), &env).map_err(|e| {
        eprintln!("palette: configuration error: {e}");
        ExitCode::from(2)
    })
}

pub async fn run(cli: Cli) -> ExitCode {
    let mut config = match load_config(&cli) {
        Ok(config) => config,
        Err(code) => return code,
    };
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Config { command: ConfigCommand::Check } => {
            print!("{}", config.redacted());
            ExitCode::SUCCESS
        }
        Command::Migrate => {
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
            telemetry::init(config.log_format);
            if let Some(listen) = args.listen {
                config.listen = listen;
            }
            serve(&config, &ServeOptions { demo: args.demo }).await
        }
    }
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
    }
    match server.run(crate::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::FAILURE
        }
    }
}
