//! A running job, live: after hydration the browser follows
//! `/api/v1/jobs/{id}/events` (server-sent events) and updates the page's
//! signals. The server-rendered page is complete without it.

use leptos::prelude::*;
use serde::Deserialize;

use crate::server_fns::jobs::{JobDetailView, JobView, LogLineView, PlanView, StepView};

/// A step as the REST API's events carry it.
#[derive(Debug, Deserialize)]
struct WireStep {
    position: i64,
    layer: String,
    phase: String,
    status: String,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    progress: WireProgress,
    summary: Option<PlanView>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireProgress {
    done: i64,
    planned: i64,
}

/// A job as the REST API's `job` and `end` events carry it.
#[derive(Debug, Deserialize)]
struct WireJob {
    #[serde(flatten)]
    job: JobView,
    steps: Vec<WireStep>,
}

/// The job in an event's data: the REST API's shape, or the server
/// functions' own.
pub fn parse_job_event(data: &str) -> Option<JobDetailView> {
    if let Ok(wire) = serde_json::from_str::<WireJob>(data) {
        let steps = wire
            .steps
            .into_iter()
            .map(|s| StepView {
                position: s.position,
                layer: s.layer,
                phase: s.phase,
                status: s.status,
                started_at: s.started_at,
                finished_at: s.finished_at,
                resources_done: s.progress.done,
                resources_planned: s.progress.planned,
                summary: s.summary,
                message: s.message,
            })
            .collect();
        return Some(JobDetailView {
            job: wire.job,
            steps,
        });
    }
    serde_json::from_str(data).ok()
}

/// Adds `line` unless it is already there (a reconnect may repeat lines).
pub fn push_line(lines: &mut Vec<LogLineView>, line: LogLineView) {
    if lines.last().is_none_or(|last| line.seq > last.seq) {
        lines.push(line);
    }
}

/// Follows the job's events while it runs, in the browser only.
pub fn follow_job(id: i64, detail: RwSignal<JobDetailView>, lines: RwSignal<Vec<LogLineView>>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::follow(id, detail, lines));
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, detail, lines);
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    use super::{parse_job_event, push_line};
    use crate::server_fns::jobs::{JobDetailView, LogLineView};

    pub fn follow(id: i64, detail: RwSignal<JobDetailView>, lines: RwSignal<Vec<LogLineView>>) {
        if detail.with_untracked(|d| d.job.is_finished()) {
            return;
        }
        let after = lines.with_untracked(|l| l.last().map_or(0, |l| l.seq));
        let Ok(source) = EventSource::new(&format!("/api/v1/jobs/{id}/events?after={after}"))
        else {
            return;
        };
        let on_job = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(job) = ev.data().as_string().and_then(|d| parse_job_event(&d)) {
                detail.set(job);
            }
        });
        let on_log = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let line = ev
                .data()
                .as_string()
                .and_then(|d| serde_json::from_str::<LogLineView>(&d).ok());
            if let Some(line) = line {
                lines.update(|l| push_line(l, line));
            }
        });
        let closer = source.clone();
        let on_end = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(job) = ev.data().as_string().and_then(|d| parse_job_event(&d)) {
                detail.set(job);
            }
            closer.close();
        });
        for (name, callback) in [("job", &on_job), ("log", &on_log), ("end", &on_end)] {
            let _ =
                source.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
        }
        // The listeners live as long as the page; the source closes when
        // the page goes away or the job ends.
        on_job.forget();
        on_log.forget();
        on_end.forget();
        on_cleanup(move || source.close());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_apis_job_events_are_understood() {
        let data = r#"{"id":7,"kind":"environment.create","status":"running","environment":"teal",
            "actor":"user:dave","attempts":1,"cancel_requested":false,"last_error":null,"stopped_at":null,
            "created_at":1,"started_at":2,"finished_at":null,"payload":{},
            "steps":[{"position":0,"layer":"k8s","phase":"apply","status":"running","started_at":2,
            "finished_at":null,"progress":{"done":1,"planned":3},"summary":null,"message":null}]}"#;
        let detail = parse_job_event(data).unwrap_or_else(|| panic!("not understood"));
        assert_eq!(
            (
                detail.job.id,
                detail.steps[0].resources_done,
                detail.steps[0].resources_planned
            ),
            (7, 1, 3)
        );
    }

    #[test]
    fn repeated_lines_after_a_reconnect_are_dropped() {
        let line = |seq| LogLineView {
            seq,
            step: None,
            at: 0,
            line: String::new(),
        };
        let mut lines = vec![line(1), line(2)];
        push_line(&mut lines, line(2));
        push_line(&mut lines, line(3));
        assert_eq!(lines.iter().map(|l| l.seq).collect::<Vec<_>>(), [1, 2, 3]);
    }
}
