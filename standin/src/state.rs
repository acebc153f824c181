//! Simulated state (`terraform.tfstate`), the saved plan file, the tfvars
//! Palette writes, and the state lock.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

pub const STATE_FILE: &str = "terraform.tfstate";
pub const TFVARS_FILE: &str = "palette.auto.tfvars.json";
const LOCK_FILE: &str = ".terraform.tfstate.lock.info";
pub const PLAN_FORMAT: &str = "tofu-standin-plan/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateResource {
    pub address: String,
    pub id: String,
    /// Hash of the inputs the resource was applied with.
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputState {
    pub value: Value,
    #[serde(rename = "type")]
    pub ty: Value,
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    pub terraform_version: String,
    pub serial: u64,
    pub lineage: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    #[serde(default)]
    pub resources: Vec<StateResource>,
    /// Injected failures so far (bounds `fail.times`).
    #[serde(default)]
    pub standin_failed_applies: u64,
}

impl State {
    pub fn load() -> Result<State, String> {
        match std::fs::read(STATE_FILE) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| format!("{STATE_FILE} is not a stand-in state file: {e}")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State {
                version: 4,
                terraform_version: crate::ui::VERSION.into(),
                serial: 0,
                // Assigned when the state is first written, so a plan made
                // before any state exists still matches at apply.
                lineage: String::new(),
                outputs: BTreeMap::new(),
                resources: Vec::new(),
                standin_failed_applies: 0,
            }),
            Err(e) => Err(format!("reading {STATE_FILE}: {e}")),
        }
    }

    /// Bump the serial and write the state atomically.
    pub fn save(&mut self) -> Result<(), String> {
        self.serial += 1;
        if self.lineage.is_empty() {
            self.lineage = new_lineage();
        }
        write_atomic(Path::new(STATE_FILE), &pretty(self)?)
    }

    pub fn find(&self, address: &str) -> Option<&StateResource> {
        self.resources.iter().find(|r| r.address == address)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Delete,
    Noop,
}

impl Action {
    /// The name in `show -json` `actions` lists.
    pub fn show_name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Noop => "no-op",
        }
    }

    /// The name in JSON UI `action` members.
    pub fn ui_name(self) -> &'static str {
        match self {
            Action::Noop => "noop",
            other => other.show_name(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    pub address: String,
    pub action: Action,
    /// Id in the prior state (update, delete, no-op).
    #[serde(default)]
    pub prior_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputChange {
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// What `plan -out` writes (terraform's is a zip; this one is JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanFile {
    pub format: String,
    pub destroy: bool,
    pub tfvars_hash: String,
    pub state_lineage: String,
    pub state_serial: u64,
    pub changes: Vec<Change>,
    pub outputs: BTreeMap<String, OutputChange>,
    pub timestamp: String,
}

impl PlanFile {
    pub fn load(path: &str) -> Result<PlanFile, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        let plan: PlanFile = serde_json::from_slice(&bytes)
            .map_err(|_| format!("{path} is not a saved plan file"))?;
        if plan.format != PLAN_FORMAT {
            return Err(format!("{path}: unsupported plan format {:?}", plan.format));
        }
        Ok(plan)
    }

    pub fn save(&self, path: &str) -> Result<(), String> {
        write_atomic(Path::new(path), &pretty(self)?)
    }
}

/// The variables Palette generated for this run.
pub struct Tfvars {
    pub value: Value,
    pub hash: String,
}

impl Tfvars {
    /// Missing file: empty variables (hash of nothing).
    pub fn load() -> Result<Tfvars, String> {
        let bytes = match std::fs::read(TFVARS_FILE) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("reading {TFVARS_FILE}: {e}")),
        };
        let value = if bytes.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&bytes).map_err(|e| format!("{TFVARS_FILE}: {e}"))?
        };
        Ok(Tfvars {
            value,
            hash: hash_hex(&bytes),
        })
    }

    /// A top-level string member, or "".
    pub fn str(&self, name: &str) -> String {
        self.value
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

/// Hold the state lock (an OS file lock, released when the process dies).
pub fn lock(timeout: Duration) -> Result<File, String> {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(LOCK_FILE)
        .map_err(|e| format!("{LOCK_FILE}: {e}"))?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(format!("{LOCK_FILE}: {e}")),
        }
    }
}

/// FNV-1a 64, hex.
pub fn hash_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A uuid-shaped id derived from `seed`.
pub fn uuid_from(seed: &str) -> String {
    let a = hash_hex(seed.as_bytes());
    let b = hash_hex(format!("{seed}#2").as_bytes());
    format!(
        "{}-{}-4{}-8{}-{}",
        &a[..8],
        &a[8..12],
        &a[13..16],
        &b[..3],
        &b[4..16]
    )
}

fn new_lineage() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    uuid_from(&format!("{nanos}/{}", std::process::id()))
}

fn pretty<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Write to a temporary file, fsync, rename: never a torn file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| format!("writing {}: {e}", path.display()))
}

/// The cty type of a JSON value, as terraform prints it.
pub fn type_of(value: &Value) -> Value {
    match value {
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("dynamic"),
        Value::Array(items) => json!(["tuple", items.iter().map(type_of).collect::<Vec<_>>()]),
        Value::Object(map) => {
            let members: serde_json::Map<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), type_of(v))).collect();
            json!(["object", members])
        }
    }
}
