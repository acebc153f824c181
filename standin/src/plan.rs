//! `plan`: compare the configured resources with the state, print the
//! changes as JSON UI lines and save the plan file.

use crate::cli::{usage_error, Flags, Spec};
use crate::knobs::{self, Knobs};
use crate::signals::{self, Interrupt};
use crate::state::{self, Action, Change, OutputChange, PlanFile, State, Tfvars};
use crate::ui::{resource_addr, timestamp, Ui};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

const SPEC: &[Spec] = &[
    ("input", true),
    ("json", true),
    ("out", false),
    ("destroy", true),
    ("no-color", true),
    ("lock", true),
    ("lock-timeout", false),
    ("detailed-exitcode", true),
    ("refresh", true),
    ("parallelism", false),
    ("compact-warnings", true),
];

/// An error diagnostic that ends the command with status 1.
pub struct Diag {
    pub summary: String,
    pub detail: String,
}

pub fn diag(summary: &str, detail: impl Into<String>) -> Diag {
    Diag {
        summary: summary.into(),
        detail: detail.into(),
    }
}

/// Everything a plan or apply works from.
pub struct Ctx {
    pub knobs: Knobs,
    pub tfvars: Tfvars,
    pub state: State,
    _lock: Option<File>,
}

impl Ctx {
    pub fn open(flags: &Flags) -> Result<Ctx, Diag> {
        if !Path::new(".terraform").is_dir() {
            return Err(diag(
                "Backend initialization required, please run \"tofu init\"",
                "The working directory has not been initialized (no .terraform directory).",
            ));
        }
        let knobs = Knobs::load(Path::new(".")).map_err(|e| diag("Invalid stand-in knobs", e))?;
        let lock = if flags.bool("lock", true) {
            let timeout = flags
                .get("lock-timeout")
                .and_then(crate::cli::duration)
                .unwrap_or_default();
            Some(state::lock(timeout).map_err(|e| {
                diag(
                    "Error acquiring the state lock",
                    format!("Error message: {e}\n\nAnother operation holds the state lock."),
                )
            })?)
        } else {
            None
        };
        let tfvars = Tfvars::load().map_err(|e| diag("Invalid variables file", e))?;
        let state = State::load().map_err(|e| diag("Failed to load state", e))?;
        Ok(Ctx {
            knobs,
            tfvars,
            state,
            _lock: lock,
        })
    }

    /// The configured outputs with `{env}`, `{tier}`, `{channel}`, `{uuid}`
    /// substituted.
    pub fn outputs(&self) -> Map<String, Value> {
        let env = self.tfvars.str("environment");
        let cwd = std::env::current_dir().unwrap_or_default();
        let vars = [
            ("env", env.clone()),
            ("tier", self.tfvars.str("tier")),
            ("channel", self.tfvars.str("channel")),
            (
                "uuid",
                state::uuid_from(&format!("{}/{env}", cwd.display())),
            ),
        ];
        let mut outputs: Map<String, Value> = self
            .knobs
            .outputs
            .iter()
            .map(|(k, v)| (k.clone(), knobs::substitute(v, &vars)))
            .collect();
        // The charm revisions this run deploys, as a juju module reports
        // its applications: application → revision.
        if let Some(manifest) = self.tfvars.value.get("manifest").and_then(Value::as_object) {
            let revisions: Map<String, Value> = manifest
                .iter()
                .filter_map(|(app, entry)| {
                    let revision = entry.as_object()?.get("revision")?.clone();
                    Some((app.clone(), revision))
                })
                .collect();
            if !revisions.is_empty() {
                outputs.insert("charm_revisions".to_owned(), Value::Object(revisions));
            }
        }
        outputs
    }

    /// Plan against the current state.
    pub fn compute(&self, destroy: bool) -> PlanFile {
        let mut changes = Vec::new();
        let wanted: Vec<&str> = if destroy {
            Vec::new()
        } else {
            self.knobs
                .resources
                .iter()
                .map(|r| r.address.as_str())
                .collect()
        };
        for address in &wanted {
            let (action, prior_id) = match self.state.find(address) {
                None => (Action::Create, None),
                Some(r) if r.fingerprint == self.tfvars.hash => (Action::Noop, Some(r.id.clone())),
                Some(r) => (Action::Update, Some(r.id.clone())),
            };
            changes.push(Change {
                address: address.to_string(),
                action,
                prior_id,
            });
        }
        for r in self.state.resources.iter().rev() {
            if !wanted.contains(&r.address.as_str()) {
                changes.push(Change {
                    address: r.address.clone(),
                    action: Action::Delete,
                    prior_id: Some(r.id.clone()),
                });
            }
        }
        let after = if destroy { Map::new() } else { self.outputs() };
        let mut outputs = BTreeMap::new();
        for (name, value) in &after {
            let before = self.state.outputs.get(name).map(|o| o.value.clone());
            let action = match &before {
                None => Action::Create,
                Some(b) if b == value => Action::Noop,
                Some(_) => Action::Update,
            };
            let after = Some(value.clone());
            outputs.insert(
                name.clone(),
                OutputChange {
                    action,
                    before,
                    after,
                },
            );
        }
        for (name, old) in &self.state.outputs {
            if !after.contains_key(name) {
                let before = Some(old.value.clone());
                let (action, after) = (Action::Delete, None);
                outputs.insert(
                    name.clone(),
                    OutputChange {
                        action,
                        before,
                        after,
                    },
                );
            }
        }
        PlanFile {
            format: state::PLAN_FORMAT.into(),
            destroy,
            tfvars_hash: self.tfvars.hash.clone(),
            state_lineage: self.state.lineage.clone(),
            state_serial: self.state.serial,
            changes,
            outputs,
            timestamp: timestamp(),
        }
    }
}

/// Counts of (add, change, remove) in a plan.
pub fn counts(plan: &PlanFile) -> (usize, usize, usize) {
    let n = |a: Action| plan.changes.iter().filter(|c| c.action == a).count();
    (n(Action::Create), n(Action::Update), n(Action::Delete))
}

pub fn run(argv: &[String]) -> i32 {
    let flags = match Flags::parse(argv, SPEC) {
        Ok(f) => f,
        Err(e) => return usage_error("plan", &e),
    };
    if !flags.args.is_empty() {
        return usage_error("plan", "Too many command line arguments.");
    }
    let ui = Ui {
        json: flags.bool("json", false),
    };
    let interrupt = match Interrupt::install() {
        Ok(i) => i,
        Err(e) => return crate::fatal(&e),
    };
    ui.version();
    match plan(&flags, ui, &interrupt) {
        Ok(code) => code,
        Err(d) => {
            ui.error(&d.summary, &d.detail, None);
            1
        }
    }
}

fn plan(flags: &Flags, ui: Ui, interrupt: &Interrupt) -> Result<i32, Diag> {
    let ctx = Ctx::open(flags)?;
    if flags.bool("refresh", true) && !refresh(&ctx.state, ui, interrupt) {
        return Ok(interrupted(ui));
    }
    if ctx.knobs.hang.as_deref() == Some("plan") && !interrupt.wait(None, |_| {}) {
        return Ok(interrupted(ui));
    }
    let plan = ctx.compute(flags.bool("destroy", false));
    for c in plan.changes.iter().filter(|c| c.action != Action::Noop) {
        let verb = match c.action {
            Action::Create => "create",
            Action::Update => "update in-place",
            _ => "delete",
        };
        let mut change =
            json!({"resource": resource_addr(&c.address), "action": c.action.ui_name()});
        if c.action == Action::Delete && !plan.destroy {
            change["reason"] = json!("delete_because_no_resource_config");
        }
        let message = format!("{}: Plan to {verb}", c.address);
        ui.emit(
            "info",
            "planned_change",
            &message,
            json!({ "change": change }),
        );
    }
    let changed: Map<String, Value> = plan
        .outputs
        .iter()
        .filter(|(_, o)| o.action != Action::Noop)
        .map(|(k, o)| {
            (
                k.clone(),
                json!({"sensitive": false, "action": o.action.ui_name()}),
            )
        })
        .collect();
    if !changed.is_empty() {
        let message = format!("Outputs: {}", changed.len());
        ui.emit("info", "outputs", &message, json!({ "outputs": changed }));
    }
    let (add, change, remove) = counts(&plan);
    ui.change_summary("plan", add, change, remove);
    if let Some(out) = flags.get("out") {
        plan.save(out)
            .map_err(|e| diag("Failed to write plan file", e))?;
    }
    let has_changes = add + change + remove > 0 || !changed.is_empty();
    Ok(if flags.bool("detailed-exitcode", false) && has_changes {
        2
    } else {
        0
    })
}

/// `refresh_start`/`refresh_complete` for each resource in state. False when
/// interrupted.
fn refresh(state: &State, ui: Ui, interrupt: &Interrupt) -> bool {
    for r in &state.resources {
        if interrupt.is_set() {
            return false;
        }
        let hook = json!({"resource": resource_addr(&r.address), "id_key": "id", "id_value": r.id});
        let start = format!("{}: Refreshing state... [id={}]", r.address, r.id);
        ui.emit("info", "refresh_start", &start, json!({ "hook": hook }));
        let done = format!("{}: Refresh complete [id={}]", r.address, r.id);
        ui.emit("info", "refresh_complete", &done, json!({ "hook": hook }));
    }
    !interrupt.is_set()
}

fn interrupted(ui: Ui) -> i32 {
    signals::report(&ui);
    1
}
