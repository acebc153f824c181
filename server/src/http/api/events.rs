//! `GET /api/v1/jobs/{id}/events`: a job, live, as server-sent events
//! ([`domain::job::JobEvent`]).
//!
//! - `event: job` first, with the job and its steps (as `GET /jobs/{id}`),
//!   and again whenever the job or one of its steps changes;
//! - `event: log`, `id: <seq>`, `data: {"seq","step","at","line"}` for every
//!   log line after the client's `Last-Event-ID` (or `?after=`, default 0),
//!   so a reconnecting browser continues where it stopped;
//! - `event: end` with the final job once it has finished and every line has
//!   been sent; then the stream closes;
//! - `event: error` with `{"code","message"}` if the job can no longer be
//!   read (access revoked, database gone); then the stream closes.
//!
//! The stream polls the database every 500 ms while nothing happens (two
//! small indexed reads), and comments every 15 s to keep proxies from
//! timing it out. Access is checked on every poll.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::job::{JobDetail, JobEvent, JobId};
use engine::{Actor, Engine};
use futures::stream;
use serde::Deserialize;

use super::extract::ApiQuery;
use super::jobs::job_id;
use super::streams::{Slot, StreamSlots};
use super::ApiError;

const POLL: Duration = Duration::from_millis(500);
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Log lines read per poll; a full batch is followed at once by the next.
const BATCH: i64 = 500;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Send log lines after this sequence number (when no `Last-Event-ID`).
    #[param(value_type = Option<domain::openapi::Seq>)]
    after: Option<String>,
}

/// A job, live: its changes and log lines as server-sent events. Each
/// event's `event:` is the `event` member of a `JobEvent` and its `data:`
/// the JSON of the `data` member.
#[utoipa::path(get, path = "/jobs/{id}/events", tag = "jobs",
    params(("id" = i64, Path, minimum = 1, description = "The job"), EventsQuery,
        ("last-event-id" = Option<String>, Header, description = "The `id` of the last log line received; anything but a sequence number is ignored")),
    responses((status = 200, content_type = "text/event-stream", body = JobEvent),
        (status = 429, description = "The caller holds 16 event streams already", body = domain::ErrorEnvelope),
        super::errors::Errors))]
pub async fn stream(
    State(engine): State<Engine>,
    State(slots): State<StreamSlots>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Response, ApiError> {
    let id = job_id(&id)?;
    let query_after = super::jobs::whole("after", query.after.as_deref(), 0, i64::MAX)?;
    let first = engine.get_job(&actor, id).await?;
    let slot = match slots.acquire(&actor.principal) {
        Ok(slot) => slot,
        Err(full) => return Ok(full.into_response()),
    };
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(query_after)
        .unwrap_or(0);
    let state = Watch {
        engine,
        actor,
        id,
        after,
        pending: VecDeque::from([sse(&JobEvent::Job(first.clone()))]),
        last: first,
        next_poll: Poll::Now,
        done: false,
        _slot: slot,
    };
    let events = slots.until_closing(stream::unfold(state, Watch::next));
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Poll {
    Now,
    Later,
}

/// What one stream has sent so far.
struct Watch {
    engine: Engine,
    actor: Actor,
    id: JobId,
    /// The last log line sent.
    after: i64,
    /// The job as last sent, to send it again only when it changes.
    last: JobDetail,
    pending: VecDeque<Event>,
    next_poll: Poll,
    done: bool,
    /// Held while the stream lives.
    _slot: Slot,
}

impl Watch {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((Ok(event), self));
            }
            if self.done {
                return None;
            }
            if self.next_poll == Poll::Later {
                tokio::time::sleep(POLL).await;
            }
            if let Err(e) = self.poll().await {
                self.pending.push_back(sse(&JobEvent::Error(e.to_body())));
                self.done = true;
            }
        }
    }

    /// Reads the job, then the lines after the last one sent: a job read as
    /// finished has written all its lines, so `end` follows the last line.
    async fn poll(&mut self) -> Result<(), engine::Error> {
        let detail = self.engine.get_job(&self.actor, self.id).await?;
        let lines = self
            .engine
            .job_logs(&self.actor, self.id, self.after, BATCH)
            .await?;
        let more = i64::try_from(lines.len()).is_ok_and(|n| n >= BATCH);
        for line in lines {
            self.after = line.seq;
            self.pending.push_back(sse(&JobEvent::Log(line)));
        }
        let finished = detail.job.is_finished();
        if finished && !more {
            self.pending.push_back(sse(&JobEvent::End(detail)));
            self.done = true;
        } else if self.last != detail {
            self.pending.push_back(sse(&JobEvent::Job(detail.clone())));
            self.last = detail;
        }
        self.next_poll = if more { Poll::Now } else { Poll::Later };
        Ok(())
    }
}

fn sse(event: &JobEvent) -> Event {
    let sse = Event::default().event(event.name()).data(event.data());
    match event {
        JobEvent::Log(line) => sse.id(line.seq.to_string()),
        _ => sse,
    }
}
