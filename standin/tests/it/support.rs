//! Helpers: a temporary workspace and the built stand-in binary.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_tofu-standin");

pub struct Ws {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Every stdout line parsed as JSON (panics on a non-JSON line).
    pub fn messages(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
            .collect()
    }

    pub fn types(&self) -> Vec<String> {
        self.messages()
            .iter()
            .map(|m| m["type"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    pub fn of_type(&self, kind: &str) -> Vec<Value> {
        self.messages()
            .into_iter()
            .filter(|m| m["type"] == kind)
            .collect()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

impl Ws {
    /// A workspace with tfvars for `env` and the given knobs.
    pub fn new(env: &str, knobs: Value) -> Ws {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ws = Ws { dir };
        ws.write_tfvars(env);
        ws.write("standin.json", &knobs.to_string());
        ws
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.file(name), text).unwrap_or_else(|e| panic!("{e}"));
    }

    pub fn write_tfvars(&self, env: &str) {
        let vars = json!({
            "environment": env, "tier": "dev", "channel": "latest/stable",
            "manifest": {"charms": {"kratos": "1.2"}}, "upstream": {"k8s": {"cluster_name": "c"}}
        });
        self.write("palette.auto.tfvars.json", &vars.to_string());
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg(format!("-chdir={}", self.path().display()))
            .args(args)
            .env_remove("TOFU_STANDIN_DELAY_MS");
        for name in ["RESOURCES", "FAIL", "HANG", "OUTPUTS", "FAIL_INIT"] {
            cmd.env_remove(format!("TOFU_STANDIN_{name}"));
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], envs: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        cmd.envs(envs.iter().copied());
        let out: Output = cmd.output().unwrap_or_else(|e| panic!("{e}"));
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn init(&self) -> Run {
        let r = self.run(&["init", "-input=false", "-no-color"]);
        assert_eq!(r.code, 0, "init failed: {}", r.stderr);
        r
    }

    pub fn plan(&self, extra: &[&str]) -> Run {
        let mut args = vec!["plan", "-input=false", "-json", "-out=palette.tfplan"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    pub fn apply(&self) -> Run {
        self.run(&["apply", "-input=false", "-json", "palette.tfplan"])
    }

    pub fn state(&self) -> Value {
        let text = std::fs::read_to_string(self.file("terraform.tfstate")).unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Addresses of the resources in the state file.
    pub fn state_addresses(&self) -> Vec<String> {
        self.state()["resources"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| r["address"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Three IAM resources, no delay, two outputs.
pub fn iam_knobs() -> Value {
    json!({
        "delay_ms": 0,
        "resources": [
            {"address": "module.iam.juju_application.kratos"},
            {"address": "module.iam.juju_application.hydra"},
            {"address": "module.iam.juju_application.identity_platform_login_ui"}
        ],
        "outputs": {
            "oidc_issuer": "https://iam.{env}.example.com",
            "hydra_admin_url": "http://hydra-admin.{env}.{tier}.internal:4445"
        }
    })
}
