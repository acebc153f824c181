//! The layer stand-in CLI (`tofu-standin`), built once per test process.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The path of the `tofu-standin` binary of this workspace, built on first
/// use (`cargo build -p tofu-standin`) so every test runs the current one.
pub fn standin() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let out = std::process::Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "tofu-standin", "--message-format=json"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run cargo build -p tofu-standin");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find_map(|v| {
                v.get("executable")
                    .and_then(|e| e.as_str())
                    .map(PathBuf::from)
            })
            .expect("cargo reported the tofu-standin executable")
    })
    .clone()
}
