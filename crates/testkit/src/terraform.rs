//! The real Terraform (or OpenTofu) binary for the runner's contract tests:
//! `PALETTE_TERRAFORM` when set, else `terraform` on `PATH`, else `tofu` on
//! `PATH`, else OpenTofu as `scripts/servers tofu` builds it into
//! `/var/tmp/palette-servers/tofu-<version>/tofu` (or `PALETTE_SERVERS_DIR`).
//!
//! When none is there the test fails with the command that builds it: it
//! never skips.

use std::path::{Path, PathBuf};

/// The OpenTofu version `scripts/servers tofu` builds.
pub const TOFU_VERSION: &str = "v1.12.6";

/// The binary, or a panic saying how to get one.
pub fn binary() -> PathBuf {
    if let Some(explicit) = std::env::var_os("PALETTE_TERRAFORM").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(&explicit);
        let path = if path.components().count() == 1 {
            on_path(&explicit.to_string_lossy()).unwrap_or(path)
        } else {
            path
        };
        assert!(
            path.is_file(),
            "PALETTE_TERRAFORM={} is not a file",
            path.display()
        );
        return path;
    }
    if let Some(path) = on_path("terraform").or_else(|| on_path("tofu")) {
        return path;
    }
    let built = built_tofu();
    assert!(
        built.is_file(),
        "no terraform or tofu on PATH and OpenTofu is not built: run `scripts/servers tofu` \
         (it builds {} from github.com/opentofu/opentofu {TOFU_VERSION} with Go), or set \
         PALETTE_TERRAFORM to a terraform or tofu binary",
        built.display()
    );
    built
}

/// Where `scripts/servers tofu` puts OpenTofu.
pub fn built_tofu() -> PathBuf {
    let dir = std::env::var_os("PALETTE_SERVERS_DIR")
        .map_or_else(|| PathBuf::from("/var/tmp/palette-servers"), PathBuf::from);
    dir.join(format!("tofu-{TOFU_VERSION}")).join("tofu")
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Runs `bin -chdir=dir args…` to its end, out of band of Palette (as an
/// operator in a terminal would), with `TF_IN_AUTOMATION=1`; returns the
/// exit status and the combined output.
pub fn run(bin: &Path, dir: &Path, args: &[&str]) -> (std::process::ExitStatus, String) {
    let out = std::process::Command::new(bin)
        .arg(format!("-chdir={}", dir.display()))
        .args(args)
        .env("TF_IN_AUTOMATION", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status, text)
}
