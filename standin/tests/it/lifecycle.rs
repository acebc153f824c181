//! init → plan → show → apply → output, re-plan, destroy, stale plans and
//! command-line errors.

use crate::support::{iam_knobs, Ws, BIN};
use serde_json::{json, Value};

const KRATOS: &str = "module.iam.juju_application.kratos";

#[test]
fn round_trip_prints_terraform_json_ui_types_and_change_summary_counts() {
    let ws = Ws::new("blue", iam_knobs());
    let init = ws.init();
    assert!(init.stdout.contains("Initializing the backend..."));
    assert!(init
        .stdout
        .contains("OpenTofu has been successfully initialized!"));
    assert!(ws.file(".terraform").is_dir());

    let plan = ws.plan(&[]);
    assert_eq!(plan.code, 0, "{}", plan.stdout);
    assert_eq!(
        plan.types(),
        [
            "version",
            "planned_change",
            "planned_change",
            "planned_change",
            "outputs",
            "change_summary"
        ]
    );
    for m in plan.messages() {
        assert_eq!(m["@module"], "terraform.ui");
        assert!(m["@level"].is_string() && m["@message"].is_string());
        let ts = m["@timestamp"].as_str().unwrap_or_default();
        assert!(
            ts.len() > 20 && ts.contains('T') && ts.contains('.'),
            "{ts}"
        );
    }
    let first = &plan.of_type("planned_change")[0];
    assert_eq!(first["@message"], format!("{KRATOS}: Plan to create"));
    assert_eq!(
        first["change"],
        json!({"action": "create", "resource": {
            "addr": KRATOS, "module": "module.iam", "resource": "juju_application.kratos",
            "implied_provider": "juju", "resource_type": "juju_application",
            "resource_name": "kratos", "resource_key": null}})
    );
    let summary = &plan.of_type("change_summary")[0];
    assert_eq!(
        summary["changes"],
        json!({"add": 3, "change": 0, "import": 0, "remove": 0, "operation": "plan"})
    );
    assert_eq!(
        summary["@message"],
        "Plan: 3 to add, 0 to change, 0 to destroy."
    );
    assert!(ws.file("palette.tfplan").is_file());

    let show = ws.run(&["show", "-json", "palette.tfplan"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let doc = show.json();
    assert!(doc["format_version"].is_string());
    let rc = &doc["resource_changes"][0];
    assert_eq!(rc["address"], KRATOS);
    assert_eq!(rc["type"], "juju_application");
    assert_eq!(rc["name"], "kratos");
    assert_eq!(rc["change"]["actions"], json!(["create"]));
    assert_eq!(
        doc["output_changes"]["oidc_issuer"]["after"],
        "https://iam.blue.example.com"
    );

    let apply = ws.apply();
    assert_eq!(apply.code, 0, "{}", apply.stdout);
    let mut expected = vec!["version"];
    for _ in 0..3 {
        expected.extend(["apply_start", "apply_complete"]);
    }
    expected.extend(["change_summary", "outputs"]);
    assert_eq!(apply.types(), expected);
    let done = &apply.of_type("apply_complete")[0];
    assert_eq!(done["hook"]["resource"]["addr"], KRATOS);
    assert_eq!(done["hook"]["action"], "create");
    assert_eq!(done["hook"]["id_key"], "id");
    assert!(done["hook"]["id_value"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    assert!(done["hook"]["elapsed_seconds"].is_u64());
    let summary = &apply.of_type("change_summary")[0];
    assert_eq!(summary["changes"]["operation"], "apply");
    assert_eq!(summary["changes"]["add"], 3);
    let outputs = &apply.of_type("outputs")[0]["outputs"];
    assert_eq!(
        outputs["oidc_issuer"],
        json!({"sensitive": false, "type": "string", "value": "https://iam.blue.example.com"})
    );

    let out = ws.run(&["output", "-json"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.json(),
        json!({
            "oidc_issuer": {"sensitive": false, "type": "string", "value": "https://iam.blue.example.com"},
            "hydra_admin_url": {"sensitive": false, "type": "string", "value": "http://hydra-admin.blue.dev.internal:4445"}
        })
    );
    assert_eq!(ws.state_addresses().len(), 3);
}

#[test]
fn apply_reports_progress_about_every_second_while_a_resource_is_slow() {
    let knobs = json!({"resources": [{"address": KRATOS, "delay_ms": 1300}]});
    let ws = Ws::new("blue", knobs);
    ws.init();
    assert_eq!(ws.plan(&[]).code, 0);
    let apply = ws.apply();
    assert_eq!(
        apply.types(),
        [
            "version",
            "apply_start",
            "apply_progress",
            "apply_complete",
            "change_summary",
            "outputs"
        ]
    );
    let progress = &apply.of_type("apply_progress")[0];
    assert_eq!(progress["hook"]["elapsed_seconds"], 1);
    assert_eq!(
        progress["@message"],
        format!("{KRATOS}: Still creating... [1s elapsed]")
    );
}

#[test]
fn second_plan_after_apply_changes_nothing() {
    let ws = Ws::new("blue", iam_knobs());
    ws.init();
    ws.plan(&[]);
    assert_eq!(ws.apply().code, 0);
    let plan = ws.plan(&["-detailed-exitcode"]);
    assert_eq!(plan.code, 0, "detailed exit code 0 means no changes");
    assert!(plan.of_type("planned_change").is_empty());
    assert_eq!(plan.of_type("refresh_complete").len(), 3);
    let changes = &plan.of_type("change_summary")[0]["changes"];
    assert_eq!(
        (
            changes["add"].clone(),
            changes["change"].clone(),
            changes["remove"].clone()
        ),
        (json!(0), json!(0), json!(0))
    );
    let show = ws.run(&["show", "-json", "palette.tfplan"]).json();
    for rc in show["resource_changes"].as_array().into_iter().flatten() {
        assert_eq!(rc["change"]["actions"], json!(["no-op"]));
    }
    let apply = ws.apply();
    assert_eq!(apply.code, 0);
    assert!(apply.of_type("apply_start").is_empty());
}

#[test]
fn changed_variables_plan_updates_and_destroy_removes_everything() {
    let ws = Ws::new("blue", iam_knobs());
    ws.init();
    ws.plan(&[]);
    assert_eq!(ws.apply().code, 0);

    ws.write_tfvars("green");
    let plan = ws.plan(&[]);
    assert_eq!(plan.of_type("change_summary")[0]["changes"]["change"], 3);
    let apply = ws.apply();
    assert_eq!(apply.code, 0);
    assert!(apply.of_type("apply_start")[0]["@message"]
        .as_str()
        .is_some_and(|m| m.contains("Modifying... [id=")));

    let plan = ws.plan(&["-destroy"]);
    assert_eq!(plan.code, 0);
    let summary = &plan.of_type("change_summary")[0]["changes"];
    assert_eq!(
        (summary["remove"].clone(), summary["add"].clone()),
        (json!(3), json!(0))
    );
    let apply = ws.apply();
    assert_eq!(apply.code, 0, "{}", apply.stdout);
    let summary = &apply.of_type("change_summary")[0];
    assert_eq!(summary["changes"]["operation"], "destroy");
    assert_eq!(summary["changes"]["remove"], 3);
    assert!(ws.state_addresses().is_empty());
    assert_eq!(ws.run(&["output", "-json"]).json(), json!({}));
}

#[test]
fn stale_plan_is_rejected_after_state_or_variables_change() {
    let ws = Ws::new("blue", iam_knobs());
    ws.init();
    ws.plan(&[]);
    std::fs::copy(ws.file("palette.tfplan"), ws.file("old.tfplan")).unwrap_or_default();
    assert_eq!(ws.apply().code, 0);
    let stale = ws.run(&["apply", "-input=false", "-json", "old.tfplan"]);
    assert_eq!(stale.code, 1);
    let diag = &stale.of_type("diagnostic")[0]["diagnostic"];
    assert_eq!(diag["severity"], "error");
    assert_eq!(diag["summary"], "Saved plan is stale");

    ws.write_tfvars("blue");
    ws.plan(&[]);
    ws.write_tfvars("other");
    let stale = ws.apply();
    assert_eq!(stale.code, 1);
    assert_eq!(
        stale.of_type("diagnostic")[0]["diagnostic"]["summary"],
        "Saved plan is stale"
    );
}

#[test]
fn plan_before_init_fails_with_a_diagnostic() {
    let ws = Ws::new("blue", iam_knobs());
    let plan = ws.plan(&[]);
    assert_eq!(plan.code, 1);
    assert_eq!(plan.of_type("diagnostic").len(), 1);
}

#[test]
fn unknown_subcommands_and_flags_exit_1_with_usage_on_stderr() {
    let ws = Ws::new("blue", iam_knobs());
    let r = ws.run(&["frobnicate"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("has no command named \"frobnicate\""));
    assert!(r.stdout.is_empty());
    let r = ws.run(&["plan", "-json", "-frob"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("flag provided but not defined: -frob"));
    let r = ws.run(&["apply", "-json"]);
    assert_eq!(r.code, 1, "apply needs a saved plan or -auto-approve");
}

#[test]
fn version_prints_opentofu_text_or_json() {
    for flag in ["version", "-version", "--version"] {
        let out = std::process::Command::new(BIN).arg(flag).output();
        let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
        assert!(text
            .unwrap_or_default()
            .starts_with("OpenTofu v1.8.0 (palette stand-in)"));
    }
    let out = std::process::Command::new(BIN)
        .args(["version", "-json"])
        .output();
    let doc: Value = out
        .ok()
        .and_then(|o| serde_json::from_slice(&o.stdout).ok())
        .unwrap_or_default();
    assert_eq!(doc["terraform_version"], "1.8.0");
    assert_eq!(doc["standin"], true);
    assert!(doc["platform"].is_string());
}

#[test]
fn the_applied_charm_revisions_are_reported_in_the_outputs() {
    let ws = Ws::new("blue", iam_knobs());
    let vars = json!({
        "environment": "blue", "tier": "production", "channel": "edge",
        "manifest": {
            "hydra": {"charm": "hydra", "channel": "edge", "revision": 412},
            "kratos": {"charm": "kratos", "channel": "edge", "revision": null}
        },
        "upstream": {}
    });
    ws.write("palette.auto.tfvars.json", &vars.to_string());
    ws.init();
    ws.plan(&[]);
    assert_eq!(ws.apply().code, 0);
    let out = ws.run(&["output", "-json"]).json();
    assert_eq!(
        out["charm_revisions"]["value"],
        json!({"hydra": 412, "kratos": null})
    );
    // A new revision is a change the next plan shows.
    let vars = json!({
        "environment": "blue", "tier": "production", "channel": "edge",
        "manifest": {"hydra": {"charm": "hydra", "channel": "edge", "revision": 413}},
        "upstream": {}
    });
    ws.write("palette.auto.tfvars.json", &vars.to_string());
    let plan = ws.plan(&["-detailed-exitcode"]);
    assert_eq!(plan.code, 2, "detailed exit code 2 means changes");
}
