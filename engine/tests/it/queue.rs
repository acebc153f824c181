//! The job queue's guarantees, on SQLite and PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::queue::*;
use engine::queue::{
    self, fence, BackgroundJob, CancelOutcome, Completion, JobContext, JobError, JobKind,
    JobStatus, LeaseError, NewJob, Phase, Registry, StepUpdate, Workers,
};
use engine::store::now_ms;
use serde::{Deserialize, Serialize};
use testkit::{contract_test, TestDatabase};

/// (tag, started, ended) of every run, in the order they ended.
type Runs = Arc<Mutex<Vec<(String, Instant, Instant)>>>;

/// A job that sleeps, records when it ran, and fails as told.
#[derive(Debug, Serialize, Deserialize)]
struct Sleepy {
    tag: String,
    ms: u64,
    #[serde(default)]
    fail_attempts: i64,
    #[serde(default)]
    panic: bool,
}

async fn sleepy_run(job: Sleepy, ctx: JobContext, runs: Runs) -> Result<(), JobError> {
    let start = Instant::now();
    ctx.log(None, format!("{} starts", job.tag));
    tokio::time::sleep(Duration::from_millis(job.ms)).await;
    assert!(!job.panic, "asked to panic");
    let run = {
        let mut runs = runs.lock().unwrap();
        runs.push((job.tag.clone(), start, Instant::now()));
        i64::try_from(runs.iter().filter(|r| r.0 == job.tag).count()).unwrap()
    };
    if run <= job.fail_attempts {
        return Err(JobError::Transient(format!("attempt {run} fails")));
    }
    Ok(())
}

/// The same job as an infrastructure kind (takes the environment's key).
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
struct InfraSleepy(Sleepy);

impl BackgroundJob for InfraSleepy {
    const KIND: JobKind = JobKind::PromotionExecute;
    type Context = Runs;
    async fn run(self, ctx: JobContext, runs: Runs) -> Result<(), JobError> {
        sleepy_run(self.0, ctx, runs).await
    }
}

/// The same job as a check (no key, retried with backoff).
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
struct CheckSleepy(Sleepy);

impl BackgroundJob for CheckSleepy {
    const KIND: JobKind = JobKind::OidcCheck;
    type Context = Runs;
    async fn run(self, ctx: JobContext, runs: Runs) -> Result<(), JobError> {
        sleepy_run(self.0, ctx, runs).await
    }
}

fn registry(runs: &Runs) -> Registry {
    Registry::new()
        .register::<InfraSleepy>(Arc::clone(runs))
        .register::<CheckSleepy>(Arc::clone(runs))
}

fn job(kind: JobKind, tag: &str, ms: u64) -> NewJob {
    NewJob::new(
        kind,
        serde_json::json!({ "tag": tag, "ms": ms }),
        "user:anne",
    )
}

async fn enqueue(store: &engine::Store, new: NewJob) -> queue::JobId {
    let mut tx = store.pool().begin().await.unwrap();
    let id = queue::enqueue(&mut *tx, new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

contract_test!(
    a_job_enqueued_in_a_rolled_back_transaction_never_runs,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let mut tx = store.pool().begin().await.unwrap();
        queue::enqueue(&mut *tx, job(JobKind::OidcCheck, "ghost", 0))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        let kept = enqueue(&store, job(JobKind::OidcCheck, "kept", 0)).await;
        let runs = Runs::default();
        let workers = Workers::start(store.clone(), registry(&runs), fast_config(2));
        let done = wait_finished(&store, kept, Duration::from_secs(10)).await;
        assert_eq!(done.status, JobStatus::Succeeded);
        assert_eq!(done.attempts, 1);
        workers.shutdown(Duration::from_secs(5)).await;
        let tags: Vec<String> = runs.lock().unwrap().iter().map(|r| r.0.clone()).collect();
        assert_eq!(tags, ["kept"]);
    }
);

contract_test!(
    two_workers_run_one_environments_jobs_strictly_one_after_the_other,
    |db: TestDatabase| async move {
        let store_a = store(&db).await;
        let store_b = engine::Store::connect(&db.url).await.unwrap();
        let runs = Runs::default();
        let mut ids = Vec::new();
        for i in 0..4 {
            ids.push(
                enqueue(
                    &store_a,
                    job(JobKind::PromotionExecute, &format!("j{i}"), 250).for_environment("teal"),
                )
                .await,
            );
        }
        let a = Workers::start(store_a.clone(), registry(&runs), fast_config(4));
        let b = Workers::start(store_b, registry(&runs), fast_config(4));
        for id in &ids {
            assert_eq!(
                wait_finished(&store_a, *id, Duration::from_secs(20))
                    .await
                    .status,
                JobStatus::Succeeded
            );
        }
        a.shutdown(Duration::from_secs(5)).await;
        b.shutdown(Duration::from_secs(5)).await;
        let runs = runs.lock().unwrap().clone();
        let tags: Vec<&str> = runs.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            tags,
            ["j0", "j1", "j2", "j3"],
            "jobs of one environment run in enqueue order"
        );
        for pair in runs.windows(2) {
            assert!(
                pair[0].2 <= pair[1].1,
                "{} and {} overlapped",
                pair[0].0,
                pair[1].0
            );
        }
    }
);

contract_test!(
    jobs_of_different_environments_run_in_parallel,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let runs = Runs::default();
        let teal = enqueue(
            &store,
            job(JobKind::PromotionExecute, "teal", 800).for_environment("teal"),
        )
        .await;
        let blue = enqueue(
            &store,
            job(JobKind::PromotionExecute, "blue", 800).for_environment("blue"),
        )
        .await;
        let workers = Workers::start(store.clone(), registry(&runs), fast_config(2));
        wait_finished(&store, teal, Duration::from_secs(10)).await;
        wait_finished(&store, blue, Duration::from_secs(10)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        let runs = runs.lock().unwrap().clone();
        assert!(
            runs[0].1 < runs[1].2 && runs[1].1 < runs[0].2,
            "the two environments' jobs overlapped in time"
        );
    }
);

contract_test!(
    oidc_checks_do_not_wait_for_the_environments_key,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let runs = Runs::default();
        let apply = enqueue(
            &store,
            job(JobKind::PromotionExecute, "apply", 1000).for_environment("teal"),
        )
        .await;
        let check = enqueue(
            &store,
            job(JobKind::OidcCheck, "check", 10).for_environment("teal"),
        )
        .await;
        let workers = Workers::start(store.clone(), registry(&runs), fast_config(2));
        wait_finished(&store, check, Duration::from_secs(10)).await;
        let apply_now = queue::get_job(store.pool(), apply).await.unwrap().unwrap();
        assert_eq!(
            apply_now.status,
            JobStatus::Running,
            "the check finished while the apply held the key"
        );
        wait_finished(&store, apply, Duration::from_secs(10)).await;
        workers.shutdown(Duration::from_secs(5)).await;
    }
);

contract_test!(
    a_stale_tokens_writes_are_refused_and_change_nothing,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let id = enqueue(
            &store,
            job(JobKind::PromotionExecute, "x", 0).for_environment("teal"),
        )
        .await;
        // A claim whose lease is already over, taken back by another worker.
        let stale = queue::claim(&store, "old", &[JobKind::PromotionExecute], 1, -1)
            .await
            .unwrap();
        let stale = stale[0].lease;
        fence::ensure_steps(&store, stale, &[("k8s".into(), Phase::Plan)])
            .await
            .unwrap();
        let line = |seq| fence::PendingLine {
            seq,
            step: None,
            at: now_ms(),
            line: format!("line {seq}"),
        };
        fence::append_logs(&store, stale, &[line(1)]).await.unwrap();
        assert_eq!(queue::reclaim_expired(&store).await.unwrap(), 1);
        let fresh = queue::claim(&store, "new", &[JobKind::PromotionExecute], 1, 60_000)
            .await
            .unwrap();
        let fresh = fresh[0].lease;
        assert!(fresh.token > stale.token);

        let refused = fence::append_logs(&store, stale, &[line(2)]).await;
        assert!(matches!(refused, Err(LeaseError::LeaseLost)), "{refused:?}");
        // More lines than one statement takes (a backlog after an outage).
        let many: Vec<fence::PendingLine> = (2..452).map(line).collect();
        let refused = fence::append_logs(&store, stale, &many).await;
        assert!(matches!(refused, Err(LeaseError::LeaseLost)), "{refused:?}");
        let update = StepUpdate {
            status: Some(queue::StepStatus::Failed),
            ..StepUpdate::default()
        };
        assert!(matches!(
            fence::update_step(&store, stale, 0, &update).await,
            Err(LeaseError::LeaseLost)
        ));
        assert!(matches!(
            fence::complete(&store, stale, &Completion::Succeeded).await,
            Err(LeaseError::LeaseLost)
        ));
        assert!(matches!(
            fence::heartbeat(&store, stale, 60_000).await,
            Err(LeaseError::LeaseLost)
        ));

        let logs = queue::logs(store.pool(), id, 0, 100).await.unwrap();
        assert_eq!(
            logs.iter().map(|l| l.line.as_str()).collect::<Vec<_>>(),
            ["line 1"]
        );
        let steps = queue::steps(store.pool(), id).await.unwrap();
        assert_eq!(steps[0].status, queue::StepStatus::Pending);
        let job = queue::get_job(store.pool(), id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Running);
        assert_eq!(job.attempts, 2);
        // The current holder still writes, a batch and a backlog.
        fence::append_logs(&store, fresh, &[line(2)]).await.unwrap();
        let backlog: Vec<fence::PendingLine> = (3..453).map(line).collect();
        fence::append_logs(&store, fresh, &backlog).await.unwrap();
        let logs = queue::logs(store.pool(), id, 0, 1000).await.unwrap();
        assert_eq!(
            logs.iter().map(|l| l.seq).collect::<Vec<_>>(),
            (1..453).collect::<Vec<_>>()
        );
        fence::complete(&store, fresh, &Completion::Succeeded)
            .await
            .unwrap();
    }
);

contract_test!(
    cancelling_a_queued_job_cancels_it_at_once,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let id = enqueue(&store, job(JobKind::OidcCheck, "x", 0)).await;
        let mut conn = store.pool().acquire().await.unwrap();
        assert_eq!(
            queue::cancel(&mut conn, id).await.unwrap(),
            CancelOutcome::Cancelled
        );
        assert_eq!(
            queue::cancel(&mut conn, id).await.unwrap(),
            CancelOutcome::AlreadyFinished
        );
        let job = queue::get_job(store.pool(), id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Cancelled);
        assert!(queue::claim(&store, "w", JobKind::ALL, 10, 60_000)
            .await
            .unwrap()
            .is_empty());
    }
);

contract_test!(
    transient_failures_are_retried_with_backoff_then_succeed,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let runs = Runs::default();
        let new = NewJob::new(
            JobKind::OidcCheck,
            serde_json::json!({"tag": "flaky", "ms": 0, "fail_attempts": 2}),
            "system:t",
        );
        let id = enqueue(&store, new).await;
        let workers = Workers::start(store.clone(), registry(&runs), fast_config(1));
        let job = wait_finished(&store, id, Duration::from_secs(10)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Succeeded);
        assert_eq!(job.attempts, 3);
        let runs = runs.lock().unwrap().clone();
        // Backoff: base 50 ms, then 100 ms; each at least half of that.
        assert!(runs[1].1 - runs[0].2 >= Duration::from_millis(25));
        assert!(runs[2].1 - runs[1].2 >= Duration::from_millis(50));
    }
);

contract_test!(
    transient_failures_stop_after_max_attempts,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let runs = Runs::default();
        let new = NewJob::new(
            JobKind::OidcCheck,
            serde_json::json!({"tag": "bad", "ms": 0, "fail_attempts": 99}),
            "system:t",
        )
        .max_attempts(2);
        let id = enqueue(&store, new).await;
        let workers = Workers::start(store.clone(), registry(&runs), fast_config(1));
        let job = wait_finished(&store, id, Duration::from_secs(10)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(job.attempts, 2);
        assert_eq!(job.last_error.as_deref(), Some("attempt 2 fails"));
    }
);

contract_test!(
    infrastructure_failures_are_not_retried_until_asked,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let runs = Runs::default();
        let new = NewJob::new(
            JobKind::PromotionExecute,
            serde_json::json!({"tag": "i", "ms": 0, "fail_attempts": 1}),
            "user:a",
        )
        .for_environment("teal");
        let id = enqueue(&store, new).await;
        let workers = Workers::start(store.clone(), registry(&runs), fast_config(1));
        let job = wait_finished(&store, id, Duration::from_secs(10)).await;
        assert_eq!((job.status, job.attempts), (JobStatus::Failed, 1));
        let mut conn = store.pool().acquire().await.unwrap();
        queue::retry(&mut conn, id).await.unwrap();
        drop(conn);
        let job = wait_finished(&store, id, Duration::from_secs(10)).await;
        workers.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job.status, JobStatus::Succeeded);
    }
);

contract_test!(
    a_panicking_handler_fails_only_its_attempt,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        let runs = Runs::default();
        let new = NewJob::new(
            JobKind::PromotionExecute,
            serde_json::json!({"tag": "p", "ms": 0, "panic": true}),
            "user:a",
        )
        .for_environment("teal");
        let id = enqueue(&store, new).await;
        let after = enqueue(
            &store,
            job(JobKind::PromotionExecute, "after", 0).for_environment("teal"),
        )
        .await;
        let workers = Workers::start(store.clone(), registry(&runs), fast_config(1));
        let job = wait_finished(&store, id, Duration::from_secs(10)).await;
        assert_eq!(job.status, JobStatus::Failed);
        assert!(job.last_error.unwrap().contains("asked to panic"));
        assert_eq!(
            wait_finished(&store, after, Duration::from_secs(10))
                .await
                .status,
            JobStatus::Succeeded
        );
        let metrics = workers.metrics().snapshot();
        assert_eq!(
            metrics.attempts[&JobKind::PromotionExecute].get(&queue::Outcome::Panicked),
            Some(&1)
        );
        assert_eq!(metrics.job_seconds[&JobKind::PromotionExecute].count, 2);
        workers.shutdown(Duration::from_secs(5)).await;
    }
);

contract_test!(
    stats_count_queued_and_running_jobs_by_kind,
    |db: TestDatabase| async move {
        let store = store(&db).await;
        enqueue(&store, job(JobKind::OidcCheck, "a", 0)).await;
        enqueue(&store, job(JobKind::OidcCheck, "b", 0)).await;
        enqueue(
            &store,
            job(JobKind::PromotionExecute, "c", 0).for_environment("teal"),
        )
        .await;
        queue::claim(&store, "w", &[JobKind::PromotionExecute], 1, 60_000)
            .await
            .unwrap();
        let stats = queue::stats(store.pool()).await.unwrap();
        assert_eq!(stats.queued.get(&JobKind::OidcCheck), Some(&2));
        assert_eq!(stats.running.get(&JobKind::PromotionExecute), Some(&1));
        assert!(stats.oldest_due_ms.is_some());
    }
);

/// Child-process entry point, not a test: an idle worker pool over
/// `PALETTE_TEST_IDLE_DB` for `idle_workers_do_not_spin`, which runs it.
#[tokio::test]
#[ignore = "child-process entry point, run by idle_workers_do_not_spin"]
async fn idle_worker_child() {
    testkit::init_tracing();
    let url = child_env("PALETTE_TEST_IDLE_DB");
    let store = engine::Store::connect(&url).await.unwrap();
    let mut config = engine::queue::WorkerConfig::default();
    if url.starts_with("postgres") {
        config.listen_url = Some(url.clone());
    }
    let _workers = Workers::start(store, registry(&Runs::default()), config);
    tokio::time::sleep(Duration::from_secs(60)).await;
}

contract_test!(idle_workers_do_not_spin, |db: TestDatabase| async move {
    let _store = store(&db).await;
    let mut child = spawn_child(
        "queue::idle_worker_child",
        &[("PALETTE_TEST_IDLE_DB", db.url.clone())],
    );
    tokio::time::sleep(Duration::from_secs(2)).await; // start-up
    assert_running(&mut child);
    let before = cpu_ticks(child.id());
    tokio::time::sleep(Duration::from_secs(5)).await;
    let used = cpu_ticks(child.id()) - before;
    // A child that exited would have used no CPU at all.
    assert_running(&mut child);
    child.kill().unwrap();
    let _ = child.wait();
    // Clock ticks are 10 ms: an idle pool must stay under 50 ms in 5 s (1 %).
    assert!(
        used <= 5,
        "an idle worker pool used {used} ticks of CPU in 5 s"
    );
});

contract_test!(
    many_short_jobs_on_many_workers_each_run_once_and_all_end_recorded,
    |db: TestDatabase| async move {
        // Slots go on with the job they claim when recording a success, and
        // on PostgreSQL successes that finish together are recorded in one
        // statement: no job may be dropped, run twice or left running.
        let store = store(&db).await;
        let mut ids = Vec::new();
        for i in 0..120 {
            ids.push(enqueue(&store, job(JobKind::OidcCheck, &format!("n{i}"), 0)).await);
        }
        let runs = Runs::default();
        let workers = Workers::start(store.clone(), registry(&runs), fast_config(8));
        for id in &ids {
            let done = wait_finished(&store, *id, Duration::from_secs(30)).await;
            assert_eq!(done.status, JobStatus::Succeeded, "job {id}");
            assert_eq!(done.attempts, 1, "job {id} ran more than once");
        }
        workers.shutdown(Duration::from_secs(5)).await;
        let mut tags: Vec<String> = runs.lock().unwrap().iter().map(|r| r.0.clone()).collect();
        tags.sort();
        tags.dedup();
        assert_eq!(tags.len(), 120);
        assert_eq!(runs.lock().unwrap().len(), 120, "a job ran twice");
        let stats = queue::stats(store.pool()).await.unwrap();
        assert!(stats.running.is_empty(), "{stats:?}");
        assert!(stats.queued.is_empty(), "{stats:?}");
    }
);

/// Waits until asked to stop, then says so.
#[derive(Debug, Serialize, Deserialize)]
struct UntilStopped {}

impl BackgroundJob for UntilStopped {
    const KIND: JobKind = JobKind::PromotionExecute;
    type Context = tokio::sync::mpsc::UnboundedSender<()>;
    async fn run(self, ctx: JobContext, heard: Self::Context) -> Result<(), JobError> {
        ctx.stopped().await;
        let _ = heard.send(());
        Err(JobError::Cancelled { stopped_at: None })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_asked_by_another_process_reaches_the_running_job_through_postgres() {
    testkit::init_tracing();
    let db = testkit::postgres().await;
    let store = store(&db).await;
    let (heard_tx, mut heard) = tokio::sync::mpsc::unbounded_channel();
    let config = queue::WorkerConfig {
        // The lease watcher's own check would come in an hour, the first
        // heartbeat in 20 minutes: only the notification can bring it.
        check_every: Duration::from_secs(3600),
        lease: Duration::from_secs(3600),
        listen_url: Some(db.url.clone()),
        ..fast_config(1)
    };
    let workers = Workers::start(
        store.clone(),
        Registry::new().register::<UntilStopped>(heard_tx),
        config,
    );
    let id = enqueue(
        &store,
        NewJob::new(
            JobKind::PromotionExecute,
            serde_json::json!({}),
            "user:anne",
        ),
    )
    .await;
    wait_for_job(&store, id, Duration::from_secs(20), |j| {
        j.status == JobStatus::Running
    })
    .await;
    // What another Palette process does (no bell rings in this one).
    sqlx::query("UPDATE jobs SET cancel_requested = 1 WHERE id = $1")
        .bind(id.0)
        .execute(store.pool())
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(20), heard.recv())
        .await
        .expect("the running job heard the cancel")
        .expect("the job said so");
    let done = wait_finished(&store, id, Duration::from_secs(20)).await;
    assert_eq!(done.status, JobStatus::Cancelled);
    workers.shutdown(Duration::from_secs(5)).await;
}
