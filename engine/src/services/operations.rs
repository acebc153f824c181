//! Running the control plane: what the server's probes, metrics and
//! shutdown need from the engine, without reaching into its store.

use crate::queue::{self, QueueStats};
use crate::{Engine, Error};

impl Engine {
    /// Queued and running jobs by kind, across every process on the
    /// database (for the metrics; nothing to authorize).
    pub async fn queue_stats(&self) -> Result<QueueStats, Error> {
        Ok(queue::stats(self.store().pool()).await?)
    }

    /// Closes the database connections; the engine is unusable afterwards.
    pub async fn close(&self) {
        self.store().close().await;
    }
}
