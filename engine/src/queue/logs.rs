//! The log writer of one running job: numbers lines as they arrive and
//! appends them in small batches (up to 200 lines, at most ~100 ms late),
//! fenced by the job's lease. A line longer than [`MAX_LINE_BYTES`] is
//! cut there, and a job stores at most [`MAX_JOB_LINES`] lines (over all
//! its attempts): what a runaway process prints cannot fill the database.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::fence::{self, Lease, LeaseError, PendingLine};
use super::stop::Flag;
use crate::store::{now_ms, Store};

const BATCH: usize = 200;
/// The longest line stored; longer ones are cut, saying how much was cut.
pub const MAX_LINE_BYTES: usize = 16 * 1024;
/// The most lines a job stores; the last one says the rest was dropped.
pub const MAX_JOB_LINES: i64 = 50_000;
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
            line: cut(line),
        }),
        Msg::Flush(done) => waiters.push(done),
    }
}

/// `line`, cut to [`MAX_LINE_BYTES`] (at a character boundary) with a note
/// of how many bytes were cut.
fn cut(mut line: String) -> String {
    if line.len() <= MAX_LINE_BYTES {
        return line;
    }
    let mut end = MAX_LINE_BYTES;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    let dropped = line.len() - end;
    line.truncate(end);
    line.push_str(&format!(" … [{dropped} more bytes cut]"));
    line
}

/// Fits `batch`, numbered from `seq`, under [`MAX_JOB_LINES`]: lines past
/// the cap are dropped, the one at the cap says so.
fn cap(batch: &mut Vec<PendingLine>, seq: i64) {
    let room = usize::try_from(MAX_JOB_LINES - seq + 1).unwrap_or(0);
    if batch.len() <= room.saturating_sub(1) {
        return;
    }
    batch.truncate(room);
    if let Some(last) = batch.last_mut() {
        last.step = None;
        last.line = format!(
            "[log capped at {MAX_JOB_LINES} lines: the rest of this job's output is not stored]"
        );
    }
}

async fn write(
    store: &Store,
    lease: Lease,
    lease_lost: &Flag,
    next_seq: &mut Option<i64>,
    batch: &mut Vec<PendingLine>,
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
        cap(batch, seq);
        if batch.is_empty() {
            // At the cap already: nothing more is stored.
            *next_seq = Some(seq);
            return;
        }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn lines(n: usize) -> Vec<PendingLine> {
        (0..n)
            .map(|i| PendingLine {
                seq: 0,
                step: Some(1),
                at: 0,
                line: format!("line {i}"),
            })
            .collect()
    }

    #[test]
    fn a_long_line_is_cut_at_a_character_boundary_saying_how_much() {
        let short = "é".repeat(100);
        assert_eq!(cut(short.clone()), short);
        let long = format!("a{}", "é".repeat(MAX_LINE_BYTES));
        let was = long.len();
        let cut = cut(long);
        let (kept, note) = cut.split_once(" … [").unwrap();
        assert!(kept.len() <= MAX_LINE_BYTES && kept.len() > MAX_LINE_BYTES - 2);
        assert_eq!(note, format!("{} more bytes cut]", was - kept.len()));
    }

    #[test]
    fn lines_past_the_jobs_cap_are_dropped_and_the_last_stored_says_so() {
        // Room for all: unchanged.
        let mut batch = lines(10);
        cap(&mut batch, MAX_JOB_LINES - 10);
        assert_eq!(batch.len(), 10);
        assert_eq!(batch[9].line, "line 9");
        // Three places left (seq MAX-2, MAX-1, MAX): two lines and the note.
        let mut batch = lines(10);
        cap(&mut batch, MAX_JOB_LINES - 2);
        assert_eq!(batch.len(), 3);
        assert_eq!(batch[1].line, "line 1");
        assert!(batch[2].line.starts_with("[log capped at 50000 lines"));
        // Past the cap: nothing.
        let mut batch = lines(10);
        cap(&mut batch, MAX_JOB_LINES + 1);
        assert!(batch.is_empty());
    }
}
