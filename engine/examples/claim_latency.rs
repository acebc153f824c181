//! How long one claim takes with a large backlog (PostgreSQL or SQLite):
//! the claim must cost the same with 1,000 or 100,000 jobs waiting.
//!
//! ```text
//! cargo run --release -p engine --example claim_latency -- DATABASE_URL [BACKLOG...]
//! ```
//! For each backlog size, on a fresh set of jobs:
//! - `unkeyed`: BACKLOG due jobs without a concurrency key; 300 times a
//!   claim of one job, then its completion. Timed: the claim.
//! - `keyed`: BACKLOG due jobs spread over 100 concurrency keys, every key
//!   busy (its oldest job claimed and running), and 300 jobs without a key
//!   queued after them; 300 times a claim of one job (one of those), then
//!   its completion; then 300 claims that find nothing (every key busy, the
//!   rest taken): what an idle worker pays for each look. Timed: the claim.
//!
//! `bench/queue/run.sh` runs it after the throughput table.

use std::time::{Duration, Instant};

use engine::queue::{self, fence, Completion, JobKind};
use engine::Store;

const ROUNDS: usize = 300;
const KEYS: i64 = 100;
const LEASE_MS: i64 = 600_000;

async fn fill(
    store: &Store,
    jobs: i64,
    keys: Option<i64>,
) -> Result<(), Box<dyn std::error::Error>> {
    // In chunks, as one statement each: enqueueing one by one would take
    // longer than the benchmark.
    let now = engine::store::now_ms();
    let mut left = jobs;
    let mut n = 0_i64;
    while left > 0 {
        let chunk = left.min(500);
        let rows: Vec<String> = (0..chunk)
            .map(|_| {
                n += 1;
                let key = keys.map_or_else(|| "NULL".to_owned(), |k| format!("'bench:{}'", n % k));
                format!("('oidc.check', '{{}}', 'queued', 0, 3, {now}, 'system:bench', {key}, {now}, {now})")
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, actor, \
             concurrency_key, created_at, updated_at) VALUES {}",
            rows.join(", ")
        ))
        .execute(store.pool())
        .await?;
        left -= chunk;
    }
    // What autovacuum does to a table that has been in use: planner
    // statistics, and a visibility map for index-only scans. A freshly
    // filled table would be planned blind.
    sqlx::query(match store.backend() {
        engine::store::Backend::Postgres => "VACUUM ANALYZE jobs",
        engine::store::Backend::Sqlite => "ANALYZE",
    })
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Starts from an empty table, as a fresh database would: on PostgreSQL a
/// DELETE would leave every row's index entries for the next scans to step
/// over until a vacuum, which measures the DELETE, not the claim.
async fn empty(store: &Store) -> Result<(), sqlx::Error> {
    let sql = match store.backend() {
        engine::store::Backend::Postgres => "TRUNCATE jobs CASCADE",
        engine::store::Backend::Sqlite => "DELETE FROM jobs",
    };
    sqlx::query(sql).execute(store.pool()).await.map(|_| ())
}

fn quantiles(mut times: Vec<Duration>) -> String {
    times.sort();
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((times.len() as f64) * q) as usize;
        times[i.min(times.len() - 1)].as_secs_f64() * 1000.0
    };
    format!("p50 {:.2} ms  p99 {:.2} ms", at(0.5), at(0.99))
}

async fn claims(
    store: &Store,
    complete: bool,
) -> Result<(Vec<Duration>, usize), Box<dyn std::error::Error>> {
    let kinds = [JobKind::OidcCheck];
    let mut times = Vec::with_capacity(ROUNDS);
    let mut claimed = 0;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let jobs = queue::claim(store, "bench", &kinds, 1, LEASE_MS).await?;
        times.push(started.elapsed());
        claimed += jobs.len();
        if complete {
            for job in jobs {
                fence::complete(store, job.lease, &Completion::Succeeded).await?;
            }
        }
    }
    Ok((times, claimed))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .ok_or("usage: claim_latency DATABASE_URL [BACKLOG...]")?
        .clone();
    let sizes: Vec<i64> = if args.len() > 2 {
        args[2..]
            .iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()?
    } else {
        vec![1_000, 100_000]
    };
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    println!(
        "backlog       jobs  claim of one job (then its completion) | claims that find nothing"
    );
    for size in sizes {
        empty(&store).await?;
        fill(&store, size, None).await?;
        let (times, claimed) = claims(&store, true).await?;
        println!(
            "unkeyed   {size:>8}  {} ({claimed} claimed)",
            quantiles(times)
        );

        empty(&store).await?;
        fill(&store, size, Some(KEYS)).await?;
        // Every key busy: each key's oldest job runs (and stays running).
        let mut busy = 0;
        while busy < KEYS {
            let got = queue::claim(&store, "bench", &[JobKind::OidcCheck], KEYS, LEASE_MS).await?;
            if got.is_empty() {
                break;
            }
            busy += i64::try_from(got.len())?;
        }
        fill(&store, i64::try_from(ROUNDS)?, None).await?;
        let (times, claimed) = claims(&store, true).await?;
        let (idle, found) = claims(&store, false).await?;
        println!(
            "keyed     {size:>8}  {} ({claimed} claimed, {busy} keys busy) | {} ({found} claimed)",
            quantiles(times),
            quantiles(idle)
        );
    }
    Ok(())
}
