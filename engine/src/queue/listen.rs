//! PostgreSQL `LISTEN palette_jobs, palette_cancels`: turns notifications
//! from any process into this process's in-process bells (a job may be
//! claimable; a running job was asked to stop).

use std::time::Duration;

use sqlx::postgres::PgListener;

use super::signal;
use super::stop::Flag;

pub const CHANNEL: &str = "palette_jobs";
/// Notified (by a trigger) when a running job is asked to stop.
pub const CANCEL_CHANNEL: &str = "palette_cancels";

/// Listens until `shutdown`; reconnects after errors (ringing both bells on
/// each reconnect, since notifications may have been missed meanwhile).
pub(crate) async fn listen(url: String, shutdown: Flag) {
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen_all([CHANNEL, CANCEL_CHANNEL]).await {
                    tracing::warn!(error = %e, "LISTEN failed");
                } else {
                    signal::ring_jobs();
                    signal::ring_cancels();
                    loop {
                        tokio::select! {
                            () = shutdown.raised() => return,
                            received = listener.recv() => match received {
                                Ok(note) if note.channel() == CANCEL_CHANNEL => signal::ring_cancels(),
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
