//! How a worker pool runs. The server maps `PALETTE_*` variables onto it
//! (`PALETTE_JOB_LEASE_SECS` → `lease`).

use std::time::Duration;

/// Settings of one worker pool.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs run at once by this process.
    pub workers: usize,
    /// Lease length; heartbeats extend it every third of it.
    pub lease: Duration,
    /// Slow fallback poll when no wake-up arrives.
    pub poll: Duration,
    /// Between SIGINT and SIGKILL when stopping a child process.
    pub cancel_grace: Duration,
    /// First retry delay of transient failures; doubles per attempt.
    pub retry_base: Duration,
    /// How often a running job checks for a cancel request.
    pub check_every: Duration,
    /// PostgreSQL URL to `LISTEN` on for instant wake-ups across processes;
    /// without it (or on SQLite) workers rely on in-process signals and the
    /// fallback poll.
    pub listen_url: Option<String>,
    /// Names this process in `lease_owner`, for operators.
    pub owner: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            workers: 4,
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(30),
            cancel_grace: Duration::from_secs(30),
            retry_base: Duration::from_secs(5),
            check_every: Duration::from_secs(1),
            listen_url: None,
            owner: default_owner(),
        }
    }
}

impl WorkerConfig {
    /// The defaults with the lease length in seconds (`PALETTE_JOB_LEASE_SECS`).
    #[must_use]
    pub fn with_lease_secs(mut self, secs: u64) -> Self {
        self.lease = Duration::from_secs(secs.max(1));
        self
    }
}

fn default_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!("{}:{}", host.trim(), std::process::id())
}
