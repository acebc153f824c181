//! PostgreSQL `LISTEN palette_jobs`: turns notifications from any process
//! into this process's in-process bell.

use std::time::Duration;

use sqlx::postgres::PgListener;

use super::signal;
use super::stop::Flag;

pub const CHANNEL: &str = "palette_jobs";

/// Listens until `shutdown`; reconnects after errors (ringing once on each
/// reconnect, since notifications may have been missed meanwhile).
pub(crate) async fn listen(url: String, shutdown: Flag) {
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed");
                } else {
                    signal::ring_jobs();
                    loop {
                        tokio::select! {
                            () = shutdown.raised() => return,
                            received = listener.recv() => match received {
                                Ok(_) => signal::ring_jobs(),
                                Err(e) => {
                                    tracing::warn!(error = %e, "job notifications interrupted");
                                    break;
                                }
                            },
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "connecting for job notifications failed"),
        }
        tokio::select! {
            () = shutdown.raised() => return,
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}
