//! The log writer of one running job: numbers lines as they arrive and
//! appends them in small batches (at most ~100 ms late), fenced by the
//! job's lease. A line longer than [`MAX_LINE_BYTES`] is cut there, and a
//! job stores at most [`MAX_JOB_LINES`] lines (over all its attempts): what
//! a runaway process prints cannot fill the database.
//!
//! While the database cannot be reached, lines wait in memory, in order,
//! and are written when it answers again (until the lease runs out). At
//! most [`MAX_BUFFERED_LINES`] wait; past that, lines are dropped and a
//! line in their place says how many.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::fence::{self, Lease, LeaseError, PendingLine};
use super::persist::LeaseClock;
use super::stop::Flag;
use crate::store::{now_ms, Store, StoreError};

const BATCH: usize = 200;
/// The longest line stored; longer ones are cut, saying how much was cut.
pub const MAX_LINE_BYTES: usize = 16 * 1024;
/// The most lines a job stores; the last one says the rest was dropped.
pub const MAX_JOB_LINES: i64 = 50_000;
/// The most lines held in memory while the database does not answer.
pub const MAX_BUFFERED_LINES: usize = 20_000;
const LINGER: Duration = Duration::from_millis(100);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

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
        clock: LeaseClock,
        lease_lost: Flag,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let writer = Writer {
            store,
            lease,
            clock,
            lease_lost,
            buffer: Buffer::default(),
            next_seq: None,
            waiters: Vec::new(),
        };
        let task = tokio::spawn(writer.run(rx));
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

/// The lines not stored yet, oldest first. The first `numbered` of them
/// have their sequence numbers: a write that failed keeps them, so trying
/// it again cannot store a line twice.
#[derive(Debug, Default)]
struct Buffer {
    lines: VecDeque<PendingLine>,
    numbered: usize,
    /// Lines dropped since the last one kept; the newest buffered line
    /// (the note) says how many.
    dropping: u64,
    dropped_total: u64,
}

impl Buffer {
    fn push(&mut self, line: PendingLine) {
        if self.lines.len() < MAX_BUFFERED_LINES {
            self.dropping = 0;
            self.lines.push_back(line);
            return;
        }
        // Full: the line is dropped, and a note (one line past the bound)
        // in its place counts the run of dropped lines.
        self.dropped_total += 1;
        if self.dropping == 0 || self.lines.len() <= self.numbered {
            self.dropping = 0;
            self.lines.push_back(PendingLine {
                line: String::new(),
                ..line
            });
        }
        self.dropping += 1;
        if let Some(note) = self.lines.back_mut() {
            note.step = None;
            note.line = format!(
                "[palette: {} log lines dropped: the database did not answer and at most {MAX_BUFFERED_LINES} wait in memory]",
                self.dropping
            );
        }
    }

    /// Numbers the lines that have no number yet, from `next`; lines past
    /// [`MAX_JOB_LINES`] are dropped, the one at the cap says so. Returns
    /// the next free number.
    fn number(&mut self, mut next: i64) -> i64 {
        let mut fresh: Vec<PendingLine> = self.lines.drain(self.numbered..).collect();
        cap(&mut fresh, next);
        for line in &mut fresh {
            line.seq = next;
            next += 1;
        }
        self.lines.extend(fresh);
        self.numbered = self.lines.len();
        self.dropping = 0;
        next
    }

    /// The numbered lines were stored.
    fn stored(&mut self) {
        self.lines.drain(..self.numbered);
        self.numbered = 0;
    }

    fn clear(&mut self) {
        self.lines.clear();
        self.numbered = 0;
        self.dropping = 0;
    }
}

struct Writer {
    store: Store,
    lease: Lease,
    clock: LeaseClock,
    lease_lost: Flag,
    buffer: Buffer,
    /// The number the next new line takes, once read from the database.
    next_seq: Option<i64>,
    waiters: Vec<oneshot::Sender<()>>,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        let mut closed = false;
        let mut backoff: Option<Duration> = None;
        loop {
            if self.buffer.lines.is_empty() {
                for done in self.waiters.drain(..) {
                    let _ = done.send(());
                }
                if closed {
                    break;
                }
                match rx.recv().await {
                    Some(msg) => self.take(msg),
                    None => closed = true,
                }
                continue;
            }
            // Gather more: for the linger time (up to a batch, unless a
            // flush waits), or for the whole backoff after a failure.
            let deadline = tokio::time::Instant::now() + backoff.unwrap_or(LINGER);
            while !closed
                && (backoff.is_some()
                    || (self.buffer.lines.len() < BATCH && self.waiters.is_empty()))
            {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(msg)) => self.take(msg),
                    Ok(None) => closed = true,
                    Err(_) => break,
                }
            }
            backoff = match self.write().await {
                Written::Done => None,
                Written::TryAgain => {
                    Some(backoff.map_or(FIRST_BACKOFF, |b| (b * 2).min(MAX_BACKOFF)))
                }
            };
            if backoff.is_none() && self.buffer.dropped_total > 0 {
                tracing::warn!(job = %self.lease.job, dropped = self.buffer.dropped_total, "log lines were dropped while the database did not answer");
                self.buffer.dropped_total = 0;
            }
        }
    }

    fn take(&mut self, msg: Msg) {
        match msg {
            Msg::Line(step, line) => self.buffer.push(PendingLine {
                seq: 0,
                step,
                at: now_ms(),
                line: cut(line),
            }),
            Msg::Flush(done) => self.waiters.push(done),
        }
    }

    /// One try at storing every buffered line.
    async fn write(&mut self) -> Written {
        if self.lease_lost.is_raised() {
            // Nothing this worker writes would be accepted any more.
            self.buffer.clear();
            return Written::Done;
        }
        if self.clock.remaining().is_zero() {
            tracing::error!(job = %self.lease.job, lines = self.buffer.lines.len(), "the database did not answer before the lease ran out; these log lines are lost");
            self.lease_lost.raise();
            self.buffer.clear();
            return Written::Done;
        }
        let next = match self.next_seq {
            Some(next) => next,
            None => match fence::next_log_seq(&self.store, self.lease.job).await {
                Ok(next) => next,
                Err(e) => return self.failed(LeaseError::Store(e)),
            },
        };
        self.next_seq = Some(self.buffer.number(next));
        let lines: Vec<PendingLine> = self
            .buffer
            .lines
            .iter()
            .take(self.buffer.numbered)
            .cloned()
            .collect();
        if lines.is_empty() {
            // At the cap already: nothing more is stored.
            self.buffer.clear();
            return Written::Done;
        }
        match fence::append_logs(&self.store, self.lease, &lines).await {
            Ok(()) => {
                self.buffer.stored();
                Written::Done
            }
            // The same numbers are there already: an earlier try whose
            // answer was lost did store them.
            Err(LeaseError::Store(StoreError::Database(sqlx::Error::Database(db))))
                if db.is_unique_violation() =>
            {
                self.buffer.stored();
                Written::Done
            }
            Err(e) => self.failed(e),
        }
    }

    fn failed(&mut self, error: LeaseError) -> Written {
        match error {
            LeaseError::LeaseLost => {
                self.lease_lost.raise();
                self.buffer.clear();
                Written::Done
            }
            LeaseError::Store(e) if e.is_transient() => {
                tracing::warn!(job = %self.lease.job, error = %e, lines = self.buffer.lines.len(), "appending log lines failed; they wait in memory and are tried again");
                Written::TryAgain
            }
            LeaseError::Store(e) => {
                tracing::error!(job = %self.lease.job, error = %e, lines = self.buffer.lines.len(), "appending log lines failed; they are dropped");
                self.buffer.clear();
                Written::Done
            }
        }
    }
}

enum Written {
    /// Stored, or never will be: go on with new lines.
    Done,
    /// The database did not answer: the lines wait.
    TryAgain,
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

    fn line(text: &str) -> PendingLine {
        PendingLine {
            seq: 0,
            step: Some(1),
            at: 0,
            line: text.to_owned(),
        }
    }

    #[test]
    fn a_full_buffer_drops_lines_and_one_line_in_their_place_counts_them() {
        let mut buffer = Buffer::default();
        for i in 0..MAX_BUFFERED_LINES {
            buffer.push(line(&format!("line {i}")));
        }
        for i in 0..5 {
            buffer.push(line(&format!("dropped {i}")));
        }
        assert_eq!(buffer.lines.len(), MAX_BUFFERED_LINES + 1);
        let note = buffer.lines.back().unwrap();
        assert_eq!(note.step, None);
        assert!(
            note.line.starts_with("[palette: 5 log lines dropped"),
            "{}",
            note.line
        );
        assert_eq!(buffer.dropped_total, 5);
        // A failed write numbered them; what is dropped next gets a note
        // of its own (a numbered line is never rewritten).
        let next = buffer.number(1);
        assert_eq!(next, i64::try_from(MAX_BUFFERED_LINES).unwrap() + 2);
        buffer.push(line("dropped again"));
        let last = buffer.lines.back().unwrap();
        assert!(
            last.line.starts_with("[palette: 1 log lines dropped"),
            "{}",
            last.line
        );
        assert_eq!(last.seq, 0, "not numbered yet");
        // Once written, there is room again, in order.
        buffer.stored();
        assert_eq!(buffer.lines.len(), 1);
        buffer.push(line("kept"));
        assert_eq!(buffer.lines.back().unwrap().line, "kept");
    }

    #[test]
    fn numbers_survive_a_failed_write_and_only_new_lines_get_new_ones() {
        let mut buffer = Buffer::default();
        buffer.push(line("a"));
        buffer.push(line("b"));
        assert_eq!(buffer.number(7), 9);
        buffer.push(line("c"));
        assert_eq!(buffer.number(9), 10);
        let seqs: Vec<i64> = buffer.lines.iter().map(|l| l.seq).collect();
        assert_eq!(seqs, [7, 8, 9]);
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
