//! Resilience with real processes: `palette worker` as a child process
//! running layers on the stand-in CLI, over real PostgreSQL.
//!
//! - a worker killed with SIGKILL: its layer process gets SIGINT at once
//!   (the exec wrapper's parent-death signal), and the next worker
//!   finishes the job;
//! - SIGTERM: the worker claims nothing more, a job that ends within the
//!   drain period ends there, one that does not is interrupted and handed
//!   back, and resumes at its layer on the next worker;
//! - the database stopped for longer than a connection attempt waits but
//!   shorter than the lease: the job succeeds with exactly the log lines
//!   of the same job run without an outage, and the API answers 503 while
//!   the database is away;
//! - OpenFGA down when Palette starts: it starts, is not ready, denies with
//!   a clear error, and recovers without a restart.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use domain::{EnvironmentName, EnvironmentStatus};
use engine::queue::{self, JobId, JobStatus, Phase, StepStatus};
use engine::{Actor, Engine, Store};
use serde_json::json;

use crate::support::{spawn_app_on, TestApp};

/// Two layers, `app` after `net`.
const BLUEPRINT: &str = r#"
[[layer]]
name = "net"
workspace = "environments/{tier}/{env}-net"
timeout = 120

[[layer]]
name = "app"
depends_on = ["net"]
workspace = "environments/{tier}/{env}-app"
timeout = 120
"#;

/// An infrastructure tree for [`BLUEPRINT`]: `net` applies `resources`
/// resources of `delay_ms` each, `app` one quick one.
struct Infra {
    dir: tempfile::TempDir,
}

impl Infra {
    fn new(resources: usize, delay_ms: u64) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("palette-resilience")
            .tempdir()
            .unwrap();
        let knobs = |resources: usize, delay_ms: u64| {
            let resources: Vec<serde_json::Value> = (0..resources)
                .map(|i| json!({ "address": format!("terraform_data.r{i}") }))
                .collect();
            json!({ "delay_ms": delay_ms, "resources": resources, "outputs": { "url": "https://{env}.example.com" } })
        };
        for (layer, knobs) in [("net", knobs(resources, delay_ms)), ("app", knobs(1, 20))] {
            let scaffold = dir.path().join("scaffold").join(layer);
            std::fs::create_dir_all(&scaffold).unwrap();
            std::fs::create_dir_all(dir.path().join("modules").join(layer)).unwrap();
            std::fs::write(
                scaffold.join("main.tf"),
                "module \"m\" {\n  source = \"{{module_dir}}\"\n}\n",
            )
            .unwrap();
            std::fs::write(scaffold.join("standin.json"), knobs.to_string()).unwrap();
        }
        std::fs::write(dir.path().join("blueprint.toml"), BLUEPRINT).unwrap();
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn workspace(&self, env: &str, layer: &str) -> String {
        self.path()
            .join(format!("environments/staging/{env}-{layer}"))
            .display()
            .to_string()
    }
}

/// `palette worker` over `database_url`, with a lease of `lease_secs` and
/// a drain period of `drain_secs`.
struct Worker {
    child: Child,
}

impl Worker {
    fn start(database_url: &str, infra: &Path, lease_secs: u64, drain_secs: u64) -> Self {
        Self::start_with(database_url, infra, lease_secs, drain_secs, &[])
    }

    /// [`Worker::start`] with more variables (the stand-in's knobs, or
    /// another `PALETTE_LAYER_BIN`), over the tree at `infra` and its
    /// `blueprint.toml`.
    fn start_with(
        database_url: &str,
        infra: &Path,
        lease_secs: u64,
        drain_secs: u64,
        env: &[(&str, &str)],
    ) -> Self {
        let output = || {
            if std::env::var_os("TEST_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            }
        };
        let child = Command::new(env!("CARGO_BIN_EXE_palette"))
            .arg("worker")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PALETTE_DATABASE_URL", database_url)
            .env("PALETTE_BLUEPRINT", infra.join("blueprint.toml"))
            .env("PALETTE_INFRA_DIR", infra)
            .env("PALETTE_LAYER_BIN", testkit::standin())
            .env("PALETTE_WORKERS", "1")
            .env("PALETTE_JOB_LEASE_SECS", lease_secs.to_string())
            .env("PALETTE_CANCEL_GRACE_SECS", "3")
            .env("PALETTE_DRAIN_SECS", drain_secs.to_string())
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(output())
            .stderr(output())
            .spawn()
            .expect("palette worker starts");
        Self { child }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits up to `timeout` for the process to exit; its status.
    fn wait(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the worker did not exit within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn open(url: &str) -> Engine {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let blueprint = engine::runner::Blueprint::from_toml(BLUEPRINT).unwrap();
    Engine::new(store).with_blueprint(blueprint)
}

/// Creates environment `name` (both layers): its create job.
async fn create(engine: &Engine, name: &str) -> JobId {
    let new = domain::CreateEnvironment {
        name: name.to_owned(),
        tier: "staging".into(),
        purpose: "resilience".into(),
        channel: "edge".into(),
        ..domain::CreateEnvironment::default()
    }
    .parse()
    .unwrap();
    let created = engine
        .create_environment(&Actor::system("test"), new)
        .await
        .unwrap();
    created.job.id
}

async fn job(store: &Store, id: JobId) -> queue::Job {
    queue::get_job(store.pool(), id).await.unwrap().unwrap()
}

/// Polls until `done` holds for the job and its steps (at most 60 s).
async fn wait_until(
    store: &Store,
    id: JobId,
    what: &str,
    done: impl Fn(&queue::Job, &[queue::Step]) -> bool,
) -> queue::Job {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let (Ok(Some(job)), Ok(steps)) = (
            queue::get_job(store.pool(), id).await,
            queue::steps(store.pool(), id).await,
        ) {
            if done(&job, &steps) {
                return job;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: never; {job:?} {steps:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The job is in `net`'s apply, with one resource done.
fn applying_net(_: &queue::Job, steps: &[queue::Step]) -> bool {
    steps.iter().any(|s| {
        s.layer == "net"
            && s.phase == Phase::Apply
            && s.status == StepStatus::Running
            && s.progress.done >= 1
    })
}

fn finished(job: &queue::Job, _: &[queue::Step]) -> bool {
    job.status.is_finished()
}

/// Pids of processes whose command line mentions `needle`.
fn pids_mentioning(needle: &str) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
        if !zombie && String::from_utf8_lossy(&cmdline).contains(needle) {
            pids.push(pid);
        }
    }
    pids
}

async fn status(engine: &Engine, env: &str) -> EnvironmentStatus {
    let name = EnvironmentName::parse(env).unwrap();
    engine
        .get_environment(&Actor::system("test"), &name)
        .await
        .unwrap()
        .status
}

async fn log_lines(store: &Store, id: JobId) -> Vec<queue::LogLine> {
    let logs = queue::logs(store.pool(), id, 0, 100_000).await.unwrap();
    let seqs: Vec<i64> = logs.iter().map(|l| l.seq).collect();
    assert_eq!(
        seqs,
        (1..=i64::try_from(logs.len()).unwrap()).collect::<Vec<_>>(),
        "the log has no gap"
    );
    logs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_layer_is_interrupted_at_once_and_the_next_worker_finishes_the_job() {
    testkit::init_tracing();
    let db = testkit::postgres().await;
    // net: 12 resources of 500 ms, 6 s of apply.
    let infra = Infra::new(12, 500);
    let engine = open(&db.url).await;
    let store = engine.store().clone();
    let id = create(&engine, "teal").await;
    let mut first = Worker::start(&db.url, infra.path(), 3, 0);
    wait_until(&store, id, "net applying", applying_net).await;
    let ws = infra.workspace("teal", "net");
    assert!(!pids_mentioning(&ws).is_empty(), "the layer runs");

    first.signal("KILL");
    first.wait(Duration::from_secs(5));
    let killed = Instant::now();
    // SIGINT reached the stand-in, which stops after the resource it is
    // in: well before the 5 s of apply that were left.
    while !pids_mentioning(&ws).is_empty() {
        assert!(
            killed.elapsed() < Duration::from_secs(2),
            "the layer process outlived its killed worker"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // It stopped as on Ctrl-C, saving what it had applied (its output went
    // nowhere: nobody reads it any more).
    let state = std::fs::read_to_string(Path::new(&ws).join("terraform.tfstate")).unwrap();
    let saved = state.matches("terraform_data.r").count();
    assert!(
        (1..12).contains(&saved),
        "{saved} resources in the saved state"
    );

    let _second = Worker::start(&db.url, infra.path(), 3, 0);
    let done = wait_until(&store, id, "finished", finished).await;
    assert_eq!(done.status, JobStatus::Succeeded, "{done:?}");
    assert_eq!(done.attempts, 2, "taken over once, after the lease expired");
    log_lines(&store, id).await;
    assert_eq!(status(&engine, "teal").await, EnvironmentStatus::Ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_a_short_job_and_hands_a_long_one_back_to_resume_at_its_layer() {
    testkit::init_tracing();
    let db = testkit::postgres().await;
    // net: 20 resources of 300 ms, 6 s of apply.
    let infra = Infra::new(20, 300);
    let engine = open(&db.url).await;
    let store = engine.store().clone();

    // A job that ends within the drain period ends on this worker, and
    // nothing queued meanwhile is claimed.
    let first = create(&engine, "olive").await;
    let mut worker = Worker::start(&db.url, infra.path(), 10, 20);
    wait_until(&store, first, "olive applying", applying_net).await;
    worker.signal("TERM");
    let second = create(&engine, "amber").await;
    let exit = worker.wait(Duration::from_secs(20));
    assert!(exit.success(), "{exit}");
    let drained = job(&store, first).await;
    assert_eq!(drained.status, JobStatus::Succeeded, "{drained:?}");
    assert_eq!(drained.attempts, 1);
    let waiting = job(&store, second).await;
    assert_eq!(
        waiting.status,
        JobStatus::Queued,
        "nothing new is claimed while draining"
    );
    assert_eq!(waiting.attempts, 0);

    // One that does not end within the drain period is interrupted and
    // handed back: queued at once, the attempt not counted.
    let mut worker = Worker::start(&db.url, infra.path(), 10, 1);
    wait_until(&store, second, "amber applying", applying_net).await;
    worker.signal("TERM");
    let exit = worker.wait(Duration::from_secs(15));
    assert!(exit.success(), "{exit}");
    let handed_back = job(&store, second).await;
    assert_eq!(handed_back.status, JobStatus::Queued, "{handed_back:?}");
    assert_eq!(
        handed_back.attempts, 0,
        "an interrupted attempt is not counted"
    );
    let steps = queue::steps(store.pool(), second).await.unwrap();
    let step = |layer: &str, phase: Phase| {
        steps
            .iter()
            .find(|s| s.layer == layer && s.phase == phase)
            .map(|s| s.status)
    };
    assert_eq!(
        step("net", Phase::Apply),
        Some(StepStatus::Pending),
        "{steps:?}"
    );
    assert_eq!(
        step("app", Phase::Plan),
        Some(StepStatus::Pending),
        "{steps:?}"
    );
    assert!(pids_mentioning(&infra.workspace("amber", "net")).is_empty());

    // The next worker (with quick resources) resumes it at net.
    let _next = Worker::start_with(
        &db.url,
        infra.path(),
        10,
        1,
        &[("TOFU_STANDIN_DELAY_MS", "20")],
    );
    let done = wait_until(&store, second, "amber finished", finished).await;
    assert_eq!(done.status, JobStatus::Succeeded, "{done:?}");
    assert_eq!(done.attempts, 1);
    let logs = log_lines(&store, second).await;
    assert!(
        logs.iter().any(|l| l
            .line
            .contains("interrupted by a worker shutdown; it runs again")),
        "{logs:?}"
    );
    assert_eq!(status(&engine, "amber").await, EnvironmentStatus::Ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_shorter_than_the_lease_fails_no_job_and_loses_no_line() {
    testkit::init_tracing();
    let cluster = testkit::PgCluster::start();
    let url = cluster.url();
    let infra = Infra::new(16, 500);
    let engine = open(&url).await;
    let store = engine.store().clone();
    let config = server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(url.clone().into()),
        dev_login: true,
        blueprint: Some(infra.path().join("blueprint.toml")),
        ..server::Config::default()
    };
    let app = spawn_app_on(&config, false).await;
    app.login_dev("alice").await;
    let _worker = Worker::start(&url, infra.path(), 30, 0);

    // The same job without an outage, for its number of log lines.
    let calm = create(&engine, "calm").await;
    wait_until(&store, calm, "calm finished", finished).await;
    let calm_lines = log_lines(&store, calm).await.len();

    let id = create(&engine, "stormy").await;
    wait_until(&store, id, "net applying", applying_net).await;
    cluster.stop();
    let down = Instant::now();
    // Palette keeps answering, and says why it cannot serve.
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let page = app.get("/").await;
    assert_eq!(page.status(), 503, "a page without its database");
    let text = page.text().await.unwrap();
    assert!(
        text.contains("temporarily unavailable: Palette&#x27;s database does not answer")
            || text.contains("temporarily unavailable: Palette's database does not answer"),
        "{text}"
    );
    // 8 s without a database: longer than a connection attempt waits (5 s).
    tokio::time::sleep(Duration::from_secs(8).saturating_sub(down.elapsed())).await;
    cluster.resume();

    let fresh = Store::connect(&url).await.unwrap();
    let done = wait_until(&fresh, id, "stormy finished", finished).await;
    assert_eq!(done.status, JobStatus::Succeeded, "{done:?}");
    assert_eq!(done.attempts, 1, "never taken over");
    let lines = log_lines(&fresh, id).await;
    assert_eq!(lines.len(), calm_lines, "every line, once");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200, "ready again without a restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn palette_starts_with_openfga_down_and_recovers_without_a_restart() {
    testkit::init_tracing();
    let mut fga = testkit::openfga::OpenFga::start().await;
    fga.stop();
    let db = testkit::sqlite();
    let config = server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(db.url.clone().into()),
        dev_login: true,
        admins: vec!["user:alice".to_owned()],
        openfga: Some(server::config::OpenFgaSettings {
            url: fga.url.clone(),
            store_id: None,
            model_id: None,
            token: None,
            timeout_ms: 1000,
        }),
        ..server::Config::default()
    };
    let app: TestApp = spawn_app_on(&config, false).await;
    assert_eq!(app.get("/readyz").await.status(), 503);
    // Nobody can log in: group memberships are written to OpenFGA first.
    let csrf = app.csrf().await;
    let refused = app
        .client
        .post(app.url("/auth/dev-login"))
        .header("origin", app.origin())
        .form(&[("user", "alice"), ("_csrf", &csrf), ("return_to", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("a service it needs does not answer"),
        "{text}"
    );

    fga.start_again().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.get("/readyz").await.status() != 200 {
        assert!(
            Instant::now() < deadline,
            "never ready after OpenFGA came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Logging in works again, and the platform's admins were recorded once
    // OpenFGA answered: alice, an admin, may open the create form.
    app.login_dev("alice").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let form = app.get("/environments/new").await;
        if form.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still {}", form.status());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_directory_that_cannot_be_made_stops_the_start_naming_it() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let data_dir = file.path().join("data");
    let config = server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.clone(),
        dev_login: true,
        ..server::Config::default()
    };
    let refused = server::Server::build(&config, &server::ServeOptions::default())
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        refused.contains(&data_dir.display().to_string()) && refused.contains("Not a directory"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_stops_the_start_saying_so() {
    let db = testkit::sqlite();
    // Made and migrated, then opened read-only.
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    store.close().await;
    let read_only = db.url.replace("mode=rwc", "mode=ro");
    let config = server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(read_only.clone().into()),
        dev_login: true,
        ..server::Config::default()
    };
    let refused = server::Server::build(&config, &server::ServeOptions::default())
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(refused.contains("readonly"), "{read_only}: {refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_event_streams_with_a_reconnect_hint_and_the_server_stops() {
    testkit::init_tracing();
    let db = testkit::sqlite();
    let config = server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(db.url.clone().into()),
        dev_login: true,
        admins: vec!["group:platform-admins".to_owned()],
        ..server::Config::default()
    };
    let server = server::Server::build(&config, &server::ServeOptions::default())
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let engine = server.engine().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve_until(async move {
        let _ = stopped.await;
        server::Stop::Drain
    }));
    // No workers: the job stays queued and its stream open.
    let id = create(&engine, "teal").await;
    let client = crate::support::spawn_client();
    let url = |path: &str| format!("http://{addr}{path}");
    let login = client
        .get(url("/auth/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let html = login.text().await.unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..].split('"').next().unwrap().to_owned();
    let logged_in = client
        .post(url("/auth/dev-login"))
        .header("origin", format!("http://{addr}"))
        .form(&[("user", "alice"), ("_csrf", &csrf), ("return_to", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(logged_in.status(), 303);
    let mut events = client
        .get(url(&format!("/api/v1/jobs/{}/events", id.0)))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    let first = events.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: job"));

    stop.send(()).unwrap();
    let asked = Instant::now();
    let mut rest = String::new();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(5), events.chunk())
        .await
        .expect("the stream ends when the server stops")
        .unwrap()
    {
        rest.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(rest.contains("retry: 1000"), "{rest:?}");
    tokio::time::timeout(Duration::from_secs(5), serving)
        .await
        .expect("the server stops once its streams ended")
        .unwrap()
        .unwrap();
    assert!(asked.elapsed() < Duration::from_secs(5));
}

/// One layer, `k8s` of `examples/rehearsal`, on the real terraform (or
/// tofu), its state on `backend` (S3, whose lock outlives a killed
/// terraform). Its slow resource takes `apply_seconds`.
struct RealInfra {
    dir: tempfile::TempDir,
}

const REAL_BLUEPRINT: &str = r#"
[[layer]]
name = "k8s"
workspace = "environments/{tier}/{env}-k8s"
timeout = 600
"#;

impl RealInfra {
    fn new(backend: &testkit::s3::S3Backend, apply_seconds: u64) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("palette-resilience-real")
            .tempdir()
            .unwrap();
        let rehearsal = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rehearsal");
        for part in ["modules/k8s", "scaffold/k8s"] {
            let to = dir.path().join(part);
            std::fs::create_dir_all(&to).unwrap();
            for entry in std::fs::read_dir(rehearsal.join(part)).unwrap() {
                let entry = entry.unwrap();
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
        let scaffold = dir.path().join("scaffold/k8s");
        backend.configure(&scaffold, "k8s");
        std::fs::write(
            scaffold.join("slow.auto.tfvars.json"),
            json!({ "apply_seconds": apply_seconds }).to_string(),
        )
        .unwrap();
        std::fs::write(dir.path().join("blueprint.toml"), REAL_BLUEPRINT).unwrap();
        Self { dir }
    }

    fn workspace(&self, env: &str) -> std::path::PathBuf {
        self.dir
            .path()
            .join(format!("environments/staging/{env}-k8s"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_lock_left_by_a_crashed_worker_and_its_terraform_is_unlocked_by_the_next_worker() {
    testkit::init_tracing();
    let db = testkit::postgres().await;
    let backend = testkit::s3::S3Backend::start().await;
    let real = RealInfra::new(&backend, 300);
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let blueprint = engine::runner::Blueprint::from_toml(REAL_BLUEPRINT).unwrap();
    let engine = Engine::new(store.clone()).with_blueprint(blueprint);
    let id = create(&engine, "teal").await;
    let bin = testkit::terraform::binary();
    let bin = bin.to_string_lossy().into_owned();
    let start = || {
        Worker::start_with(
            &db.url,
            real.dir.path(),
            3,
            0,
            &[("PALETTE_LAYER_BIN", &bin)],
        )
    };
    let mut first = start();

    // The apply holds the lock. The whole host's processes die at once, as
    // in a crash: the worker is frozen first, so it sees nothing end.
    backend.wait_locked_for("k8s", "OperationTypeApply").await;
    let ws = real.workspace("teal").display().to_string();
    let terraform: Vec<i32> = pids_mentioning(&format!("-chdir={ws}"));
    assert_eq!(terraform.len(), 1, "one terraform runs: {terraform:?}");
    first.signal("STOP");
    // Its process group: terraform and its local-exec.
    let killed = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", terraform[0])])
        .status()
        .unwrap();
    assert!(killed.success());
    first.signal("KILL");
    first.wait(Duration::from_secs(5));
    let left = backend
        .lock("k8s")
        .expect("the killed terraform left its lock");

    // The next worker (now fast) takes the job over once the lease ends,
    // finds the lock its predecessor's terraform left on this host, which
    // no longer runs, unlocks it and finishes the job.
    std::fs::remove_file(Path::new(&ws).join("slow.auto.tfvars.json")).unwrap();
    let _second = start();
    let done = wait_until(&store, id, "finished", finished).await;
    let logs: Vec<String> = log_lines(&store, id)
        .await
        .into_iter()
        .map(|l| l.line)
        .collect();
    assert_eq!(done.status, JobStatus::Succeeded, "{done:?}\n{logs:#?}");
    assert_eq!(done.attempts, 2, "taken over once");
    let unlocked = format!(
        "palette: the state lock {} was left by this job's own apply started at ",
        left["ID"].as_str().unwrap()
    );
    assert!(
        logs.iter().any(|l| l.starts_with(&unlocked)
            && l.ends_with("which no longer runs on this host; unlocking it")),
        "{logs:#?}"
    );
    assert_eq!(backend.lock("k8s"), None);
    assert_eq!(status(&engine, "teal").await, EnvironmentStatus::Ready);
}
