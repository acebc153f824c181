//! Job queue benchmark (PostgreSQL or SQLite): no-op jobs claimed and
//! completed per second with N workers, the CPU an idle worker pool uses,
//! and (PostgreSQL) how long a running job takes to hear that another
//! process asked it to stop.
//!
//! ```text
//! cargo run --release -p engine --example queue_bench -- DATABASE_URL WORKERS JOBS [IDLE_SECS]
//! ```
//! `bench/queue/run.sh` runs it side by side with graphile-worker.

use std::time::{Duration, Instant};

use engine::queue::{
    self, BackgroundJob, JobContext, JobError, JobKind, NewJob, Registry, WorkerConfig, Workers,
};
use engine::Store;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Noop {}

/// Waits until asked to stop, then says when it heard (Unix ms).
#[derive(Debug, Serialize, Deserialize)]
struct Waits {}

impl BackgroundJob for Waits {
    const KIND: JobKind = JobKind::PromotionExecute;
    type Context = tokio::sync::mpsc::UnboundedSender<i64>;
    async fn run(self, ctx: JobContext, heard: Self::Context) -> Result<(), JobError> {
        ctx.stopped().await;
        let _ = heard.send(engine::store::now_ms());
        Err(JobError::Cancelled { stopped_at: None })
    }
}

/// Asks a running job to stop the way another Palette process would (an
/// UPDATE on the database, no in-process bell) and returns how many ms the
/// job took to hear it: through `NOTIFY palette_cancels`, since the lease
/// watcher's own check is an hour away.
async fn cancel_latency(url: &str) -> Result<Vec<i64>, Box<dyn std::error::Error>> {
    let store = Store::connect(url).await?;
    let (heard_tx, mut heard) = tokio::sync::mpsc::unbounded_channel();
    let config = WorkerConfig {
        workers: 1,
        check_every: Duration::from_secs(3600),
        listen_url: Some(url.to_owned()),
        ..WorkerConfig::default()
    };
    let pool = Workers::start(
        store.clone(),
        Registry::new().register::<Waits>(heard_tx),
        config,
    );
    let mut latencies = Vec::new();
    for _ in 0..10 {
        let mut tx = store.pool().begin().await?;
        let id = queue::enqueue(
            &mut *tx,
            NewJob::new(
                JobKind::PromotionExecute,
                serde_json::json!({}),
                "system:bench",
            ),
        )
        .await?;
        tx.commit().await?;
        loop {
            let running = sqlx::query("SELECT 1 FROM jobs WHERE id = $1 AND status = 'running'")
                .bind(id.0)
                .fetch_optional(store.pool())
                .await?;
            if running.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let asked = engine::store::now_ms();
        sqlx::query("UPDATE jobs SET cancel_requested = 1 WHERE id = $1")
            .bind(id.0)
            .execute(store.pool())
            .await?;
        let at = tokio::time::timeout(Duration::from_secs(30), heard.recv())
            .await?
            .ok_or("the job ended without hearing the request")?;
        latencies.push(at - asked);
    }
    pool.shutdown(Duration::from_secs(5)).await;
    Ok(latencies)
}

impl BackgroundJob for Noop {
    const KIND: JobKind = JobKind::OidcCheck;
    type Context = ();
    async fn run(self, _ctx: JobContext, (): ()) -> Result<(), JobError> {
        Ok(())
    }
}

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    fields.iter().sum()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .ok_or("usage: queue_bench DATABASE_URL WORKERS JOBS [IDLE_SECS]")?
        .clone();
    let workers: usize = args.get(2).map_or(Ok(4), |s| s.parse())?;
    let jobs: i64 = args.get(3).map_or(Ok(10_000), |s| s.parse())?;
    let idle_secs: u64 = args.get(4).map_or(Ok(0), |s| s.parse())?;
    let store = Store::connect(&url).await?;
    store.migrate().await?;

    let mut tx = store.pool().begin().await?;
    for _ in 0..jobs {
        queue::enqueue(
            &mut *tx,
            NewJob::new(JobKind::OidcCheck, serde_json::json!({}), "system:bench"),
        )
        .await?;
    }
    tx.commit().await?;

    let config = WorkerConfig {
        workers,
        listen_url: Some(url.clone()),
        ..WorkerConfig::default()
    };
    let registry = Registry::new().register::<Noop>(());
    let start = Instant::now();
    let pool = Workers::start(store.clone(), registry.clone(), config.clone());
    let metrics = pool.metrics();
    let target = u64::try_from(jobs)?;
    loop {
        let snapshot = metrics.snapshot();
        let done = snapshot
            .attempts
            .get(&JobKind::OidcCheck)
            .and_then(|o| o.get(&queue::Outcome::Succeeded));
        if done.copied().unwrap_or(0) >= target {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    pool.shutdown(Duration::from_secs(10)).await;
    #[allow(clippy::cast_precision_loss)]
    let rate = jobs as f64 / secs;
    println!("palette workers={workers} jobs={jobs} seconds={secs:.2} jobs_per_sec={rate:.0}");

    if idle_secs > 0 {
        let idle = Workers::start(store.clone(), registry, config);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let before = cpu_ticks();
        tokio::time::sleep(Duration::from_secs(idle_secs)).await;
        let used = cpu_ticks() - before;
        println!("palette idle_secs={idle_secs} cpu_ms={}", used * 10);
        idle.shutdown(Duration::from_secs(5)).await;
    }
    if store.backend() == engine::store::Backend::Postgres && idle_secs > 0 {
        let mut ms = cancel_latency(&url).await?;
        ms.sort_unstable();
        println!(
            "palette cancel_ms_median={} cancel_ms_max={} (10 requests from another connection)",
            ms[ms.len() / 2],
            ms[ms.len() - 1]
        );
    }
    Ok(())
}
