//! The durable job queue, in Palette's database (SQLite or PostgreSQL).
//!
//! At-least-once and safe with many processes on one PostgreSQL:
//! - [`enqueue`] inside the transaction of the change that needs the job;
//! - workers ([`Workers`]) claim due jobs (`FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL, one writer on SQLite), woken by `LISTEN/NOTIFY` or an
//!   in-process bell, with a slow poll as fallback;
//! - a claim is a lease with a fencing token: heartbeats extend it, every
//!   write of the worker is fenced by the token ([`fence`]), an expired lease
//!   is taken back by any worker and the job resumes;
//! - one infrastructure job per environment runs at a time (concurrency key);
//! - cancellation, retries with backoff for non-infrastructure jobs, and
//!   [`retry`] from the failed step for the rest.

mod claim;
mod config;
mod context;
mod control;
mod enqueue;
mod execute;
pub mod fence;
mod finish;
mod job;
mod listen;
mod logs;
mod metrics;
mod model;
mod persist;
mod read;
mod signal;
mod stats;
mod stop;
mod worker;

pub use claim::{claim, reclaim_expired, Claimed};
pub use config::WorkerConfig;
pub use context::JobContext;
pub use control::{cancel, retry};
pub use enqueue::{enqueue, enqueue_unless_pending};
pub use execute::backoff_ms;
pub use fence::{Completion, Lease, LeaseError, StepUpdate};
pub use job::{BackgroundJob, JobError, Registry};
pub use listen::CHANNEL as NOTIFY_CHANNEL;
pub use metrics::{Histogram, Metrics, MetricsSnapshot, Outcome, BUCKETS};
pub use model::{
    CancelOutcome, Job, JobDetail, JobFilter, JobId, JobKind, JobStatus, LogLine, NewJob, Phase,
    PlanSummary, Progress, Step, StepStatus,
};
pub use persist::LeaseClock;
pub use read::{
    get_job, last_created_per_environment, latest_per_environment, list_jobs, logs, steps, Visible,
};
pub use stats::{stats, QueueStats};
pub use stop::{Flag, StopReason, StopSignals};
pub use worker::Workers;
