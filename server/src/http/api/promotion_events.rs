//! `GET /api/v1/promotions/{id}/events`: a promotion, live, as server-sent
//! events ([`domain::PromotionStream`]).
//!
//! - `event: promotion` first, with the promotion as `GET /promotions/{id}`
//!   answers it, and again whenever it changes: its state, an approval, a
//!   verification check, a timeline line;
//! - `event: end` once it is in a final state; then the stream closes;
//! - `event: error` with `{"code","message"}` if it can no longer be read
//!   (access revoked, database gone); then the stream closes.
//!
//! Approvals and decisions happen outside the promotion's jobs, so the
//! stream reads the promotion itself, every second while nothing changes,
//! with access checked on every read; it comments every 15 s to keep
//! proxies from timing it out.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Extension, Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::{PromotionDetail, PromotionId, PromotionStream};
use engine::{Actor, Engine};
use futures::stream;

use super::streams::{Slot, StreamSlots};
use super::ApiError;

const POLL: Duration = Duration::from_secs(1);
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A promotion, live: its changes as server-sent events. Each event's
/// `event:` is the `event` member of a `PromotionStream`, its `data:` the
/// JSON of the `data` member.
#[utoipa::path(get, path = "/promotions/{id}/events", tag = "promotions",
    params(("id" = i64, Path, minimum = 1, description = "The promotion")),
    responses((status = 200, content_type = "text/event-stream", body = PromotionStream),
        (status = 429, description = "The caller holds 16 event streams already", body = domain::ErrorEnvelope),
        super::errors::Errors))]
pub async fn stream(
    State(engine): State<Engine>,
    State(slots): State<StreamSlots>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = PromotionId::parse(&id)
        .ok_or_else(|| ApiError::from(engine::Error::NotFound(format!("promotion {id}"))))?;
    let first = engine.promotion(&actor, id).await?;
    let slot = match slots.acquire(&actor.principal) {
        Ok(slot) => slot,
        Err(full) => return Ok(full.into_response()),
    };
    let watch = Watch {
        engine,
        actor,
        id,
        pending: Some(first.clone()),
        last: first,
        done: false,
        _slot: slot,
    };
    let events = slots.until_closing(stream::unfold(watch, Watch::next));
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}

struct Watch {
    engine: Engine,
    actor: Actor,
    id: PromotionId,
    /// The promotion to send next, if it changed.
    pending: Option<PromotionDetail>,
    last: PromotionDetail,
    done: bool,
    /// Held while the stream lives.
    _slot: Slot,
}

impl Watch {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        loop {
            if self.done {
                return None;
            }
            if let Some(detail) = self.pending.take() {
                let event = if detail.promotion.state.is_terminal() {
                    self.done = true;
                    PromotionStream::End(Box::new(detail))
                } else {
                    PromotionStream::Promotion(Box::new(detail))
                };
                return Some((Ok(sse(&event)), self));
            }
            tokio::time::sleep(POLL).await;
            match self.engine.promotion(&self.actor, self.id).await {
                Ok(detail) if detail != self.last => {
                    self.last = detail.clone();
                    self.pending = Some(detail);
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    return Some((Ok(sse(&PromotionStream::Error(e.to_body()))), self));
                }
            }
        }
    }
}

fn sse(event: &PromotionStream) -> Event {
    Event::default().event(event.name()).data(event.data())
}
