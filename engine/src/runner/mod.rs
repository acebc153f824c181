//! The layer runner: an environment's Terraform/OpenTofu workspaces, run as
//! real processes with the CLI contract below, whatever the binary is
//! (`tofu`, `terraform`, or Palette's stand-in):
//!
//! ```text
//! BIN -chdir=WS init -input=false -no-color
//! BIN -chdir=WS plan -input=false -json -out=palette.tfplan   (-destroy to destroy)
//! BIN -chdir=WS show -json palette.tfplan
//! BIN -chdir=WS apply -input=false -json palette.tfplan
//! BIN -chdir=WS output -json
//! ```

mod blueprint;
mod config;
mod env;
pub mod exec;
mod graph;
pub(crate) mod handlers;
pub(crate) mod jsonui;
pub(crate) mod layer;
mod lock;
pub mod process;
mod redact;
mod template;
pub(crate) mod workspace;

pub use blueprint::{Blueprint, BlueprintError, LayerSpec};
pub use config::{
    default_infra_dir, resolve_layer_bin, standin_bin, LayerBin, RunnerConfig,
    DEFAULT_LAYER_PARALLELISM,
};
pub use env::{EnvAllowList, STANDIN_PREFIX};
pub use handlers::{
    register, ApplyEnvironment, CreateEnvironment, DestroyEnvironment, EnvironmentPayload,
};
pub use jsonui::{parse as parse_ui_line, UiEvent};
pub use redact::Redactor;
pub use workspace::TFVARS;

/// Runs layers; shared by the environment job handlers.
#[derive(Debug)]
pub struct LayerRunner {
    config: RunnerConfig,
    redactor: Redactor,
    here: lock::Here,
}

impl LayerRunner {
    pub fn new(config: RunnerConfig) -> Self {
        let redactor = Redactor::new(&config.secrets);
        Self {
            config,
            redactor,
            here: lock::Here::now(),
        }
    }

    pub fn config(&self) -> &RunnerConfig {
        &self.config
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// This host and user, as Terraform names a lock's holder.
    pub(crate) fn here(&self) -> &lock::Here {
        &self.here
    }

    /// The environment of the next layer process: the allowed variables of
    /// Palette's own, read now (the stand-in's knobs too when it runs).
    pub fn process_env(&self) -> Vec<(String, String)> {
        let mut allow = self.config.env.clone();
        if self.config.bin.simulated {
            allow = allow.with_prefix(STANDIN_PREFIX);
        }
        allow.pick(std::env::vars())
    }

    /// Whether layers run on the stand-in (the UI labels such runs).
    pub fn simulated(&self) -> bool {
        self.config.bin.simulated
    }
}
