//! SIGINT/SIGTERM during hangs: prompt exit, state saved, lock released.

use crate::support::Ws;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const K8S: &str = "module.k8s.openstack_compute_instance_v2.control_plane";
const MODEL: &str = "module.k8s.juju_model.controller";

/// Start `args`, read stdout until a line of type `until`, return the child
/// and the lines so far.
fn start_until(ws: &Ws, args: &[&str], envs: &[(&str, &str)], until: &str) -> (Child, Vec<Value>) {
    let mut cmd = ws.command(args);
    cmd.envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        let v: Value = serde_json::from_str(&line).unwrap_or_default();
        line.clear();
        let done = v["type"] == until;
        lines.push(v);
        if done {
            break;
        }
    }
    // Hand the rest of the output back through the child for the caller.
    child.stdout = None;
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
    });
    (child, lines)
}

fn signal(child: &Child, sig: &str) {
    let status = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status();
    assert!(status.is_ok_and(|s| s.success()));
}

/// Wait for exit; panic after `limit`.
fn wait_within(child: &mut Child, limit: Duration) -> i32 {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code().unwrap_or(-1);
        }
        assert!(start.elapsed() < limit, "still running after {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn knobs() -> Value {
    json!({
        "delay_ms": 0,
        "resources": [{"address": K8S}, {"address": MODEL}],
        "outputs": {"cluster_name": "{env}-k8s"}
    })
}

#[test]
fn sigint_during_hanging_apply_exits_within_2s_with_finished_resources_saved() {
    let ws = Ws::new("blue", knobs());
    ws.init();
    assert_eq!(ws.plan(&[]).code, 0);
    // `hang: apply` hangs at the first resource that changes.
    let hang = [("TOFU_STANDIN_HANG", "apply")];
    let (mut child, lines) = start_until(
        &ws,
        &["apply", "-input=false", "-json", "palette.tfplan"],
        &hang,
        "apply_start",
    );
    assert_eq!(
        lines.last().map(|l| l["hook"]["resource"]["addr"].clone()),
        Some(json!(K8S))
    );

    // While it runs, the state lock keeps a second operation out.
    let locked = ws.plan(&[]);
    assert_eq!(locked.code, 1);
    assert_eq!(
        locked.of_type("diagnostic")[0]["diagnostic"]["summary"],
        "Error acquiring the state lock"
    );

    let sent = Instant::now();
    signal(&child, "-INT");
    let code = wait_within(&mut child, Duration::from_secs(2));
    assert_eq!(code, 1);
    assert!(sent.elapsed() < Duration::from_secs(2));
    assert!(
        ws.state_addresses().is_empty(),
        "the hanging resource was abandoned"
    );

    // The lock is released and a new plan + apply finishes the job.
    assert_eq!(ws.plan(&[]).code, 0);
    let apply = ws.apply();
    assert_eq!(apply.code, 0, "{}", apply.stdout);
    assert_eq!(ws.state_addresses(), [K8S, MODEL]);
}

#[test]
fn interrupt_after_the_first_resource_keeps_it_in_state_and_says_so() {
    let ws = Ws::new(
        "blue",
        json!({"resources": [{"address": K8S, "delay_ms": 0}, {"address": MODEL, "delay_ms": 60000}]}),
    );
    ws.init();
    assert_eq!(ws.plan(&[]).code, 0);
    let mut cmd = ws.command(&["apply", "-input=false", "-json", "palette.tfplan"]);
    cmd.stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{e}"));
    let mut reader = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
    let mut seen = Vec::new();
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        let v: Value = serde_json::from_str(&line).unwrap_or_default();
        line.clear();
        let second_started = v["type"] == "apply_start" && v["hook"]["resource"]["addr"] == MODEL;
        seen.push(v);
        if second_started {
            break;
        }
    }
    signal(&child, "-TERM");
    let code = wait_within(&mut child, Duration::from_secs(2));
    let mut rest = String::new();
    let _ = reader.read_to_string(&mut rest);
    assert_eq!(code, 1);
    assert_eq!(ws.state_addresses(), [K8S]);
    let messages: Vec<String> = rest
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| v["@message"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("Interrupt received.")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m == "Stopping operation..."),
        "{messages:?}"
    );
}

#[test]
fn sigint_during_hanging_plan_exits_within_2s_without_writing_a_plan() {
    let ws = Ws::new("blue", knobs());
    ws.init();
    let (mut child, lines) = start_until(
        &ws,
        &["plan", "-input=false", "-json", "-out=palette.tfplan"],
        &[("TOFU_STANDIN_HANG", "plan")],
        "version",
    );
    assert_eq!(lines.len(), 1);
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, "-INT");
    assert_eq!(wait_within(&mut child, Duration::from_secs(2)), 1);
    assert!(!ws.file("palette.tfplan").exists());
}

#[test]
fn a_second_sigint_still_ends_the_process_promptly_with_status_1() {
    let ws = Ws::new("blue", knobs());
    ws.init();
    let (mut child, _) = start_until(
        &ws,
        &["plan", "-json", "-out=palette.tfplan"],
        &[("TOFU_STANDIN_HANG", "plan")],
        "version",
    );
    std::thread::sleep(Duration::from_millis(100));
    signal(&child, "-INT");
    signal(&child, "-INT");
    assert_eq!(wait_within(&mut child, Duration::from_secs(2)), 1);
}
