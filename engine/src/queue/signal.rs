//! In-process wake-ups.
//!
//! On SQLite nothing like `LISTEN/NOTIFY` exists, so enqueueing, finishing a
//! job and cancelling ring these bells for the workers of this process. A
//! bell may ring before the writing transaction commits; workers therefore
//! look again a few times shortly after a wake-up that found nothing (see
//! [`super::worker`]). On PostgreSQL a listener task rings the same bells
//! when a notification arrives, so both engines share one wait path.

use std::sync::LazyLock;

use tokio::sync::Notify;

struct Bells {
    jobs: Notify,
    cancels: Notify,
}

static BELLS: LazyLock<Bells> = LazyLock::new(|| Bells {
    jobs: Notify::new(),
    cancels: Notify::new(),
});

/// Something may be claimable: a job was enqueued, requeued or released its key.
pub fn ring_jobs() {
    BELLS.jobs.notify_waiters();
}

/// A cancellation was requested for some job.
pub fn ring_cancels() {
    BELLS.cancels.notify_waiters();
}

/// A future that completes at the next [`ring_jobs`]. Create it before
/// looking for work so a ring in between is not missed.
pub fn jobs_rung() -> tokio::sync::futures::Notified<'static> {
    BELLS.jobs.notified()
}

/// A future that completes at the next [`ring_cancels`].
pub fn cancels_rung() -> tokio::sync::futures::Notified<'static> {
    BELLS.cancels.notified()
}
