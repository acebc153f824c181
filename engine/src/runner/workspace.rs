//! A layer's workspace: created from its scaffold when missing, and given
//! `palette.auto.tfvars.json` before every run.

use std::path::{Component, Path, PathBuf};

use serde_json::{json, Map, Value};

use super::blueprint::LayerSpec;
use super::template;

pub const TFVARS: &str = "palette.auto.tfvars.json";
const MODULE_DIR: &str = "{{module_dir}}";

/// What a run tells the layer about its environment.
#[derive(Debug, Clone)]
pub struct RunVars<'a> {
    pub environment: &'a str,
    pub tier: &'a str,
    pub channel: &'a str,
    pub manifest: Value,
    /// Outputs of the layers this one depends on: layer → outputs.
    pub upstream: Map<String, Value>,
}

/// The workspace directory of `layer` for `env`, created from the scaffold
/// (with `{{module_dir}}` pointing at `modules/<layer>`) when missing.
pub fn prepare(
    infra_dir: &Path,
    layer: &LayerSpec,
    env: &str,
    tier: &str,
) -> std::io::Result<PathBuf> {
    let dir = template::render(infra_dir, &layer.workspace, env, tier);
    if dir.is_dir() {
        return Ok(dir);
    }
    let scaffold = match &layer.scaffold {
        Some(path) if path.is_absolute() => path.clone(),
        Some(path) => infra_dir.join(path),
        None => infra_dir.join("scaffold").join(&layer.name),
    };
    if !scaffold.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "workspace {} is missing and there is no scaffold at {}",
                dir.display(),
                scaffold.display()
            ),
        ));
    }
    let rendered = layer
        .workspace
        .replace("{env}", env)
        .replace("{tier}", tier);
    let depth = Path::new(&rendered)
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    let module_dir = format!("{}modules/{}", "../".repeat(depth), layer.name);
    let staging = dir.with_extension("palette-new");
    let _ = std::fs::remove_dir_all(&staging);
    copy_tree(&scaffold, &staging, &module_dir)?;
    std::fs::rename(&staging, &dir)?;
    Ok(dir)
}

fn copy_tree(from: &Path, to: &Path, module_dir: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target, module_dir)?;
        } else {
            let bytes = std::fs::read(entry.path())?;
            match String::from_utf8(bytes) {
                Ok(text) => std::fs::write(&target, text.replace(MODULE_DIR, module_dir))?,
                Err(raw) => std::fs::write(&target, raw.into_bytes())?,
            }
        }
    }
    Ok(())
}

/// Writes `palette.auto.tfvars.json` into `workspace`.
pub fn write_vars(workspace: &Path, vars: &RunVars<'_>) -> std::io::Result<()> {
    let doc = json!({
        "environment": vars.environment,
        "tier": vars.tier,
        "channel": vars.channel,
        "manifest": vars.manifest,
        "upstream": vars.upstream,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?;
    let tmp = workspace.join(format!("{TFVARS}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, workspace.join(TFVARS))
}
