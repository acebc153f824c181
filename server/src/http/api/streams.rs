//! A cap on the event streams one principal holds open at once: each
//! stream polls the database while it lives, so one client (a script
//! opening streams in a loop, a browser with many tabs) cannot take the
//! server's database time from everyone else.
//!
//! And the end of every stream when the server shuts down: a last event
//! asks the client to reconnect a second later (to a replica that is up),
//! so that open streams do not hold the shutdown back.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;
use futures::{stream, Stream, StreamExt};

use crate::error::api_error;
use crate::http::Closing;

/// Open streams one principal may hold.
pub const MAX_STREAMS_PER_PRINCIPAL: usize = 16;
/// How long a client waits before reconnecting to a server shutting down.
pub const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Open streams by principal, shared by every stream endpoint.
#[derive(Debug, Clone, Default)]
pub struct StreamSlots {
    open: Arc<Mutex<HashMap<String, usize>>>,
    max: usize,
    closing: Closing,
}

/// One open stream; the count goes down when it is dropped (the stream
/// ended or the client went away).
#[derive(Debug)]
pub struct Slot {
    open: Arc<Mutex<HashMap<String, usize>>>,
    principal: String,
}

impl StreamSlots {
    pub fn new(max: usize, closing: Closing) -> Self {
        Self {
            open: Arc::default(),
            max,
            closing,
        }
    }

    /// `events` until the server starts shutting down; then one last event
    /// with a `retry:` hint, and the stream ends.
    pub fn until_closing<S>(&self, events: S) -> impl Stream<Item = Result<Event, Infallible>>
    where
        S: Stream<Item = Result<Event, Infallible>>,
    {
        let closing = self.closing.clone();
        let closed = self.closing.clone();
        let farewell = stream::once(async move {
            closed.is_closing().then(|| {
                Ok(Event::default()
                    .retry(RECONNECT_AFTER)
                    .comment("palette is shutting down; reconnect"))
            })
        })
        .filter_map(std::future::ready);
        events
            .take_until(async move { closing.closed().await })
            .chain(farewell)
    }

    /// A slot for `principal`, or [`Full`] when it holds the maximum.
    pub fn acquire(&self, principal: &str) -> Result<Slot, Full> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(principal.to_owned()).or_insert(0);
        if *count >= self.max {
            return Err(Full(self.max));
        }
        *count += 1;
        Ok(Slot {
            open: self.open.clone(),
            principal: principal.to_owned(),
        })
    }
}

/// The principal holds the maximum of streams already: answered 429.
#[derive(Debug)]
pub struct Full(usize);

impl IntoResponse for Full {
    fn into_response(self) -> Response {
        api_error(
            ErrorCode::TooManyRequests,
            &format!("{} event streams are open already; close one first", self.0),
        )
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock() {
            if let Some(count) = open.get_mut(&self.principal) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    open.remove(&self.principal);
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_principal_holds_at_most_the_maximum_and_a_closed_stream_frees_its_slot() {
        let slots = StreamSlots::new(2, Closing::default());
        let a = slots.acquire("user:alice").unwrap();
        let _b = slots.acquire("user:alice").unwrap();
        assert!(slots.acquire("user:alice").is_err());
        let _other = slots.acquire("user:bob").unwrap();
        drop(a);
        assert!(slots.acquire("user:alice").is_ok());
    }
}
