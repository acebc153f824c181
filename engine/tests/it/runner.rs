//! The layer runner with real processes (the stand-in CLI), through the
//! queue, on SQLite and PostgreSQL.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::queue::*;
use domain::{EnvironmentName, EnvironmentStatus};
use engine::queue::{
    self, JobId, JobKind, JobStatus, NewJob, Phase, Registry, StepStatus, Workers,
};
use engine::runner::{self, Blueprint, LayerBin, LayerRunner, LayerSpec, RunnerConfig};
use engine::store::{environments, layer_outputs};
use engine::Store;
use serde_json::json;
use testkit::{contract_test, TestDatabase};

fn spec(name: &str, deps: &[&str], timeout: Duration) -> LayerSpec {
    LayerSpec {
        name: name.into(),
        depends_on: deps.iter().map(|d| (*d).into()).collect(),
        workspace: format!("environments/{{tier}}/{{env}}-{name}"),
        scaffold: None,
        applications: vec![],
        timeout,
    }
}

fn knobs(delay_ms: u64, resources: usize) -> serde_json::Value {
    let resources: Vec<serde_json::Value> = (0..resources)
        .map(|i| json!({ "address": format!("terraform_data.r{i}") }))
        .collect();
    json!({ "delay_ms": delay_ms, "resources": resources, "outputs": { "url": "https://{env}.example.com" } })
}

fn registry(infra: &Path, layers: Vec<LayerSpec>, bin: PathBuf, secrets: Vec<String>) -> Registry {
    let config = RunnerConfig {
        bin: LayerBin {
            path: bin,
            simulated: true,
        },
        infra_dir: infra.to_path_buf(),
        blueprint: Blueprint::new(layers).unwrap(),
        secrets,
        cancel_grace: Duration::from_millis(1500),
        env: engine::runner::EnvAllowList::default(),
        exec_wrapper: None,
        layer_parallelism: 4,
    };
    runner::register(Registry::new(), Arc::new(LayerRunner::new(config)))
}

async fn enqueue(store: &Store, kind: JobKind, env: &str) -> JobId {
    let mut tx = store.pool().begin().await.unwrap();
    let payload = json!({ "environment": env });
    let id = queue::enqueue(
        &mut *tx,
        NewJob::new(kind, payload, "user:anne").for_environment(env),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn status(store: &Store, env: &str) -> EnvironmentStatus {
    let name = EnvironmentName::parse(env).unwrap();
    environments::get_by_name(store.pool(), &name)
        .await
        .unwrap()
        .unwrap()
        .summary
        .status
}

fn step_names(steps: &[queue::Step]) -> Vec<String> {
    steps
        .iter()
        .map(|s| format!("{}/{}", s.layer, s.phase))
        .collect()
}

contract_test!(
    create_runs_layers_in_order_and_hands_outputs_downstream,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let infra = infra_tree(&[("a", knobs(20, 2)), ("b", knobs(20, 3))]);
        let layers = vec![
            spec("b", &["a"], Duration::from_secs(60)),
            spec("a", &[], Duration::from_secs(60)),
        ];
        create_environment(&store, "teal", &["a", "b"]).await;
        let workers = Workers::start(
            store.clone(),
            registry(infra.path(), layers, standin(), vec![]),
            fast_config(2),
        );

        let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;
        let job = wait_finished(&store, id, Duration::from_secs(60)).await;
        assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
        let steps = queue::steps(store.pool(), id).await.unwrap();
        assert_eq!(
            step_names(&steps),
            ["a/plan", "a/apply", "b/plan", "b/apply"]
        );
        assert!(steps.iter().all(|s| s.status == StepStatus::Succeeded));
        assert_eq!(
            steps[1].summary,
            Some(queue::PlanSummary {
                add: 2,
                change: 0,
                destroy: 0
            })
        );
        assert_eq!((steps[3].progress.done, steps[3].progress.planned), (3, 3));
        assert_eq!(status(&store, "teal").await, EnvironmentStatus::Ready);

        let outputs = layer_outputs::for_environment(store.pool(), "teal")
            .await
            .unwrap();
        assert_eq!(outputs["a"]["url"], "https://teal.example.com");
        let tfvars = infra
            .path()
            .join("environments/staging/teal-b")
            .join(runner::TFVARS);
        let tfvars: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(tfvars).unwrap()).unwrap();
        assert_eq!(tfvars["upstream"]["a"]["url"], "https://teal.example.com");
        assert_eq!(tfvars["tier"], "staging");
        let main_tf =
            std::fs::read_to_string(infra.path().join("environments/staging/teal-b/main.tf"))
                .unwrap();
        assert!(main_tf.contains("\"../../../modules/b\""), "{main_tf}");
        let logs = queue::logs(store.pool(), id, 0, 10_000).await.unwrap();
        assert!(logs
            .iter()
            .any(|l| l.line.contains("\"type\":\"apply_complete\"")));

        let destroy = enqueue(&store, JobKind::EnvironmentDestroy, "teal").await;
        let job = wait_finished(&store, destroy, Duration::from_secs(60)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
        let steps = queue::steps(store.pool(), destroy).await.unwrap();
        assert_eq!(
            step_names(&steps),
            ["b/plan", "b/apply", "a/plan", "a/apply"],
            "destroy runs in reverse order"
        );
        assert_eq!(
            steps[0].summary,
            Some(queue::PlanSummary {
                add: 0,
                change: 0,
                destroy: 3
            })
        );
        assert_eq!(status(&store, "teal").await, EnvironmentStatus::Destroyed);
        assert!(layer_outputs::for_environment(store.pool(), "teal")
            .await
            .unwrap()
            .is_empty());
    }
);

contract_test!(
    a_failed_layer_stops_the_job_and_retry_resumes_from_it,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let mut failing = knobs(20, 2);
        failing["fail"] = json!({ "resource": "terraform_data.r1", "times": 1 });
        let infra = infra_tree(&[("a", knobs(20, 2)), ("b", failing), ("c", knobs(20, 1))]);
        let t = Duration::from_secs(60);
        let layers = vec![
            spec("a", &[], t),
            spec("b", &["a"], t),
            spec("c", &["b"], t),
        ];
        create_environment(&store, "teal", &["a", "b", "c"]).await;
        let workers = Workers::start(
            store.clone(),
            registry(infra.path(), layers, standin(), vec![]),
            fast_config(1),
        );

        let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;
        let job = wait_finished(&store, id, Duration::from_secs(60)).await;
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(
            job.attempts, 1,
            "infrastructure jobs are not retried by themselves"
        );
        assert_eq!(job.stopped_at.as_deref(), Some("b/apply"));
        assert!(
            job.last_error
                .as_deref()
                .unwrap()
                .contains("apply exited with 1"),
            "{job:?}"
        );
        assert_eq!(status(&store, "teal").await, EnvironmentStatus::Failed);
        let before = queue::steps(store.pool(), id).await.unwrap();
        let statuses: Vec<StepStatus> = before.iter().map(|s| s.status).collect();
        use StepStatus::{Failed, Pending, Succeeded};
        assert_eq!(
            statuses,
            [Succeeded, Succeeded, Succeeded, Failed, Pending, Pending]
        );

        let mut conn = store.pool().acquire().await.unwrap();
        queue::retry(&mut conn, id).await.unwrap();
        drop(conn);
        let job = wait_finished(&store, id, Duration::from_secs(60)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
        let after = queue::steps(store.pool(), id).await.unwrap();
        assert!(after.iter().all(|s| s.status == StepStatus::Succeeded));
        assert_eq!(
            after[1].started_at, before[1].started_at,
            "layer a was not run again"
        );
        assert_eq!(status(&store, "teal").await, EnvironmentStatus::Ready);
    }
);

contract_test!(
    cancel_stops_the_whole_process_group_within_the_grace_period,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let mut hang = knobs(20, 2);
        hang["hang"] = json!("apply");
        let infra = infra_tree(&[("a", hang)]);
        // A wrapper that leaves a SIGINT-immune grandchild in the group during apply.
        let wrapper = infra.path().join("tofu-wrapper");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\ncase \"$*\" in *\" apply \"*) sleep 300 & ;; esac\nexec {} \"$@\"\n",
                standin().display()
            ),
        )
        .unwrap();
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&wrapper)
            .status()
            .unwrap();
        create_environment(&store, "teal", &["a"]).await;
        let layers = vec![spec("a", &[], Duration::from_secs(60))];
        let workers = Workers::start(
            store.clone(),
            registry(infra.path(), layers, wrapper, vec![]),
            fast_config(1),
        );
        let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;

        let ws = path_str(&infra.path().join("environments/staging/teal-a"));
        let start = Instant::now();
        let pgid = loop {
            let pids: Vec<i32> = pids_mentioning(&ws)
                .into_iter()
                .filter(|p| !group_members(*p).is_empty())
                .collect();
            if let Some(pid) = pids.first() {
                let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                if String::from_utf8_lossy(&cmdline).contains("apply")
                    && group_members(*pid).len() >= 2
                {
                    break *pid;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "apply never started"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let mut conn = store.pool().acquire().await.unwrap();
        assert_eq!(
            queue::cancel(&mut conn, id).await.unwrap(),
            queue::CancelOutcome::Requested
        );
        drop(conn);
        let asked = Instant::now();
        let job = wait_finished(&store, id, Duration::from_secs(15)).await;
        // grace (1.5 s) + cancel check (0.2 s) + slack
        assert!(
            asked.elapsed() < Duration::from_secs(4),
            "took {:?}",
            asked.elapsed()
        );
        assert_eq!(job.status, JobStatus::Cancelled);
        assert_eq!(job.stopped_at.as_deref(), Some("a/apply"));
        assert!(
            group_members(pgid).is_empty(),
            "processes left in group {pgid}: {:?}",
            group_members(pgid)
        );
        let steps = queue::steps(store.pool(), id).await.unwrap();
        assert_eq!(steps[1].status, StepStatus::Cancelled);
        let logs = queue::logs(store.pool(), id, 0, 10_000).await.unwrap();
        assert!(
            logs.iter().any(|l| l.line.contains("Interrupt received")),
            "the child saw SIGINT"
        );
        workers.shutdown(Duration::from_secs(5)).await;
    }
);

contract_test!(
    a_layer_past_its_timeout_is_interrupted_and_fails,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let mut hang = knobs(20, 1);
        hang["hang"] = json!("plan");
        let infra = infra_tree(&[("a", hang)]);
        create_environment(&store, "teal", &["a"]).await;
        let layers = vec![spec("a", &[], Duration::from_secs(1))];
        let workers = Workers::start(
            store.clone(),
            registry(infra.path(), layers, standin(), vec![]),
            fast_config(1),
        );
        let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;
        let job = wait_finished(&store, id, Duration::from_secs(20)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(job.stopped_at.as_deref(), Some("a/plan"));
        assert!(job.last_error.unwrap().contains("timed out after 1 s"));
        assert_eq!(
            queue::steps(store.pool(), id).await.unwrap()[0].status,
            StepStatus::Failed
        );
    }
);

contract_test!(
    known_secrets_never_reach_the_stored_logs,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let secret = "s3cr3t-Value-42";
        let mut leaky = knobs(20, 1);
        leaky["outputs"] = json!({ "password": secret });
        let infra = infra_tree(&[("a", leaky)]);
        create_environment(&store, "teal", &["a"]).await;
        let layers = vec![spec("a", &[], Duration::from_secs(60))];
        let reg = registry(
            infra.path(),
            layers,
            standin(),
            vec![secret.into(), "short".into()],
        );
        let workers = Workers::start(store.clone(), reg, fast_config(1));
        let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;
        assert_eq!(
            wait_finished(&store, id, Duration::from_secs(30))
                .await
                .status,
            JobStatus::Succeeded
        );
        workers.shutdown(Duration::from_secs(5)).await;
        let logs = queue::logs(store.pool(), id, 0, 10_000).await.unwrap();
        assert!(logs.iter().all(|l| !l.line.contains(secret)));
        assert!(logs.iter().any(|l| l.line.contains("[redacted]")));
    }
);

/// Child-process entry point, not a test: a worker process over
/// `PALETTE_TEST_RUNNER_DB` for
/// `a_killed_workers_job_is_finished_by_another_after_its_lease_expires`,
/// which runs it and kills it.
#[tokio::test]
#[ignore = "child-process entry point, run by a_killed_workers_job_is_finished_by_another_after_its_lease_expires"]
async fn runner_worker_child() {
    testkit::init_tracing();
    let url = child_env("PALETTE_TEST_RUNNER_DB");
    let infra = PathBuf::from(child_env("PALETTE_TEST_INFRA"));
    let bin = PathBuf::from(child_env("PALETTE_TEST_BIN"));
    let store = Store::connect(&url).await.unwrap();
    let _workers = Workers::start(
        store,
        registry(&infra, kill_layers(), bin, vec![]),
        fast_config(1),
    );
    tokio::time::sleep(Duration::from_secs(120)).await;
}

fn kill_layers() -> Vec<LayerSpec> {
    vec![
        spec("a", &[], Duration::from_secs(60)),
        spec("b", &["a"], Duration::from_secs(60)),
    ]
}

contract_test!(
    a_killed_workers_job_is_finished_by_another_after_its_lease_expires,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let infra = infra_tree(&[("a", knobs(300, 6)), ("b", knobs(20, 1))]);
        create_environment(&store, "teal", &["a", "b"]).await;
        let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;
        let mut child = spawn_child(
            "runner::runner_worker_child",
            &[
                ("PALETTE_TEST_RUNNER_DB", db.url.clone()),
                ("PALETTE_TEST_INFRA", path_str(infra.path())),
                ("PALETTE_TEST_BIN", path_str(&standin())),
            ],
        );
        let start = Instant::now();
        loop {
            let steps = queue::steps(store.pool(), id).await.unwrap();
            if steps
                .get(1)
                .is_some_and(|s| s.status == StepStatus::Running && s.progress.done >= 1)
            {
                break;
            }
            assert_running(&mut child);
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the child never got into apply: {steps:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let committed = queue::logs(store.pool(), id, 0, 100_000).await.unwrap();
        assert!(!committed.is_empty());
        // The orphaned stand-in finishes its apply and releases the state lock,
        // as terraform would; the next worker starts once it has.
        let ws = path_str(&infra.path().join("environments/staging/teal-a"));
        while !pids_mentioning(&ws).is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let workers = Workers::start(
            store.clone(),
            registry(infra.path(), kill_layers(), standin(), vec![]),
            fast_config(1),
        );
        let job = wait_finished(&store, id, Duration::from_secs(60)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
        assert_eq!(job.attempts, 2);
        let logs = queue::logs(store.pool(), id, 0, 100_000).await.unwrap();
        for line in &committed {
            assert!(
                logs.contains(line),
                "committed log line {} was lost",
                line.seq
            );
        }
        let seqs: Vec<i64> = logs.iter().map(|l| l.seq).collect();
        assert_eq!(
            seqs,
            (1..=i64::try_from(logs.len()).unwrap()).collect::<Vec<_>>(),
            "sequence has no gaps"
        );
        let steps = queue::steps(store.pool(), id).await.unwrap();
        assert!(
            steps.iter().all(|s| s.status == StepStatus::Succeeded),
            "{steps:?}"
        );
        assert_eq!(steps.iter().filter(|s| s.phase == Phase::Apply).count(), 2);
        assert_eq!(status(&store, "teal").await, EnvironmentStatus::Ready);
    }
);

#[test]
fn the_default_blueprint_has_a_scaffold_and_module_for_every_layer_in_the_shipped_tree() {
    let infra = runner::default_infra_dir();
    let blueprint = Blueprint::default_blueprint().unwrap();
    for layer in blueprint.order() {
        assert!(
            infra
                .join("scaffold")
                .join(&layer.name)
                .join("main.tf")
                .is_file(),
            "{}",
            layer.name
        );
        assert!(
            infra.join("modules").join(&layer.name).is_dir(),
            "{}",
            layer.name
        );
    }
}

contract_test!(
    a_missing_workspace_fails_its_layer_naming_the_path_and_runs_nothing_after_it,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        // No scaffold for b: its workspace cannot be made.
        let infra = infra_tree(&[("a", knobs(20, 1)), ("c", knobs(20, 1))]);
        let t = Duration::from_secs(60);
        let layers = vec![
            spec("a", &[], t),
            spec("b", &["a"], t),
            spec("c", &["b"], t),
        ];
        create_environment(&store, "teal", &["a", "b", "c"]).await;
        let workers = Workers::start(
            store.clone(),
            registry(infra.path(), layers, standin(), vec![]),
            fast_config(1),
        );
        let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;
        let job = wait_finished(&store, id, Duration::from_secs(60)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Failed, "{job:?}");
        assert_eq!(job.stopped_at.as_deref(), Some("b/plan"));
        let error = job.last_error.unwrap_or_default();
        let scaffold = infra.path().join("scaffold/b").display().to_string();
        assert!(
            error.contains("is missing") && error.contains(&scaffold),
            "{error}"
        );
        let steps = queue::steps(store.pool(), id).await.unwrap();
        let statuses: Vec<StepStatus> = steps.iter().map(|s| s.status).collect();
        assert_eq!(
            statuses,
            [
                StepStatus::Succeeded,
                StepStatus::Succeeded,
                StepStatus::Pending,
                StepStatus::Pending,
                StepStatus::Pending,
                StepStatus::Pending
            ],
            "a done, nothing of b or c run"
        );
        let outputs = layer_outputs::for_environment(store.pool(), "teal")
            .await
            .unwrap();
        assert_eq!(outputs.keys().collect::<Vec<_>>(), ["a"]);
        assert_eq!(status(&store, "teal").await, EnvironmentStatus::Failed);
    }
);

contract_test!(
    a_full_disk_fails_the_layer_with_the_systems_words,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let infra = infra_tree(&[("a", knobs(20, 1))]);
        let layers = vec![spec("a", &[], Duration::from_secs(60))];
        create_environment(&store, "teal", &["a"]).await;
        // The variables are written to a temporary file first, and that is
        // where the disk is full (/dev/full answers every write with ENOSPC).
        let ws = infra.path().join("environments/staging/teal-a");
        std::fs::create_dir_all(ws.parent().unwrap()).unwrap();
        let status_copy = std::process::Command::new("cp")
            .arg("-a")
            .arg(infra.path().join("scaffold/a"))
            .arg(&ws)
            .status()
            .unwrap();
        assert!(status_copy.success());
        let tmp = format!("{}.tmp", engine::runner::TFVARS);
        std::os::unix::fs::symlink("/dev/full", ws.join(tmp)).unwrap();
        let workers = Workers::start(
            store.clone(),
            registry(infra.path(), layers, standin(), vec![]),
            fast_config(1),
        );
        let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;
        let job = wait_finished(&store, id, Duration::from_secs(60)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Failed, "{job:?}");
        let error = job.last_error.unwrap_or_default();
        assert!(
            error.contains("writing variables") && error.contains("No space left on device"),
            "{error}"
        );
        assert!(
            !ws.join(engine::runner::TFVARS).exists(),
            "nothing half-written where the layer reads its variables"
        );
        assert_eq!(status(&store, "teal").await, EnvironmentStatus::Failed);
    }
);

contract_test!(
    layers_that_do_not_wait_for_each_other_run_at_once_and_a_failure_stops_only_what_needs_it,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        // a, then b and c beside each other (b fails once), d after b.
        let mut failing = knobs(300, 2);
        failing["fail"] = json!({ "resource": "terraform_data.r1", "times": 1 });
        let infra = infra_tree(&[
            ("a", knobs(20, 1)),
            ("b", failing),
            ("c", knobs(400, 3)),
            ("d", knobs(20, 1)),
        ]);
        let t = Duration::from_secs(60);
        let layers = vec![
            spec("a", &[], t),
            spec("b", &["a"], t),
            spec("c", &["a"], t),
            spec("d", &["b"], t),
        ];
        create_environment(&store, "teal", &["a", "b", "c", "d"]).await;
        let workers = Workers::start(
            store.clone(),
            registry(infra.path(), layers, standin(), vec![]),
            fast_config(1),
        );
        let id = enqueue(&store, JobKind::EnvironmentCreate, "teal").await;
        let job = wait_finished(&store, id, Duration::from_secs(60)).await;
        assert_eq!(job.status, JobStatus::Failed, "{job:?}");
        assert_eq!(job.stopped_at.as_deref(), Some("b/apply"));
        let steps = queue::steps(store.pool(), id).await.unwrap();
        let step = |name: &str| {
            steps
                .iter()
                .find(|s| format!("{}/{}", s.layer, s.phase) == name)
                .unwrap()
        };
        // b and c ran at the same time.
        let (b, c) = (step("b/plan"), step("c/apply"));
        assert!(
            b.started_at.unwrap() < c.finished_at.unwrap()
                && c.started_at.unwrap() < step("b/apply").finished_at.unwrap(),
            "b and c overlap: {steps:?}"
        );
        // c finished although b failed; d, which needs b, did not run.
        use StepStatus::{Failed, Pending, Succeeded};
        let statuses: Vec<(String, StepStatus)> = steps
            .iter()
            .map(|s| (format!("{}/{}", s.layer, s.phase), s.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("a/plan".to_owned(), Succeeded),
                ("a/apply".to_owned(), Succeeded),
                ("b/plan".to_owned(), Succeeded),
                ("b/apply".to_owned(), Failed),
                ("c/plan".to_owned(), Succeeded),
                ("c/apply".to_owned(), Succeeded),
                ("d/plan".to_owned(), Pending),
                ("d/apply".to_owned(), Pending),
            ]
        );
        let logs = queue::logs(store.pool(), id, 0, 100_000).await.unwrap();
        assert!(
            logs.iter()
                .any(|l| l.line == "palette: layer d not run: it needs b, which failed"),
            "{logs:?}"
        );
        let outputs = layer_outputs::for_environment(store.pool(), "teal")
            .await
            .unwrap();
        assert_eq!(outputs.keys().collect::<Vec<_>>(), ["a", "c"]);

        // Retry resumes from the failed layer: b and d run, a and c do not.
        let c_done = step("c/apply").finished_at;
        let mut conn = store.pool().acquire().await.unwrap();
        queue::retry(&mut conn, id).await.unwrap();
        drop(conn);
        let job = wait_finished(&store, id, Duration::from_secs(60)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
        let after = queue::steps(store.pool(), id).await.unwrap();
        assert!(after.iter().all(|s| s.status == Succeeded), "{after:?}");
        let c_after = after
            .iter()
            .find(|s| s.layer == "c" && s.phase == Phase::Apply)
            .unwrap();
        assert_eq!(c_after.finished_at, c_done, "c was not run again");
        assert_eq!(status(&store, "teal").await, EnvironmentStatus::Ready);
    }
);
