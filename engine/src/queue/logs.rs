//! The log writer of one running job: numbers lines as they arrive and
//! appends them in small batches (up to 200 lines, at most ~100 ms late),
//! fenced by the job's lease.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::fence::{self, Lease, LeaseError, PendingLine};
use super::stop::Flag;
use crate::store::{now_ms, Store};

const BATCH: usize = 200;
const LINGER: Duration = Duration::from_millis(100);

enum Msg {
    Line(Option<i64>, String),
    Flush(oneshot::Sender<()>),
}

/// Where a job's handler sends its log lines; cheap to clone.
#[derive(Debug, Clone)]
pub struct LogSink {
    tx: mpsc::UnboundedSender<Msg>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogMsg")
    }
}

impl LogSink {
    /// Starts the writer task; it ends when every sink is dropped, after
    /// writing what it holds. Raises `lease_lost` when a write is refused.
    pub fn start(
        store: Store,
        lease: Lease,
        lease_lost: Flag,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(write_loop(store, lease, lease_lost, rx));
        (Self { tx }, task)
    }

    /// Queues one line (of step `step`, when it belongs to one).
    pub fn line(&self, step: Option<i64>, text: impl Into<String>) {
        let _ = self.tx.send(Msg::Line(step, text.into()));
    }

    /// Waits until every line queued before this call is stored (or refused).
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

async fn write_loop(
    store: Store,
    lease: Lease,
    lease_lost: Flag,
    mut rx: mpsc::UnboundedReceiver<Msg>,
) {
    let mut next_seq: Option<i64> = None;
    let mut batch: Vec<PendingLine> = Vec::new();
    let mut waiters: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        let first = if batch.is_empty() {
            rx.recv().await
        } else {
            None
        };
        let mut closed = batch.is_empty() && first.is_none();
        if let Some(msg) = first {
            take(msg, &mut batch, &mut waiters);
        }
        let deadline = tokio::time::Instant::now() + LINGER;
        while !closed && batch.len() < BATCH && waiters.is_empty() {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(msg)) => take(msg, &mut batch, &mut waiters),
                Ok(None) => closed = true,
                Err(_) => break,
            }
        }
        if !batch.is_empty() && !lease_lost.is_raised() {
            write(&store, lease, &lease_lost, &mut next_seq, &mut batch).await;
        }
        batch.clear();
        for done in waiters.drain(..) {
            let _ = done.send(());
        }
        if closed {
            return;
        }
    }
}

fn take(msg: Msg, batch: &mut Vec<PendingLine>, waiters: &mut Vec<oneshot::Sender<()>>) {
    match msg {
        Msg::Line(step, line) => batch.push(PendingLine {
            seq: 0,
            step,
            at: now_ms(),
            line,
        }),
        Msg::Flush(done) => waiters.push(done),
    }
}

async fn write(
    store: &Store,
    lease: Lease,
    lease_lost: &Flag,
    next_seq: &mut Option<i64>,
    batch: &mut [PendingLine],
) {
    for attempt in 0..5_u32 {
        let seq = match *next_seq {
            Some(seq) => seq,
            None => match fence::next_log_seq(store, lease.job).await {
                Ok(seq) => seq,
                Err(e) => {
                    tracing::warn!(job = %lease.job, error = %e, "reading the log sequence failed");
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                    continue;
                }
            },
        };
        for (line, n) in batch.iter_mut().zip(0_i64..) {
            line.seq = seq + n;
        }
        match fence::append_logs(store, lease, batch).await {
            Ok(()) => {
                *next_seq = Some(seq + i64::try_from(batch.len()).unwrap_or(i64::MAX));
                return;
            }
            Err(LeaseError::LeaseLost) => {
                lease_lost.raise();
                return;
            }
            Err(LeaseError::Store(e)) => {
                tracing::warn!(job = %lease.job, error = %e, "appending log lines failed; trying again");
                *next_seq = None;
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
        }
    }
    tracing::error!(job = %lease.job, lines = batch.len(), "gave up appending log lines");
}
