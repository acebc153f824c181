//! The model as code, checked by the real OpenFGA engine.

use crate::support::fga_cli::{authz_dir, fga};
use palette_fga::PALETTE_MODEL_JSON;

#[test]
fn real_engine_passes_the_model_tests() {
    let out = fga(&["model", "test", "--tests", "palette.fga.yaml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "fga model test failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stderr.contains("Test Summary"),
        "no summary in:\n{stdout}\n{stderr}"
    );
}

#[test]
fn committed_json_is_the_transform_of_the_dsl() {
    let out = fga(&["model", "transform", "--file", "palette.fga"]);
    assert!(
        out.status.success(),
        "fga model transform failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("transform output is JSON");
    let committed: serde_json::Value =
        serde_json::from_str(PALETTE_MODEL_JSON).expect("authz/palette.json is JSON");
    assert_eq!(
        committed,
        fresh,
        "authz/palette.json is stale; regenerate it with \
         `fga model transform --file {}/palette.fga`",
        authz_dir().display()
    );
}
