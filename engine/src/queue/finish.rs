//! Recording successes in batches (PostgreSQL): the slots of one pool whose
//! jobs succeeded while a batch was being written are recorded together, and
//! as many next jobs claimed for them, in one statement. A statement costs
//! far more than a row, so a busy pool writes one per handful of jobs
//! instead of one per job; an idle one still writes at once (a batch is
//! whatever waits, never a timer).

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::claim::{succeed_all_and_claim, Claimed};
use super::fence::Lease;
use super::model::JobKind;
use crate::store::Store;

/// How a batched success went for one slot.
#[derive(Debug)]
pub(crate) struct Finished {
    /// False when the lease had been lost: the success was not recorded.
    pub recorded: bool,
    /// The job claimed for this slot, if one was due.
    pub next: Option<Claimed>,
}

struct Request {
    lease: Lease,
    reply: oneshot::Sender<Option<Finished>>,
}

/// The batching writer of one pool; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Finisher {
    tx: mpsc::UnboundedSender<Request>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("lease", &self.lease)
            .finish()
    }
}

impl Finisher {
    /// Starts the writer; it ends when every handle is dropped.
    pub fn start(
        store: Store,
        owner: String,
        kinds: Arc<[JobKind]>,
        lease_ms: i64,
        max_batch: usize,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(rx, store, owner, kinds, lease_ms, max_batch.max(1)));
        (Self { tx }, task)
    }

    /// Records the success of `lease` in the next batch. `None` when the
    /// batch could not be written (the database did not answer, or a claim
    /// raced another for a key): the caller records it on its own then,
    /// which reports the error and is tried again as usual.
    pub async fn succeed(&self, lease: Lease) -> Option<Finished> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Request { lease, reply }).ok()?;
        answer.await.ok().flatten()
    }
}

async fn run(
    mut rx: mpsc::UnboundedReceiver<Request>,
    store: Store,
    owner: String,
    kinds: Arc<[JobKind]>,
    lease_ms: i64,
    max_batch: usize,
) {
    while let Some(first) = rx.recv().await {
        // One turn of the scheduler lets slots that finished alongside this
        // one (their tasks are already runnable) join the batch: no timer,
        // no wait when nothing else is ready.
        tokio::task::yield_now().await;
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let leases: Vec<Lease> = batch.iter().map(|r| r.lease).collect();
        match succeed_all_and_claim(&store, &leases, &owner, &kinds, lease_ms).await {
            Ok((done, mut claimed)) => {
                for request in batch {
                    let finished = Finished {
                        recorded: done.contains(&request.lease.job),
                        next: claimed.pop(),
                    };
                    if let Err(Some(Finished {
                        next: Some(job), ..
                    })) = request.reply.send(Some(finished))
                    {
                        // The slot is gone (its pool stopped): the job's lease
                        // runs out and another worker takes it.
                        tracing::warn!(job = %job.lease.job, "claimed a job for a slot that stopped");
                    }
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, jobs = batch.len(), "batched completion failed; each slot records its own");
                for request in batch {
                    let _ = request.reply.send(None);
                }
            }
        }
    }
}
