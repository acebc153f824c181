//! Shared by the queue and runner tests: databases, the stand-in, example
//! infrastructure trees, and workers in another process.

use std::path::Path;
use std::time::{Duration, Instant};

use domain::{EnvironmentStatus, EnvironmentSummary, Manifest};
use engine::queue::{Job, JobId, WorkerConfig};
use engine::Store;
use testkit::TestDatabase;

pub async fn store(db: &TestDatabase) -> Store {
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

/// Quick settings for tests: short lease, fast checks, short grace.
pub fn fast_config(workers: usize) -> WorkerConfig {
    WorkerConfig {
        workers,
        lease: Duration::from_secs(2),
        poll: Duration::from_secs(30),
        cancel_grace: Duration::from_millis(1500),
        retry_base: Duration::from_millis(50),
        check_every: Duration::from_millis(200),
        listen_url: None,
        owner: format!("test:{}", std::process::id()),
    }
}

pub async fn create_environment(store: &Store, name: &str, layers: &[&str]) {
    let new = domain::CreateEnvironment {
        name: name.to_owned(),
        tier: "staging".into(),
        purpose: "test".into(),
        channel: "edge".into(),
        ..domain::CreateEnvironment::default()
    }
    .parse()
    .unwrap();
    // A storage fixture: the service (and its authorization) is not under test here.
    let row = engine::store::environments::EnvironmentRow {
        summary: EnvironmentSummary {
            name: new.name,
            tier: new.tier,
            purpose: new.purpose,
            channel: new.channel,
            oidc_issuer: new.oidc_issuer,
            status: EnvironmentStatus::Provisioning,
            manifest: Manifest::identity_stack("edge"),
            created_at: engine::store::now_ms(),
            created_by: "user:anne".into(),
        },
        layers: layers.iter().map(|s| (*s).to_owned()).collect(),
        locked_reason: None,
    };
    engine::store::environments::insert(store.pool(), &row)
        .await
        .unwrap();
}

/// Waits until `job` satisfies `done`, or panics after `timeout`.
pub async fn wait_for_job(
    store: &Store,
    job: JobId,
    timeout: Duration,
    done: impl Fn(&Job) -> bool,
) -> Job {
    let start = Instant::now();
    loop {
        let current = engine::queue::get_job(store.pool(), job)
            .await
            .unwrap()
            .expect("job exists");
        if done(&current) {
            return current;
        }
        assert!(
            start.elapsed() < timeout,
            "job {job} did not get there in {timeout:?}: {current:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn wait_finished(store: &Store, job: JobId, timeout: Duration) -> Job {
    wait_for_job(store, job, timeout, |j| j.status.is_finished()).await
}

pub use testkit::standin;

/// A small infrastructure tree: one scaffold per `(layer, standin.json)`.
pub fn infra_tree(layers: &[(&str, serde_json::Value)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("palette-infra")
        .tempdir()
        .unwrap();
    for (name, knobs) in layers {
        let scaffold = dir.path().join("scaffold").join(name);
        std::fs::create_dir_all(&scaffold).unwrap();
        std::fs::create_dir_all(dir.path().join("modules").join(name)).unwrap();
        std::fs::write(
            scaffold.join("main.tf"),
            "module \"m\" {\n  source = \"{{module_dir}}\"\n}\n",
        )
        .unwrap();
        std::fs::write(
            scaffold.join("standin.json"),
            serde_json::to_string_pretty(knobs).unwrap(),
        )
        .unwrap();
    }
    dir
}

/// Pids of processes whose command line mentions `needle`.
pub fn pids_mentioning(needle: &str) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(needle) {
            pids.push(pid);
        }
    }
    pids
}

/// Pids of live (not zombie) processes in process group `pgid`.
pub fn group_members(pgid: i32) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid pgrp …; comm may hold spaces, so split after ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() > 2 && fields[0] != "Z" && fields[2] == pgid.to_string() {
            pids.push(pid);
        }
    }
    pids
}

/// CPU time (user + system, in clock ticks) of process `pid`.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = stat.rsplit_once(')').unwrap().1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state(0) ppid(1) … utime is field 14 overall → index 11 here.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Starts this test binary again, running only the child-process entry
/// point `entry` (an `#[ignore]`d test, by its full name such as
/// `queue::idle_worker_child`), with `env` set. The child's stdout (libtest's lines and
/// its tracing output) is shown only when `TEST_LOG` is set.
pub fn spawn_child(entry: &str, env: &[(&str, String)]) -> std::process::Child {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        entry,
        "--nocapture",
        "--test-threads=1",
    ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let stdout = if std::env::var_os("TEST_LOG").is_some() {
        std::process::Stdio::inherit()
    } else {
        std::process::Stdio::null()
    };
    cmd.stdout(stdout).stderr(std::process::Stdio::inherit());
    cmd.spawn().unwrap()
}

/// Panics when the child started by [`spawn_child`] has exited: it is meant
/// to run until killed (an exit means a panic, or no test matched `entry`).
#[track_caller]
pub fn assert_running(child: &mut std::process::Child) {
    if let Some(status) = child.try_wait().unwrap() {
        panic!("the child process exited ({status}) instead of running until killed");
    }
}

/// The variable `key` that [`spawn_child`] set for a child-process entry
/// point; panics when it is unset, i.e. when the entry point was run as if
/// it were a test.
pub fn child_env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| {
        panic!(
            "{key} is unset: this is a child-process entry point that its parent \
             test runs with `--ignored --exact`, not a test"
        )
    })
}

pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}
