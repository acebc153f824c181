//! `show -json [PLANFILE]` and `output [-json|-raw] [NAME]`.

use crate::addr;
use crate::cli::{usage_error, Flags};
use crate::state::{Action, PlanFile, State};
use crate::ui::VERSION;
use serde_json::{json, Map, Value};

pub fn show(argv: &[String]) -> i32 {
    let flags = match Flags::parse(argv, &[("json", true), ("no-color", true)]) {
        Ok(f) => f,
        Err(e) => return usage_error("show", &e),
    };
    if flags.args.len() > 1 {
        return usage_error("show", "Too many command line arguments.");
    }
    let json_mode = flags.bool("json", false);
    let doc = match flags.args.first() {
        Some(path) => match PlanFile::load(path) {
            Ok(plan) => plan_doc(&plan),
            Err(e) => {
                return crate::fatal(&format!("Failed to read the given file as a plan: {e}"))
            }
        },
        None => match State::load() {
            Ok(state) => state_doc(&state),
            Err(e) => return crate::fatal(&e),
        },
    };
    if json_mode {
        println!("{doc}");
    } else {
        match serde_json::to_string_pretty(&doc) {
            Ok(text) => println!("{text}"),
            Err(e) => return crate::fatal(&e.to_string()),
        }
    }
    0
}

/// Terraform's JSON plan representation (the members Palette reads).
fn plan_doc(plan: &PlanFile) -> Value {
    let resource_changes: Vec<Value> = plan
        .changes
        .iter()
        .map(|c| {
            let a = addr::parse(&c.address);
            let prior = c.prior_id.as_ref().map(|id| json!({ "id": id }));
            let (before, after, unknown) = match c.action {
                Action::Create => (Value::Null, json!({}), json!({"id": true})),
                Action::Delete => (prior.unwrap_or_default(), Value::Null, json!({})),
                _ => (
                    prior.clone().unwrap_or_default(),
                    prior.unwrap_or_default(),
                    json!({}),
                ),
            };
            let mut rc = json!({
                "address": c.address,
                "mode": "managed",
                "type": a.rtype,
                "name": a.name,
                "provider_name": addr::provider_source(&a.provider),
                "change": {
                    "actions": [c.action.show_name()],
                    "before": before,
                    "after": after,
                    "after_unknown": unknown,
                    "before_sensitive": false,
                    "after_sensitive": false,
                },
            });
            if !a.module.is_empty() {
                rc["module_address"] = json!(a.module);
            }
            if !a.key.is_null() {
                rc["index"] = a.key;
            }
            if c.action == Action::Delete && !plan.destroy {
                rc["action_reason"] = json!("delete_because_no_resource_config");
            }
            rc
        })
        .collect();
    let output_changes: Map<String, Value> = plan
        .outputs
        .iter()
        .map(|(name, o)| {
            let change = json!({
                "actions": [o.action.show_name()],
                "before": o.before,
                "after": o.after,
                "after_unknown": false,
                "before_sensitive": false,
                "after_sensitive": false,
            });
            (name.clone(), change)
        })
        .collect();
    let applyable = plan.changes.iter().any(|c| c.action != Action::Noop)
        || plan.outputs.values().any(|o| o.action != Action::Noop);
    json!({
        "format_version": "1.2",
        "terraform_version": VERSION,
        "resource_changes": resource_changes,
        "output_changes": output_changes,
        "errored": false,
        "applyable": applyable,
        "complete": true,
        "timestamp": plan.timestamp,
    })
}

/// Terraform's JSON state representation.
fn state_doc(state: &State) -> Value {
    if state.serial == 0 {
        return json!({"format_version": "1.0"});
    }
    let resources: Vec<Value> = state
        .resources
        .iter()
        .map(|r| {
            let a = addr::parse(&r.address);
            json!({
                "address": r.address,
                "mode": "managed",
                "type": a.rtype,
                "name": a.name,
                "provider_name": addr::provider_source(&a.provider),
                "values": {"id": r.id},
            })
        })
        .collect();
    json!({
        "format_version": "1.0",
        "terraform_version": VERSION,
        "values": {
            "outputs": outputs_doc(state),
            "root_module": {"resources": resources},
        },
    })
}

fn outputs_doc(state: &State) -> Map<String, Value> {
    state
        .outputs
        .iter()
        .map(|(k, o)| {
            let v = json!({"sensitive": o.sensitive, "type": o.ty, "value": o.value});
            (k.clone(), v)
        })
        .collect()
}

pub fn output(argv: &[String]) -> i32 {
    let spec = [("json", true), ("raw", true), ("no-color", true)];
    let flags = match Flags::parse(argv, &spec) {
        Ok(f) => f,
        Err(e) => return usage_error("output", &e),
    };
    if flags.args.len() > 1 {
        return usage_error("output", "The output command expects exactly one argument.");
    }
    let state = match State::load() {
        Ok(s) => s,
        Err(e) => return crate::fatal(&e),
    };
    let outputs = outputs_doc(&state);
    let (json_mode, raw) = (flags.bool("json", false), flags.bool("raw", false));
    match flags.args.first() {
        Some(name) => {
            let Some(o) = state.outputs.get(name) else {
                eprintln!(
                    "\nError: Output \"{name}\" not found\n\nThe output variable requested could \
                     not be found in the state file."
                );
                return 1;
            };
            match (&o.value, raw) {
                (Value::String(s), true) => print!("{s}"),
                (v, _) => println!("{v}"),
            }
        }
        None if json_mode => match serde_json::to_string_pretty(&outputs) {
            Ok(text) => println!("{text}"),
            Err(e) => return crate::fatal(&e.to_string()),
        },
        None if outputs.is_empty() => {
            eprintln!("\nWarning: No outputs found\n");
        }
        None => {
            for (k, o) in &state.outputs {
                println!("{k} = {}", o.value);
            }
        }
    }
    0
}
