//! The layer runner with the real `terraform` (or `tofu`; see
//! `testkit::terraform`), through the queue, over a copy of the rehearsal
//! tree (`examples/rehearsal`: built-in `terraform_data` resources, layers
//! wired by `terraform_remote_state` on the local backend) laid out by the
//! default blueprint. What these tests check is what the stand-in cannot
//! prove: that the runner reads the real `-json` stream, `show -json` and
//! `output -json`, and copes with the real state lock, SIGINT and a stale
//! saved plan.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::queue::*;
use domain::EnvironmentStatus;
use engine::queue::{self, JobId, JobKind, JobStatus, NewJob, PlanSummary, Registry, StepStatus};
use engine::queue::{Step, Workers};
use engine::runner::{self, Blueprint, LayerBin, LayerRunner, RunnerConfig};
use engine::store::{environments, layer_outputs};
use engine::Store;
use serde_json::{json, Value};
use testkit::s3::S3Backend;
use testkit::{contract_test, terraform, TestDatabase};

/// Between SIGINT and SIGKILL: long enough that Terraform always stops by
/// itself (it takes well under a second here).
const GRACE: Duration = Duration::from_secs(10);

/// A copy of `examples/rehearsal` (modules and scaffolds; workspaces are
/// created under it by the runner).
fn rehearsal() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rehearsal");
    let dir = tempfile::Builder::new()
        .prefix("palette-rehearsal")
        .tempdir()
        .unwrap();
    for part in ["modules", "scaffold"] {
        copy_dir(&src.join(part), &dir.path().join(part));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Makes `layer`'s slow resource take `seconds` to create, in workspaces
/// made from now on.
fn slow(infra: &Path, layer: &str, seconds: u64) {
    std::fs::write(
        infra
            .join("scaffold")
            .join(layer)
            .join("slow.auto.tfvars.json"),
        json!({ "apply_seconds": seconds }).to_string(),
    )
    .unwrap();
}

/// The default blueprint's layers (and workspace layout), with short
/// timeouts.
fn blueprint() -> Blueprint {
    let layers = Blueprint::default_layers()
        .into_iter()
        .map(|mut l| {
            l.timeout = Duration::from_secs(120);
            l
        })
        .collect();
    Blueprint::new(layers).unwrap()
}

/// Where the default blueprint puts `layer`'s workspace of `env` (tier
/// staging).
fn workspace(infra: &Path, layer: &str, env: &str) -> PathBuf {
    let rel = match layer {
        "k8s" => format!("environments/k8s/prodstack/6/staging/{env}"),
        _ => format!("environments/juju/prodstack/6/staging/{env}-{layer}"),
    };
    infra.join(rel)
}

/// How the runner names the binary in its messages (`terraform`, `tofu`).
fn name_of(bin: &Path) -> String {
    bin.file_name().unwrap().to_string_lossy().into_owned()
}

fn registry(infra: &Path, bin: PathBuf) -> Registry {
    let config = RunnerConfig {
        bin: LayerBin {
            path: bin,
            simulated: false,
        },
        infra_dir: infra.to_path_buf(),
        blueprint: blueprint(),
        secrets: vec![],
        cancel_grace: GRACE,
        env: engine::runner::EnvAllowList::default(),
        exec_wrapper: None,
        layer_parallelism: 4,
    };
    runner::register(Registry::new(), Arc::new(LayerRunner::new(config)))
}

async fn enqueue(store: &Store, kind: JobKind, env: &str) -> JobId {
    let mut tx = store.pool().begin().await.unwrap();
    let id = queue::enqueue(
        &mut *tx,
        NewJob::new(kind, json!({ "environment": env }), "user:anne").for_environment(env),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn retry(store: &Store, id: JobId) {
    let mut conn = store.pool().acquire().await.unwrap();
    queue::retry(&mut conn, id).await.unwrap();
}

async fn status(store: &Store, env: &str) -> EnvironmentStatus {
    let name = domain::EnvironmentName::parse(env).unwrap();
    environments::get_by_name(store.pool(), &name)
        .await
        .unwrap()
        .unwrap()
        .summary
        .status
}

fn step<'a>(steps: &'a [Step], name: &str) -> &'a Step {
    steps
        .iter()
        .find(|s| format!("{}/{}", s.layer, s.phase) == name)
        .unwrap_or_else(|| panic!("no step {name} in {steps:?}"))
}

fn names(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .map(|s| format!("{}/{}", s.layer, s.phase))
        .collect()
}

fn adds(n: i64) -> Option<PlanSummary> {
    Some(PlanSummary {
        add: n,
        change: 0,
        destroy: 0,
    })
}

/// The workspace's state, as JSON (it must parse).
fn state(ws: &Path) -> Value {
    let text = std::fs::read_to_string(ws.join("terraform.tfstate")).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("state is not JSON ({e}): {text}"))
}

async fn log_text(store: &Store, id: JobId) -> String {
    queue::logs(store.pool(), id, 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `create` for `env` over `layers` and waits for it to succeed.
async fn create(store: &Store, env: &str, layers: &[&str]) -> JobId {
    create_environment(store, env, layers).await;
    let id = enqueue(store, JobKind::EnvironmentCreate, env).await;
    let job = wait_finished(store, id, Duration::from_secs(120)).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    id
}

contract_test!(
    real_terraform_applies_every_layer_in_order_and_downstream_layers_read_upstream_state,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let infra = rehearsal();
        let bin = terraform::binary();
        let workers = Workers::start(
            store.clone(),
            registry(infra.path(), bin.clone()),
            fast_config(1),
        );
        let all = ["k8s", "core", "iam", "jimm", "cos-integration"];
        let id = create(&store, "teal", &all).await;

        let steps = queue::steps(store.pool(), id).await.unwrap();
        assert_eq!(
            names(&steps),
            [
                "k8s/plan",
                "k8s/apply",
                "core/plan",
                "core/apply",
                "iam/plan",
                "iam/apply",
                "jimm/plan",
                "jimm/apply",
                "cos-integration/plan",
                "cos-integration/apply"
            ]
        );
        assert!(steps.iter().all(|s| s.status == StepStatus::Succeeded));
        // Counts from `show -json` and progress from the apply's
        // `apply_complete` lines: N of N, not more planned than applied.
        for (layer, n) in [
            ("k8s", 3),
            ("core", 2),
            ("iam", 2),
            ("jimm", 1),
            ("cos-integration", 1),
        ] {
            let plan = step(&steps, &format!("{layer}/plan"));
            assert_eq!(plan.summary, adds(n), "{layer}");
            assert_eq!(
                plan.message.as_deref(),
                Some(format!("{n} to add, 0 to change, 0 to destroy").as_str())
            );
            let apply = step(&steps, &format!("{layer}/apply"));
            assert_eq!(
                (apply.progress.done, apply.progress.planned),
                (n, n),
                "{layer}: {apply:?}"
            );
        }
        // Each layer ran after the ones it reads; cos-integration, which
        // needs only k8s, beside core → iam → jimm.
        for (layer, needs) in [
            ("core", "k8s"),
            ("iam", "core"),
            ("jimm", "iam"),
            ("cos-integration", "k8s"),
        ] {
            let plan = step(&steps, &format!("{layer}/plan"));
            let need = step(&steps, &format!("{needs}/apply"));
            assert!(plan.started_at >= need.finished_at, "{plan:?} {need:?}");
        }
        assert!(
            step(&steps, "cos-integration/plan").started_at < step(&steps, "jimm/plan").started_at,
            "cos-integration did not wait for iam: {steps:?}"
        );
        assert_eq!(status(&store, "teal").await, EnvironmentStatus::Ready);

        let outputs = layer_outputs::for_environment(store.pool(), "teal")
            .await
            .unwrap();
        assert_eq!(outputs["k8s"]["cluster_name"], "teal-k8s");
        assert_eq!(
            outputs["iam"]["oidc_issuer"],
            "https://iam.teal.example.com"
        );
        assert_eq!(outputs["jimm"]["jimm_url"], "https://jimm.teal.example.com");
        assert_eq!(outputs["cos-integration"]["collector_cluster"], "teal-k8s");
        // The cluster's id is made by Terraform at apply: core can only
        // have it from k8s's state.
        let cluster_id = outputs["k8s"]["cluster_id"].as_str().unwrap();
        assert_eq!(cluster_id.len(), 36, "a UUID: {cluster_id}");
        assert_eq!(outputs["core"]["upstream_k8s_cluster_id"], cluster_id);
        assert_eq!(
            outputs["iam"]["upstream_core_model_uuid"],
            outputs["core"]["model_uuid"]
        );
        // Palette's `upstream` variable carries the same values.
        let tfvars: Value = serde_json::from_str(
            &std::fs::read_to_string(workspace(infra.path(), "core", "teal").join(runner::TFVARS))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(tfvars["upstream"]["k8s"]["cluster_id"], cluster_id);
        let logs = log_text(&store, id).await;
        assert!(
            logs.contains("\"type\":\"version\""),
            "the real binary's JSON UI"
        );

        // Again, with nothing changed: every plan is empty, nothing is applied.
        let again = enqueue(&store, JobKind::EnvironmentApply, "teal").await;
        let job = wait_finished(&store, again, Duration::from_secs(120)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
        let steps = queue::steps(store.pool(), again).await.unwrap();
        for s in &steps {
            assert_eq!(s.status, StepStatus::Succeeded);
            assert_eq!(s.summary, adds(0), "{s:?}");
            assert_eq!((s.progress.done, s.progress.planned), (0, 0), "{s:?}");
        }
        let after = layer_outputs::for_environment(store.pool(), "teal")
            .await
            .unwrap();
        assert_eq!(after, outputs, "nothing was replaced");
        assert!(log_text(&store, again)
            .await
            .contains("0 to add, 0 to change, 0 to destroy"));
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_terraform_destroys_layers_in_reverse_order() {
    testkit::init_tracing();
    let db = testkit::sqlite();
    let store = store(&db).await;
    let infra = rehearsal();
    let workers = Workers::start(
        store.clone(),
        registry(infra.path(), terraform::binary()),
        fast_config(1),
    );
    create(&store, "teal", &["k8s", "core", "iam"]).await;

    let id = enqueue(&store, JobKind::EnvironmentDestroy, "teal").await;
    let job = wait_finished(&store, id, Duration::from_secs(120)).await;
    workers.shutdown(Duration::from_secs(5)).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    let steps = queue::steps(store.pool(), id).await.unwrap();
    assert_eq!(
        names(&steps),
        [
            "iam/plan",
            "iam/apply",
            "core/plan",
            "core/apply",
            "k8s/plan",
            "k8s/apply"
        ]
    );
    for (layer, n) in [("iam", 2), ("core", 2), ("k8s", 3)] {
        let plan = step(&steps, &format!("{layer}/plan"));
        assert_eq!(
            plan.summary,
            Some(PlanSummary {
                add: 0,
                change: 0,
                destroy: n
            }),
            "{layer}"
        );
        let apply = step(&steps, &format!("{layer}/apply"));
        assert_eq!((apply.progress.done, apply.progress.planned), (n, n));
        let resources = state(&workspace(infra.path(), layer, "teal"))["resources"].clone();
        assert_eq!(resources, json!([]), "{layer} left resources behind");
    }
    assert_eq!(status(&store, "teal").await, EnvironmentStatus::Destroyed);
    assert!(layer_outputs::for_environment(store.pool(), "teal")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_real_apply_interrupts_terraform_which_saves_its_state_and_a_retry_finishes() {
    testkit::init_tracing();
    let db = testkit::sqlite();
    let store = store(&db).await;
    let infra = rehearsal();
    slow(infra.path(), "core", 300);
    let workers = Workers::start(
        store.clone(),
        registry(infra.path(), terraform::binary()),
        fast_config(1),
    );
    create_environment(&store, "teal", &["k8s", "core"]).await;
    let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;

    // Wait until core's apply has created `model` and is in the sleep of
    // `postgresql`'s local-exec (k8s's sleeps 0).
    let ws = workspace(infra.path(), "core", "teal");
    let start = Instant::now();
    while !log_text(&store, id).await.contains("sleep 300") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "core's apply never got to its local-exec: {}",
            log_text(&store, id).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let terraform: Vec<i32> = pids_mentioning(&path_str(&ws))
        .into_iter()
        .filter(|p| !group_members(*p).is_empty())
        .collect();
    assert_eq!(
        terraform.len(),
        1,
        "one terraform apply runs: {terraform:?}"
    );
    let group = terraform[0];
    // Terraform says "Executing" just before it starts the command.
    while group_members(group).len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the local-exec never joined terraform's process group: {:?}",
            group_members(group)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let mut conn = store.pool().acquire().await.unwrap();
    assert_eq!(
        queue::cancel(&mut conn, id).await.unwrap(),
        queue::CancelOutcome::Requested
    );
    drop(conn);
    let asked = Instant::now();
    let job = wait_finished(&store, id, Duration::from_secs(30)).await;
    // Well inside the grace period: Terraform stopped on SIGINT by itself,
    // it was not killed.
    assert!(
        asked.elapsed() < GRACE / 2,
        "took {:?} to stop",
        asked.elapsed()
    );
    assert_eq!(job.status, JobStatus::Cancelled, "{job:?}");
    assert_eq!(job.stopped_at.as_deref(), Some("core/apply"));
    assert!(
        group_members(group).is_empty(),
        "left running: {:?}",
        group_members(group)
    );
    assert!(pids_mentioning(&path_str(&ws)).is_empty());
    let logs = log_text(&store, id).await;
    assert!(logs.contains("Interrupt received"), "{logs}");
    let steps = queue::steps(store.pool(), id).await.unwrap();
    assert_eq!(step(&steps, "core/apply").status, StepStatus::Cancelled);
    assert_eq!(step(&steps, "k8s/apply").status, StepStatus::Succeeded);
    // The state was written and the lock released: `model` is there,
    // `postgresql` (interrupted in its provisioner) is tainted.
    assert!(!ws.join(".terraform.tfstate.lock.info").exists());
    let saved = state(&ws);
    let instances: Vec<(String, Option<String>)> = saved["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["mode"] == "managed")
        .map(|r| {
            (
                format!(
                    "{}.{}",
                    r["module"].as_str().unwrap_or(""),
                    r["name"].as_str().unwrap()
                ),
                r["instances"][0]["status"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        instances,
        [
            ("module.core.model".to_owned(), None),
            ("module.core.postgresql".to_owned(), Some("tainted".into()))
        ]
    );

    // A retry (now fast) plans what is left: replace the tainted one.
    std::fs::remove_file(ws.join("slow.auto.tfvars.json")).unwrap();
    retry(&store, id).await;
    let job = wait_finished(&store, id, Duration::from_secs(120)).await;
    workers.shutdown(Duration::from_secs(5)).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    let steps = queue::steps(store.pool(), id).await.unwrap();
    assert_eq!(
        step(&steps, "core/plan").summary,
        Some(PlanSummary {
            add: 1,
            change: 0,
            destroy: 1
        })
    );
    let apply = step(&steps, "core/apply");
    assert_eq!((apply.progress.done, apply.progress.planned), (2, 2));
    assert_eq!(status(&store, "teal").await, EnvironmentStatus::Ready);
}

/// Starts `terraform apply -auto-approve` in `ws` out of band, replacing
/// `resource` with a local-exec of `seconds`, in its own process group.
fn hold_lock(bin: &Path, ws: &Path, resource: &str, seconds: u64) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    std::process::Command::new(bin)
        .arg(format!("-chdir={}", ws.display()))
        .args([
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            &format!("-replace={resource}"),
            &format!("-var=apply_seconds={seconds}"),
        ])
        .env("TF_IN_AUTOMATION", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_lock_held_by_another_terraform_fails_the_plan_at_once_naming_the_lock() {
    testkit::init_tracing();
    let db = testkit::sqlite();
    let store = store(&db).await;
    let infra = rehearsal();
    let bin = terraform::binary();
    let workers = Workers::start(
        store.clone(),
        registry(infra.path(), bin.clone()),
        fast_config(1),
    );
    create(&store, "teal", &["k8s"]).await;
    let ws = workspace(infra.path(), "k8s", "teal");
    let mut holder = hold_lock(&bin, &ws, "module.k8s.terraform_data.cluster", 300);
    let start = Instant::now();
    while !ws.join(".terraform.tfstate.lock.info").exists() {
        assert!(start.elapsed() < Duration::from_secs(30), "no lock taken");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The runner passes no -lock-timeout: the plan fails at once rather
    // than waiting (Palette's own jobs never overlap on an environment, so
    // a held lock is someone else's work).
    let id = enqueue(&store, JobKind::EnvironmentApply, "teal").await;
    let asked = Instant::now();
    let job = wait_finished(&store, id, Duration::from_secs(60)).await;
    assert!(asked.elapsed() < Duration::from_secs(20));
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
    assert_eq!(job.stopped_at.as_deref(), Some("k8s/plan"));
    let error = job.last_error.unwrap();
    assert!(
        error.starts_with(&format!(
            "{} plan exited with 1: Error acquiring the state lock: held by ",
            name_of(&bin)
        )),
        "{error}"
    );
    assert!(
        error.contains("OperationTypeApply"),
        "says who holds it: {error}"
    );
    let steps = queue::steps(store.pool(), id).await.unwrap();
    assert_eq!(step(&steps, "k8s/plan").status, StepStatus::Failed);
    assert_eq!(holder.try_wait().unwrap(), None, "the holder still runs");

    // Once the other terraform has stopped, a retry goes through.
    nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(i32::try_from(holder.id()).unwrap()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    holder.wait().unwrap();
    retry(&store, id).await;
    let job = wait_finished(&store, id, Duration::from_secs(120)).await;
    workers.shutdown(Duration::from_secs(5)).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_made_stale_by_another_apply_is_refused_and_a_retry_plans_again() {
    testkit::init_tracing();
    let db = testkit::sqlite();
    let store = store(&db).await;
    let infra = rehearsal();
    let bin = terraform::binary();
    // Between the runner's plan and its apply, once, another terraform
    // applies the same workspace (replacing the cluster).
    let wrapper = infra.path().join("bin").join(name_of(&bin));
    let marker = infra.path().join("applied-out-of-band");
    std::fs::create_dir_all(wrapper.parent().unwrap()).unwrap();
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n\
             if [ \"$2\" = apply ] && [ ! -e '{marker}' ]; then\n\
             \x20 touch '{marker}'\n\
             \x20 '{bin}' \"$1\" apply -auto-approve -input=false -no-color >/dev/null 2>&1 || exit 99\n\
             fi\n\
             exec '{bin}' \"$@\"\n",
            marker = marker.display(),
            bin = bin.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&wrapper)
        .status()
        .unwrap();
    let workers = Workers::start(
        store.clone(),
        registry(infra.path(), wrapper),
        fast_config(1),
    );
    create_environment(&store, "teal", &["k8s"]).await;
    let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;
    let job = wait_finished(&store, id, Duration::from_secs(120)).await;
    assert!(marker.exists(), "the out-of-band apply ran");
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
    assert_eq!(job.stopped_at.as_deref(), Some("k8s/apply"));
    let error = job.last_error.unwrap();
    // The promotion runner looks for these words to supersede a promotion.
    assert_eq!(
        error,
        format!("{} apply exited with 1: Saved plan is stale", name_of(&bin))
    );
    let steps = queue::steps(store.pool(), id).await.unwrap();
    assert_eq!(step(&steps, "k8s/apply").status, StepStatus::Failed);
    assert_eq!(status(&store, "teal").await, EnvironmentStatus::Failed);
    let ws = workspace(infra.path(), "k8s", "teal");
    let cluster_id = state(&ws)["outputs"]["cluster_id"]["value"].clone();

    // The retry plans again over the state the other apply left: nothing to do.
    retry(&store, id).await;
    let job = wait_finished(&store, id, Duration::from_secs(120)).await;
    workers.shutdown(Duration::from_secs(5)).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    let steps = queue::steps(store.pool(), id).await.unwrap();
    assert_eq!(step(&steps, "k8s/plan").summary, adds(0));
    let outputs = layer_outputs::for_environment(store.pool(), "teal")
        .await
        .unwrap();
    assert_eq!(outputs["k8s"]["cluster_id"], cluster_id);
    assert_eq!(status(&store, "teal").await, EnvironmentStatus::Ready);
}

/// Kills process group `group` at once, as the OOM killer or a host crash
/// would: nothing gets to unlock.
fn kill_group(group: i32) {
    nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(group),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_lock_the_jobs_own_killed_terraform_left_is_unlocked_and_anyone_elses_is_not() {
    testkit::init_tracing();
    let db = testkit::sqlite();
    let store = store(&db).await;
    let infra = rehearsal();
    let backend = S3Backend::start().await;
    backend.configure(&infra.path().join("scaffold/k8s"), "k8s");
    slow(infra.path(), "k8s", 300);
    let bin = terraform::binary();
    let workers = Workers::start(
        store.clone(),
        registry(infra.path(), bin.clone()),
        fast_config(1),
    );
    create_environment(&store, "teal", &["k8s"]).await;
    let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;

    // The apply holds the lock; its terraform is killed outright.
    backend.wait_locked_for("k8s", "OperationTypeApply").await;
    let ws = workspace(infra.path(), "k8s", "teal");
    let terraform: Vec<i32> = pids_mentioning(&path_str(&ws))
        .into_iter()
        .filter(|p| !group_members(*p).is_empty())
        .collect();
    assert_eq!(terraform.len(), 1, "one terraform runs: {terraform:?}");
    kill_group(terraform[0]);
    let job = wait_finished(&store, id, Duration::from_secs(30)).await;
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
    assert_eq!(
        job.last_error.as_deref(),
        Some(format!("{} apply exited with a signal", name_of(&bin)).as_str())
    );
    let left = backend
        .lock("k8s")
        .expect("the killed terraform left its lock");
    let left_id = left["ID"].as_str().unwrap().to_owned();

    // The retry (now fast) finds the lock, knows it for its own earlier
    // apply, which it saw end, unlocks it and applies.
    std::fs::remove_file(ws.join("slow.auto.tfvars.json")).unwrap();
    retry(&store, id).await;
    let job = wait_finished(&store, id, Duration::from_secs(120)).await;
    let logs = log_text(&store, id).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}\n{logs}");
    assert!(
        logs.contains(&format!(
            "palette: the state lock {left_id} was left by this job's own apply started at "
        )),
        "{logs}"
    );
    assert!(
        logs.contains("which Palette saw end; unlocking it"),
        "{logs}"
    );
    assert!(
        logs.contains(&format!("force-unlock -force {left_id}")),
        "{logs}"
    );
    assert_eq!(backend.lock("k8s"), None);
    assert_eq!(status(&store, "teal").await, EnvironmentStatus::Ready);

    // Someone else's stale lock (a terraform run by hand, killed while
    // applying) is left alone: a job's first run fails on it as before,
    // and its retry says why it did not unlock it.
    let mut holder = hold_lock(&bin, &ws, "module.k8s.terraform_data.cluster", 300);
    let foreign = backend.wait_locked_for("k8s", "OperationTypeApply").await;
    kill_group(i32::try_from(holder.id()).unwrap());
    holder.wait().unwrap();
    let id = enqueue(&store, JobKind::EnvironmentApply, "teal").await;
    let job = wait_finished(&store, id, Duration::from_secs(60)).await;
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
    let error = job.last_error.unwrap();
    assert!(
        error.contains("Error acquiring the state lock: held by ") && !error.contains("unlocked"),
        "{error}"
    );
    retry(&store, id).await;
    let job = wait_finished(&store, id, Duration::from_secs(60)).await;
    workers.shutdown(Duration::from_secs(5)).await;
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
    let error = job.last_error.unwrap();
    assert!(
        error.ends_with(&format!(
            "; not unlocked: no earlier run of this job took it (it is held by {} for apply)",
            foreign["Who"].as_str().unwrap()
        )),
        "{error}"
    );
    assert_eq!(backend.lock("k8s"), Some(foreign));
}
