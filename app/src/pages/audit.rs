use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::base::prefixed;
use crate::components::time::format_ms;
use crate::pages::jobs::query_string;
use crate::server_fns::audit::{list_audit, PAGE};
use domain::audit::AuditQuery;

/// `/audit`: who did what, when, and whether it was allowed; filtered by a
/// GET form and paged with `?before=`.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let field = move |k: &str| query.with(|q| q.get(k).unwrap_or_default());
    let filters = move || {
        (
            field("environment"),
            field("actor"),
            field("action"),
            field("since"),
            field("before"),
        )
    };
    let events = Resource::new(filters, |(environment, actor, action, since, before)| {
        let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        list_audit(AuditQuery {
            environment: some(environment),
            actor: some(actor),
            action: some(action),
            since: some(since),
            before: some(before),
            limit: Some(PAGE.to_string()),
        })
    });

    view! {
        <Title text="Audit" />
        <section class="page">
            <h1>"Audit"</h1>
            <form method="get" action=prefixed("/audit") class="inline-form filters" role="search">
                <label for="audit-env">"Environment"</label>
                <input id="audit-env" name="environment" type="text" value=field("environment") placeholder="teal" />
                <label for="audit-actor">"Actor"</label>
                <input id="audit-actor" name="actor" type="text" value=field("actor") placeholder="user:dave" />
                <label for="audit-action">"Action"</label>
                <input id="audit-action" name="action" type="text" value=field("action") placeholder="environment." />
                <label for="audit-since">"Since"</label>
                <input id="audit-since" name="since" type="date" value=field("since") />
                <button type="submit">"Filter"</button>
            </form>
            <Suspense fallback=|| view! { <p class="muted">"Loading events…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Err(e) => view! { <p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        Ok(page) => {
                            let older = page.next.map(|before| {
                                let q = query_string(&[
                                    ("environment", field("environment")),
                                    ("actor", field("actor")),
                                    ("action", field("action")),
                                    ("since", field("since")),
                                    ("before", before.to_string()),
                                ]);
                                view! { <a class="older" href=prefixed(&format!("/audit?{q}"))>"Older"</a> }
                            });
                            view! {
                                {page.items.is_empty().then(|| view! { <p class="empty">"No events match."</p> })}
                                <table class="data audit">
                                    <thead><tr><th>"When"</th><th>"Actor"</th><th>"Action"</th><th>"Object"</th><th>"Decision"</th><th>"Reason"</th></tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|e| view! {
                                            <tr data-event=e.id title=e.request_id.clone().map(|r| format!("request {r}"))>
                                                <td>{format_ms(e.at)}</td>
                                                <td>{e.actor.clone()}</td>
                                                <td><code>{e.action.clone()}</code></td>
                                                <td>{e.object.clone()}</td>
                                                <td><span class=format!("decision decision-{}", e.decision)>{e.decision.as_str()}</span></td>
                                                <td>{e.reason.clone().unwrap_or_default()}</td>
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
