//! Behaviour knobs: `standin.json` in the workspace, each member overridable
//! by an environment variable `TOFU_STANDIN_<NAME>` (the variable wins).

use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::Path;

pub const FILE: &str = "standin.json";
pub const DEFAULT_DELAY_MS: u64 = 200;
const DEFAULT_RESOURCE: &str = "terraform_data.layer";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceKnob {
    pub address: String,
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailKnob {
    /// Address of the resource whose apply fails.
    pub resource: String,
    /// Fail only when the environment name starts with this.
    #[serde(default)]
    pub env_prefix: Option<String>,
    /// How many applies of this workspace fail (unbounded when absent).
    #[serde(default)]
    pub times: Option<u64>,
    /// `apply` (default: runs that are not destroys), `destroy` or `both`.
    #[serde(default)]
    pub during: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKnobs {
    #[serde(default, rename = "_comment")]
    _comment: Option<Value>,
    resources: Option<Vec<ResourceKnob>>,
    delay_ms: Option<u64>,
    fail: Option<FailKnob>,
    hang: Option<String>,
    outputs: Option<Map<String, Value>>,
    fail_init: Option<bool>,
}

/// The knobs in effect for one command.
#[derive(Debug, Clone)]
pub struct Knobs {
    pub resources: Vec<ResourceKnob>,
    pub delay_ms: u64,
    pub fail: Option<FailKnob>,
    /// `plan` or `apply`.
    pub hang: Option<String>,
    pub outputs: Map<String, Value>,
    pub fail_init: bool,
}

impl Knobs {
    /// Read `standin.json` from `dir` (optional) and apply env overrides.
    pub fn load(dir: &Path) -> Result<Knobs, String> {
        let path = dir.join(FILE);
        let file: FileKnobs = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| format!("{}: invalid stand-in knobs: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileKnobs::default(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let resources = match env("RESOURCES") {
            Some(v) => parse_resources(&v)?,
            None => file.resources.unwrap_or_else(|| {
                vec![ResourceKnob {
                    address: DEFAULT_RESOURCE.into(),
                    delay_ms: None,
                }]
            }),
        };
        let delay_ms = match env("DELAY_MS") {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|e| format!("TOFU_STANDIN_DELAY_MS={v:?}: {e}"))?,
            None => file.delay_ms.unwrap_or(DEFAULT_DELAY_MS),
        };
        let fail = match env("FAIL") {
            Some(v) if v.trim().is_empty() => None,
            Some(v) => Some(parse_fail(&v)?),
            None => file.fail,
        };
        let hang = match env("HANG") {
            Some(v) if v.trim().is_empty() => None,
            Some(v) => Some(v.trim().to_string()),
            None => file.hang,
        };
        if let Some(h) = &hang {
            if h != "plan" && h != "apply" {
                return Err(format!("hang must be \"plan\" or \"apply\", not {h:?}"));
            }
        }
        let outputs = match env("OUTPUTS") {
            Some(v) => {
                serde_json::from_str(&v).map_err(|e| format!("TOFU_STANDIN_OUTPUTS: {e}"))?
            }
            None => file.outputs.unwrap_or_default(),
        };
        let fail_init = match env("FAIL_INIT") {
            Some(v) => matches!(v.trim(), "1" | "true" | "yes" | "on"),
            None => file.fail_init.unwrap_or(false),
        };
        Ok(Knobs {
            resources,
            delay_ms,
            fail,
            hang,
            outputs,
            fail_init,
        })
    }

    /// The simulated duration of one resource's apply.
    pub fn delay_for(&self, address: &str) -> u64 {
        self.resources
            .iter()
            .find(|r| r.address == address)
            .and_then(|r| r.delay_ms)
            .unwrap_or(self.delay_ms)
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(format!("TOFU_STANDIN_{name}")).ok()
}

/// A JSON array of resource knobs or address strings, or a comma-separated
/// list of addresses.
fn parse_resources(v: &str) -> Result<Vec<ResourceKnob>, String> {
    let v = v.trim();
    if v.starts_with('[') {
        let items: Vec<Value> =
            serde_json::from_str(v).map_err(|e| format!("TOFU_STANDIN_RESOURCES: {e}"))?;
        return items
            .into_iter()
            .map(|item| match item {
                Value::String(address) => Ok(ResourceKnob {
                    address,
                    delay_ms: None,
                }),
                other => serde_json::from_value(other)
                    .map_err(|e| format!("TOFU_STANDIN_RESOURCES: {e}")),
            })
            .collect();
    }
    Ok(v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|address| ResourceKnob {
            address: address.to_string(),
            delay_ms: None,
        })
        .collect())
}

/// A JSON object, or just the address of the failing resource.
fn parse_fail(v: &str) -> Result<FailKnob, String> {
    let v = v.trim();
    if v.starts_with('{') {
        return serde_json::from_str(v).map_err(|e| format!("TOFU_STANDIN_FAIL: {e}"));
    }
    Ok(FailKnob {
        resource: v.to_string(),
        env_prefix: None,
        times: None,
        during: None,
    })
}

/// Replace `{env}`, `{tier}`, `{channel}` and `{uuid}` in every string.
pub fn substitute(value: &Value, vars: &[(&str, String)]) -> Value {
    match value {
        Value::String(s) => {
            let mut out = s.clone();
            for (name, val) in vars {
                out = out.replace(&format!("{{{name}}}"), val);
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, vars)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resources_parse_from_csv_or_json() {
        let r = parse_resources("a.b, c.d").unwrap_or_default();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].address, "c.d");
        let r =
            parse_resources(r#"["a.b", {"address": "c.d", "delay_ms": 5}]"#).unwrap_or_default();
        assert_eq!(r[1].delay_ms, Some(5));
    }

    #[test]
    fn placeholders_are_substituted_in_nested_values() {
        let vars = [("env", "blue".to_string())];
        let v = substitute(&json!({"u": ["https://iam.{env}.example.com"]}), &vars);
        assert_eq!(v, json!({"u": ["https://iam.blue.example.com"]}));
    }
}
