//! A running job and a database that goes away (PostgreSQL stopped as a
//! crash would, every connection cut): an outage shorter than the lease
//! fails nothing and loses no log line; a longer one stops the job, which
//! another claim then takes over.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::queue::*;
use engine::queue::{
    self, BackgroundJob, JobContext, JobError, JobKind, JobStatus, NewJob, Phase, Registry,
    StepStatus, StepUpdate, StopReason, WorkerConfig, Workers,
};
use engine::Store;
use serde::{Deserialize, Serialize};
use testkit::PgCluster;

/// How each attempt ended, and when.
type Seen = Arc<Mutex<Vec<(i64, Option<StopReason>, Instant)>>>;

/// Logs `lines` lines (or until told to stop when `lines` is 0), one every
/// `every_ms`, without waiting for the database; its one step runs
/// meanwhile. A later attempt logs one line and succeeds.
#[derive(Debug, Serialize, Deserialize)]
struct Chatty {
    lines: u64,
    every_ms: u64,
}

impl BackgroundJob for Chatty {
    const KIND: JobKind = JobKind::PromotionExecute;
    type Context = Seen;

    async fn run(self, ctx: JobContext, seen: Seen) -> Result<(), JobError> {
        let attempt = ctx.attempt();
        let ended = |reason| seen.lock().unwrap().push((attempt, reason, Instant::now()));
        ctx.ensure_steps(&[("chatty".to_owned(), Phase::Apply)])
            .await?;
        let running = StepUpdate {
            status: Some(StepStatus::Running),
            ..StepUpdate::default()
        };
        ctx.update_step(0, &running).await?;
        if attempt > 1 {
            ctx.log(Some(0), format!("attempt {attempt} takes over"));
        } else {
            // As a layer run does: output logged as it comes, and the
            // step's progress written every 300 ms beside it.
            let count = AtomicI64::new(0);
            let logging = async {
                let mut i = 0;
                while self.lines == 0 || i < self.lines {
                    if ctx.stop_reason().is_some() {
                        return Err(JobError::LeaseLost);
                    }
                    i += 1;
                    ctx.log(Some(0), format!("line {i}"));
                    count.store(i64::try_from(i).unwrap(), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(self.every_ms)).await;
                }
                Ok(())
            };
            let progress = async {
                loop {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let update = StepUpdate {
                        resources_done: Some(count.load(Ordering::Relaxed)),
                        ..StepUpdate::default()
                    };
                    ctx.update_step(0, &update).await?;
                }
            };
            let stopped = tokio::select! {
                logged = logging => logged,
                failed = progress => failed,
            };
            if let Err(e) = stopped {
                ended(ctx.stop_reason());
                return Err(e);
            }
        }
        let done = StepUpdate {
            status: Some(StepStatus::Succeeded),
            ..StepUpdate::default()
        };
        ctx.update_step(0, &done).await?;
        ctx.flush_logs().await;
        ended(None);
        Ok(())
    }
}

fn config(lease: Duration) -> WorkerConfig {
    WorkerConfig {
        lease,
        check_every: Duration::from_millis(200),
        ..fast_config(1)
    }
}

async fn start(cluster: &PgCluster) -> Store {
    let store = Store::connect(&cluster.url()).await.unwrap();
    store.migrate().await.unwrap();
    store
}

async fn enqueue(store: &Store, job: &Chatty) -> queue::JobId {
    let mut tx = store.pool().begin().await.unwrap();
    let new = NewJob::new(
        JobKind::PromotionExecute,
        serde_json::to_value(job).unwrap(),
        "user:anne",
    );
    let id = queue::enqueue(&mut *tx, new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Waits until `n` log lines of `job` are stored.
async fn wait_lines(store: &Store, job: queue::JobId, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while queue::logs(store.pool(), job, 0, 100_000)
        .await
        .unwrap()
        .len()
        < n
    {
        assert!(Instant::now() < deadline, "{n} lines were never stored");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_database_outage_shorter_than_the_lease_fails_nothing_and_loses_no_line() {
    testkit::init_tracing();
    let cluster = PgCluster::start();
    let store = start(&cluster).await;
    let seen = Seen::default();
    let registry = Registry::new().register::<Chatty>(Arc::clone(&seen));
    let id = enqueue(
        &store,
        &Chatty {
            lines: 250,
            every_ms: 40,
        },
    )
    .await;
    let workers = Workers::start(store.clone(), registry, config(Duration::from_secs(12)));
    wait_lines(&store, id, 10).await;

    // 7 s without a database, in the middle of the job (lease 12 s): longer
    // than a connection attempt waits (5 s), shorter than the lease.
    cluster.stop();
    tokio::time::sleep(Duration::from_secs(7)).await;
    cluster.resume();

    let fresh = start(&cluster).await;
    let job = wait_finished(&fresh, id, Duration::from_secs(30)).await;
    workers.shutdown(Duration::from_secs(5)).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    assert_eq!(job.attempts, 1, "one attempt, never taken over");
    let logs = queue::logs(fresh.pool(), id, 0, 100_000).await.unwrap();
    let lines: Vec<&str> = logs.iter().map(|l| l.line.as_str()).collect();
    let expected: Vec<String> = (1..=250).map(|i| format!("line {i}")).collect();
    assert_eq!(lines, expected, "every line, once, in order");
    let seqs: Vec<i64> = logs.iter().map(|l| l.seq).collect();
    assert_eq!(seqs, (1..=250).collect::<Vec<i64>>());
    let steps = queue::steps(fresh.pool(), id).await.unwrap();
    assert_eq!(steps[0].status, StepStatus::Succeeded);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_outage_longer_than_the_lease_stops_the_job_before_it_can_be_taken_over() {
    testkit::init_tracing();
    let cluster = PgCluster::start();
    let store = start(&cluster).await;
    let seen = Seen::default();
    let registry = Registry::new().register::<Chatty>(Arc::clone(&seen));
    let id = enqueue(
        &store,
        &Chatty {
            lines: 0,
            every_ms: 40,
        },
    )
    .await;
    let lease = Duration::from_secs(3);
    let workers = Workers::start(store.clone(), registry, config(lease));
    wait_lines(&store, id, 10).await;

    let down = Instant::now();
    cluster.stop();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let up = Instant::now();
    cluster.resume();

    let fresh = start(&cluster).await;
    let job = wait_finished(&fresh, id, Duration::from_secs(30)).await;
    workers.shutdown(Duration::from_secs(5)).await;
    let seen = seen.lock().unwrap().clone();
    // The first attempt stopped while the database was still down: within
    // the lease of its last heartbeat, so before anyone could take it.
    let (attempt, reason, at) = seen[0];
    assert_eq!((attempt, reason), (1, Some(StopReason::LeaseLost)));
    assert!(at < up, "the job stopped only after the database came back");
    assert!(
        at.duration_since(down) < lease,
        "stopped {:?} after the outage began, later than the lease",
        at.duration_since(down)
    );
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    assert_eq!(job.attempts, 2, "taken over once");
    let logs = queue::logs(fresh.pool(), id, 0, 100_000).await.unwrap();
    assert_eq!(
        logs.last().map(|l| l.line.as_str()),
        Some("attempt 2 takes over")
    );
    let seqs: Vec<i64> = logs.iter().map(|l| l.seq).collect();
    assert_eq!(
        seqs,
        (1..=i64::try_from(logs.len()).unwrap()).collect::<Vec<i64>>()
    );
    // What the first attempt stored came before the outage, in order.
    for (line, n) in logs.iter().rev().skip(1).rev().zip(1..) {
        assert_eq!(line.line, format!("line {n}"));
    }
}
