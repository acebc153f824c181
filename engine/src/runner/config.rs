//! What the layer runner needs to know, and how the defaults are found.
//! The server maps `PALETTE_LAYER_BIN` and `PALETTE_INFRA_DIR` onto these.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::blueprint::Blueprint;

/// The terraform-compatible program layers run with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerBin {
    pub path: PathBuf,
    /// True when it is Palette's stand-in: resources are simulated, and the
    /// UI says so.
    pub simulated: bool,
}

/// Settings of the layer runner.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    pub bin: LayerBin,
    /// Root of the infrastructure tree: `modules/`, `scaffold/`, workspaces.
    pub infra_dir: PathBuf,
    pub blueprint: Blueprint,
    /// Values redacted from every stored log line (those shorter than 6
    /// characters are ignored).
    pub secrets: Vec<String>,
    /// Between SIGINT and SIGKILL when stopping a command.
    pub cancel_grace: Duration,
    /// What of Palette's environment layer processes get
    /// (`PALETTE_LAYER_ENV` on top of the base set).
    pub env: super::EnvAllowList,
    /// The executable layer processes start through ([`super::exec`]):
    /// Palette's own, so that they get SIGINT when their worker dies.
    /// `None` starts them directly.
    pub exec_wrapper: Option<PathBuf>,
    /// Layers of one job that run at once when they do not depend on each
    /// other (at least 1).
    pub layer_parallelism: usize,
}

/// Layers run at once by default.
pub const DEFAULT_LAYER_PARALLELISM: usize = 4;

const STANDIN: &str = "tofu-standin";

/// Resolves the layer program: `explicit` (a path, or a name looked up on
/// `PATH`; `PALETTE_LAYER_BIN`) when given, else `tofu`, else `terraform` on
/// `PATH`, else the stand-in (on `PATH` or next to this executable).
pub fn resolve_layer_bin(explicit: Option<&str>) -> Result<LayerBin, String> {
    if let Some(explicit) = explicit.map(str::trim).filter(|s| !s.is_empty()) {
        let path = if explicit.contains('/') {
            Some(PathBuf::from(explicit))
        } else {
            find_on_path(explicit)
        };
        let path = path
            .filter(|p| p.is_file())
            .ok_or_else(|| format!("PALETTE_LAYER_BIN: {explicit} was not found"))?;
        let simulated = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains(STANDIN));
        return Ok(LayerBin { path, simulated });
    }
    for name in ["tofu", "terraform"] {
        if let Some(path) = find_on_path(name) {
            return Ok(LayerBin {
                path,
                simulated: false,
            });
        }
    }
    find_standin()
        .map(|path| LayerBin {
            path,
            simulated: true,
        })
        .ok_or_else(|| {
            "no tofu or terraform on PATH, and the tofu-standin was not found".to_owned()
        })
}

/// The stand-in, for simulated runs (the embedded demo) whatever is on PATH.
pub fn standin_bin() -> Result<LayerBin, String> {
    find_standin()
        .map(|path| LayerBin {
            path,
            simulated: true,
        })
        .ok_or_else(|| "the tofu-standin was not found (cargo build -p tofu-standin)".to_owned())
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn find_standin() -> Option<PathBuf> {
    if let Some(path) = find_on_path(STANDIN) {
        return Some(path);
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [dir.join(STANDIN), dir.parent()?.join(STANDIN)]
        .into_iter()
        .find(|p| p.is_file())
}

/// The shipped example tree (`examples/infra`): under the working directory
/// when run from the repository or the container, else the source tree.
pub fn default_infra_dir() -> PathBuf {
    let local = PathBuf::from("examples/infra");
    if local.join("modules").is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/infra")
}
