use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use domain::job::{JobKind, JobQuery, JobStatus};

use crate::base::prefixed;
use crate::components::oidc::VerdictPill;
use crate::components::time::{format_duration, Ago};
use crate::server_fns::jobs::{list_jobs, PAGE};

/// A query string with `key=value` pairs that are not empty.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                    char::from(b).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// How long a job took, once it has finished.
fn took(job: &domain::job::Job) -> String {
    match (job.started_at, job.finished_at) {
        (Some(start), Some(end)) => format_duration(end - start),
        _ => String::new(),
    }
}

/// `/jobs`: every job the caller may see, newest first, filtered by a GET
/// form and paged with `?before=`.
#[component]
pub fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let field = move |k: &str| query.with(|q| q.get(k).unwrap_or_default());
    let filters = move || {
        (
            field("environment"),
            field("actor"),
            field("kind"),
            field("status"),
            field("since"),
            field("before"),
        )
    };
    let jobs = Resource::new(
        filters,
        |(environment, actor, kind, status, since, before)| {
            let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
            list_jobs(JobQuery {
                environment: some(environment),
                actor: some(actor),
                kind: some(kind),
                since: some(since),
                before: some(before),
                limit: Some(PAGE.to_string()),
                status: some(status),
            })
        },
    );

    view! {
        <Title text="Jobs" />
        <section class="page">
            <h1>"Jobs"</h1>
            <form method="get" action=prefixed("/jobs") class="inline-form filters" role="search">
                <label for="jobs-env">"Environment"</label>
                <input id="jobs-env" name="environment" type="text" value=field("environment") placeholder="teal" />
                <label for="jobs-actor">"Actor"</label>
                <input id="jobs-actor" name="actor" type="text" value=field("actor") placeholder="user:dave" />
                <label for="jobs-kind">"Kind"</label>
                <select id="jobs-kind" name="kind">
                    <option value="">"any"</option>
                    {JobKind::ALL.iter().map(|k| view! { <option value=k.as_str() selected=field("kind") == k.as_str()>{k.as_str()}</option> }).collect_view()}
                </select>
                <label for="jobs-status">"Status"</label>
                <select id="jobs-status" name="status">
                    <option value="">"any"</option>
                    {JobStatus::ALL.iter().map(|s| view! { <option value=s.as_str() selected=field("status") == s.as_str()>{s.as_str()}</option> }).collect_view()}
                </select>
                <label for="jobs-since">"Since"</label>
                <input id="jobs-since" name="since" type="date" value=field("since") />
                <button type="submit">"Filter"</button>
            </form>
            <Suspense fallback=|| view! { <p class="muted">"Loading jobs…"</p> }>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Err(e) => view! { <p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        Ok(page) => {
                            let older = page.next.map(|before| {
                                let q = query_string(&[
                                    ("environment", field("environment")),
                                    ("actor", field("actor")),
                                    ("kind", field("kind")),
                                    ("status", field("status")),
                                    ("since", field("since")),
                                    ("before", before.to_string()),
                                ]);
                                view! { <a class="older" href=prefixed(&format!("/jobs?{q}"))>"Older"</a> }
                            });
                            view! {
                                {page.items.is_empty().then(|| view! { <p class="empty">"No jobs match."</p> })}
                                <table class="data jobs">
                                    <thead><tr><th>"Job"</th><th>"Kind"</th><th>"Environment"</th><th>"Status"</th><th>"Asked by"</th><th>"Created"</th><th>"Took"</th></tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|j| view! {
                                            <tr data-job=j.id.0>
                                                <td><a href=prefixed(&format!("/jobs/{}", j.id))>{format!("#{}", j.id)}</a></td>
                                                <td>{j.kind.as_str()}</td>
                                                <td>{j.environment.clone().map(|e| view! { <a href=prefixed(&format!("/environments/{e}"))>{e.clone()}</a> })}</td>
                                                <td><span class=format!("status status-{}", j.status)>{j.status.as_str()}</span><VerdictPill verdict=j.verdict /></td>
                                                <td>{j.actor.clone()}</td>
                                                <td><Ago at=j.created_at /></td>
                                                <td class="took">{took(&j)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {older}
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
