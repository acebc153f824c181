//! A running job, live: after hydration the browser follows
//! `/api/v1/jobs/{id}/events` (server-sent events) and updates the page's
//! signals. The server-rendered page is complete without it.

use std::sync::Arc;

use domain::job::JobDetail;
use leptos::prelude::*;

use crate::components::job_log::Entry;

/// Follows the job's events while it runs, in the browser only; each new
/// log line is read once, as it arrives.
pub fn follow_job(id: i64, detail: RwSignal<JobDetail>, lines: RwSignal<Vec<Arc<Entry>>>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::follow(id, detail, lines));
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, detail, lines);
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::sync::Arc;

    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    use domain::job::{JobDetail, JobEvent};

    use crate::components::job_log::{push_line, Entry};

    pub fn follow(id: i64, detail: RwSignal<JobDetail>, lines: RwSignal<Vec<Arc<Entry>>>) {
        if detail.with_untracked(|d| d.job.is_finished()) {
            return;
        }
        let after = lines.with_untracked(|l| l.last().map_or(0, |l| l.seq));
        let Ok(source) = EventSource::new(&crate::base::prefixed(&format!(
            "/api/v1/jobs/{id}/events?after={after}"
        ))) else {
            return;
        };
        let event = |name: &str, ev: &MessageEvent| {
            ev.data()
                .as_string()
                .and_then(|data| JobEvent::parse(name, &data))
        };
        let on_job = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(JobEvent::Job(job)) = event("job", &ev) {
                detail.set(job);
            }
        });
        let on_log = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(JobEvent::Log(line)) = event("log", &ev) {
                lines.update(|l| push_line(l, &line));
            }
        });
        let closer = source.clone();
        let on_end = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(JobEvent::End(job)) = event("end", &ev) {
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
