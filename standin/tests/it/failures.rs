//! Scripted failures: `fail` (with `times` and `env_prefix`), `fail_init`,
//! and environment overrides of the knobs.

use crate::support::{iam_knobs, Ws};
use serde_json::json;

const HYDRA: &str = "module.iam.juju_application.hydra";
const KRATOS: &str = "module.iam.juju_application.kratos";

fn failing_knobs(fail: serde_json::Value) -> serde_json::Value {
    let mut knobs = iam_knobs();
    knobs["fail"] = fail;
    knobs
}

#[test]
fn failing_resource_with_times_1_fails_once_keeps_earlier_resources_then_retry_succeeds() {
    let ws = Ws::new(
        "flaky-blue",
        failing_knobs(json!({"resource": HYDRA, "times": 1})),
    );
    ws.init();
    assert_eq!(ws.plan(&[]).code, 0);
    let apply = ws.apply();
    assert_eq!(apply.code, 1);
    assert_eq!(
        apply.types(),
        [
            "version",
            "apply_start",
            "apply_complete",
            "apply_start",
            "apply_errored",
            "diagnostic"
        ]
    );
    let errored = &apply.of_type("apply_errored")[0];
    assert_eq!(errored["@level"], "error");
    assert_eq!(errored["hook"]["resource"]["addr"], HYDRA);
    assert_eq!(errored["hook"]["action"], "create");
    let diag = &apply.of_type("diagnostic")[0]["diagnostic"];
    assert_eq!(diag["severity"], "error");
    assert_eq!(diag["address"], HYDRA);
    assert!(diag["summary"].is_string() && diag["detail"].is_string());
    assert_eq!(
        ws.state_addresses(),
        [KRATOS],
        "finished resources stay in state"
    );

    let plan = ws.plan(&[]);
    let changes = &plan.of_type("change_summary")[0]["changes"];
    assert_eq!(changes["add"], 2, "only what is missing is planned again");
    let retry = ws.apply();
    assert_eq!(retry.code, 0, "{}", retry.stdout);
    assert_eq!(ws.state_addresses().len(), 3);
}

#[test]
fn env_prefix_limits_failures_to_matching_environments() {
    let fail = json!({"resource": HYDRA, "env_prefix": "flaky"});
    let ws = Ws::new("blue", failing_knobs(fail.clone()));
    ws.init();
    ws.plan(&[]);
    assert_eq!(ws.apply().code, 0, "blue does not start with flaky");

    let ws = Ws::new("flaky-green", failing_knobs(fail));
    ws.init();
    for _ in 0..2 {
        ws.plan(&[]);
        assert_eq!(ws.apply().code, 1, "no times: fails every time");
    }
}

#[test]
fn failures_do_not_apply_to_destroy_unless_asked() {
    let ws = Ws::new("blue", iam_knobs());
    ws.init();
    ws.plan(&[]);
    assert_eq!(ws.apply().code, 0);
    ws.write(
        "standin.json",
        &failing_knobs(json!({"resource": HYDRA})).to_string(),
    );
    ws.plan(&["-destroy"]);
    assert_eq!(ws.apply().code, 0);

    ws.write("standin.json", &iam_knobs().to_string());
    ws.plan(&[]);
    assert_eq!(ws.apply().code, 0);
    let knobs = failing_knobs(json!({"resource": HYDRA, "during": "destroy"}));
    ws.write("standin.json", &knobs.to_string());
    ws.plan(&["-destroy"]);
    let apply = ws.apply();
    assert_eq!(apply.code, 1);
    assert_eq!(
        apply.of_type("apply_errored")[0]["hook"]["action"],
        "delete"
    );
}

#[test]
fn environment_variables_override_standin_json() {
    let ws = Ws::new("blue", iam_knobs());
    ws.init();
    let env = [
        (
            "TOFU_STANDIN_RESOURCES",
            "juju_model.core,juju_application.postgresql",
        ),
        (
            "TOFU_STANDIN_OUTPUTS",
            r#"{"model_uuid": "{uuid}", "n": 3}"#,
        ),
        ("TOFU_STANDIN_DELAY_MS", "0"),
    ];
    let plan = ws.run_env(&["plan", "-json", "-out=palette.tfplan"], &env);
    assert_eq!(plan.of_type("planned_change").len(), 2);
    let apply = ws.run_env(&["apply", "-json", "palette.tfplan"], &env);
    assert_eq!(apply.code, 0);
    let out = ws.run(&["output", "-json"]).json();
    assert_eq!(
        out["n"],
        json!({"sensitive": false, "type": "number", "value": 3})
    );
    let uuid = out["model_uuid"]["value"].as_str().unwrap_or_default();
    assert_eq!(uuid.len(), 36, "{uuid}");

    let fail = ws.run_env(
        &["plan", "-json", "-out=palette.tfplan"],
        &[("TOFU_STANDIN_FAIL", KRATOS)],
    );
    assert_eq!(fail.code, 0);
    let apply = ws.run_env(
        &["apply", "-json", "palette.tfplan"],
        &[("TOFU_STANDIN_FAIL", KRATOS)],
    );
    assert_eq!(apply.code, 1, "{}", apply.stdout);
}

#[test]
fn fail_init_makes_init_exit_1() {
    let ws = Ws::new("blue", json!({"fail_init": true}));
    let r = ws.run(&["init", "-input=false", "-no-color"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Error:"));
    let ws = Ws::new("blue", json!({}));
    let r = ws.run_env(&["init"], &[("TOFU_STANDIN_FAIL_INIT", "1")]);
    assert_eq!(r.code, 1);
}

#[test]
fn invalid_knobs_are_reported_not_ignored() {
    let ws = Ws::new("blue", json!({"resourcez": []}));
    let r = ws.run(&["init"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("resourcez"), "{}", r.stderr);
}
