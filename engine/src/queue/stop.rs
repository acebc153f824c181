//! One-way flags a running job watches: cancellation, lease lost, shutdown.

use tokio::sync::watch;

/// A flag that is raised once and stays raised; cheap to clone.
#[derive(Debug, Clone)]
pub struct Flag {
    tx: std::sync::Arc<watch::Sender<bool>>,
}

impl Default for Flag {
    fn default() -> Self {
        Self::new()
    }
}

impl Flag {
    pub fn new() -> Self {
        Self {
            tx: std::sync::Arc::new(watch::Sender::new(false)),
        }
    }

    pub fn raise(&self) {
        self.tx.send_replace(true);
    }

    pub fn is_raised(&self) -> bool {
        *self.tx.borrow()
    }

    /// Completes once the flag is raised (at once if it already is).
    pub async fn raised(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives in `self`, so the channel cannot close under us.
        let _ = rx.wait_for(|raised| *raised).await;
    }
}

/// Why a running job must stop before it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Cancelled,
    LeaseLost,
    Shutdown,
}

/// The flags of one running job.
#[derive(Debug, Clone, Default)]
pub struct StopSignals {
    pub cancel: Flag,
    pub lease_lost: Flag,
    pub shutdown: Flag,
}

impl StopSignals {
    /// The reason to stop, if any; losing the lease wins over the others.
    pub fn reason(&self) -> Option<StopReason> {
        if self.lease_lost.is_raised() {
            Some(StopReason::LeaseLost)
        } else if self.cancel.is_raised() {
            Some(StopReason::Cancelled)
        } else if self.shutdown.is_raised() {
            Some(StopReason::Shutdown)
        } else {
            None
        }
    }

    /// Completes when any flag is raised, with the reason.
    pub async fn stopped(&self) -> StopReason {
        tokio::select! {
            () = self.lease_lost.raised() => {}
            () = self.cancel.raised() => {}
            () = self.shutdown.raised() => {}
        }
        self.reason().unwrap_or(StopReason::Cancelled)
    }
}
