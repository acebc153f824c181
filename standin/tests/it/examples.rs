//! The shipped example tree `examples/infra/`: every scaffold's stand-in
//! knobs match its module, and every layer runs end to end on the stand-in.

use crate::support::Ws;
use serde_json::Value;
use std::path::PathBuf;

const LAYERS: [&str; 5] = ["k8s", "core", "iam", "jimm", "cos-integration"];

fn infra() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/infra")
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn knobs(layer: &str) -> Value {
    let text = read(infra().join("scaffold").join(layer).join("standin.json"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{layer}: {e}"))
}

/// `name` from every `<kind> "a" "b"` or `<kind> "name"` block opening.
fn blocks(hcl: &str, kind: &str) -> Vec<String> {
    hcl.lines()
        .filter_map(|l| l.strip_prefix(kind))
        .map(|rest| {
            let parts: Vec<&str> = rest.split('"').collect();
            match parts.as_slice() {
                [_, a, _, b, ..] if !b.trim().is_empty() && !b.contains('{') => format!("{a}.{b}"),
                [_, a, ..] => a.to_string(),
                _ => String::new(),
            }
        })
        .collect()
}

#[test]
fn scaffold_knobs_name_resources_the_module_declares_and_outputs_the_scaffold_exports() {
    for layer in LAYERS {
        let module_tf = read(infra().join("modules").join(layer).join("main.tf"));
        let declared = blocks(&module_tf, "resource ");
        let k = knobs(layer);
        let resources = k["resources"].as_array().cloned().unwrap_or_default();
        assert!(resources.len() >= 3, "{layer}: a few resources per layer");
        for r in resources {
            let addr = r["address"].as_str().unwrap_or_default();
            let prefix = format!("module.{layer}.");
            let local = addr
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{addr}"));
            let local = local.split('[').next().unwrap_or_default();
            assert!(
                declared.iter().any(|d| d == local),
                "{layer}: {addr} not in module"
            );
        }

        let scaffold_tf = read(infra().join("scaffold").join(layer).join("main.tf"));
        assert!(
            scaffold_tf.contains(&format!("module \"{layer}\" {{")),
            "{layer}"
        );
        assert!(
            scaffold_tf.contains("source = \"{{module_dir}}\""),
            "{layer}"
        );
        let mut exported = blocks(&scaffold_tf, "output ");
        exported.sort();
        let mut simulated: Vec<String> = k["outputs"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        simulated.sort();
        assert_eq!(exported, simulated, "{layer}: outputs");

        let vars = blocks(
            &read(infra().join("scaffold").join(layer).join("variables.tf")),
            "variable ",
        );
        for v in ["environment", "tier", "channel", "manifest", "upstream"] {
            assert!(vars.iter().any(|x| x == v), "{layer}: variable {v}");
        }
    }
}

#[test]
fn every_scaffold_layer_applies_and_destroys_on_the_standin() {
    for layer in LAYERS {
        let mut k = knobs(layer);
        k["delay_ms"] = 0.into();
        for r in k["resources"].as_array_mut().into_iter().flatten() {
            if let Some(obj) = r.as_object_mut() {
                obj.remove("delay_ms");
            }
        }
        let ws = Ws::new("blue", k);
        ws.init();
        assert_eq!(ws.plan(&[]).code, 0, "{layer}");
        let apply = ws.apply();
        assert_eq!(apply.code, 0, "{layer}: {}", apply.stdout);
        let outputs = ws.run(&["output", "-json"]).json();
        for (name, o) in outputs.as_object().into_iter().flatten() {
            let value = o["value"].as_str().unwrap_or_default();
            assert!(!value.contains('{'), "{layer}.{name} = {value}");
        }
        assert_eq!(ws.plan(&["-destroy"]).code, 0);
        assert_eq!(ws.apply().code, 0, "{layer}");
        assert!(ws.state_addresses().is_empty());
    }
    let iam = ws_outputs("iam");
    assert_eq!(iam["oidc_issuer"]["value"], "https://iam.blue.example.com");
}

/// Outputs of `layer` applied with no resources (no delays).
fn ws_outputs(layer: &str) -> Value {
    let ws = Ws::new("blue", knobs(layer));
    ws.init();
    let env = [("TOFU_STANDIN_RESOURCES", "[]")];
    ws.run_env(&["plan", "-json", "-out=palette.tfplan"], &env);
    ws.run_env(&["apply", "-json", "palette.tfplan"], &env);
    ws.run(&["output", "-json"]).json()
}
