use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use domain::{Release, ReleaseOutcome, ReleaseQuery};

use crate::base::prefixed;
use crate::components::promotion::StateBadge;
use crate::components::time::format_ms;
use crate::pages::jobs::query_string;
use crate::server_fns::releases::{list_releases, PAGE};
use crate::session::use_session;

/// `/releases`: the releases CI recorded, newest first, each with where it
/// went; filtered by charm with a GET form and paged with `?before=`.
/// Each release is at `#release-{id}`.
#[component]
pub fn ReleasesPage() -> impl IntoView {
    let query = use_query_map();
    let field = move |k: &str| query.with(|q| q.get(k).unwrap_or_default());
    let logged_in = use_session().user.is_some();
    let releases = Resource::new(
        move || (field("charm"), field("before")),
        move |(charm, before)| async move {
            if !logged_in {
                return Ok(None);
            }
            let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
            list_releases(ReleaseQuery {
                charm: some(charm),
                before: some(before),
                limit: Some(PAGE.to_string()),
            })
            .await
            .map(Some)
        },
    );

    view! {
        <Title text="Releases" />
        <section class="page">
            <div class="page-head">
                <h1>"Releases"</h1>
                <a href=prefixed("/releases/matrix")>"Release matrix"</a>
            </div>
            <p class="muted">"Charm revisions CI published on a channel, and what became of them in each environment that tracks the channel."</p>
            {(!logged_in).then(|| view! {
                <p class="notice"><a href=prefixed("/auth/login?return_to=/releases") rel="external">"Log in"</a>" to see the recorded releases."</p>
            })}
            <form method="get" action=prefixed("/releases") class="inline-form filters" role="search" aria-label="Filter releases">
                <label for="releases-charm">"Charm"</label>
                <input id="releases-charm" name="charm" type="text" value=field("charm") placeholder="hydra" />
                <button type="submit">"Filter"</button>
            </form>
            <Suspense fallback=|| view! { <p class="muted">"Loading releases…"</p> }>
                {move || Suspend::new(async move {
                    match releases.await {
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        Ok(Some(page)) => {
                            let newest = (!field("before").is_empty()).then(|| {
                                let href = match query_string(&[("charm", field("charm"))]) {
                                    q if q.is_empty() => "/releases".to_owned(),
                                    q => format!("/releases?{q}"),
                                };
                                view! { <a class="older" href=href>"Newest"</a>" " }
                            });
                            let older = page.next.map(|before| {
                                let q = query_string(&[
                                    ("charm", field("charm")),
                                    ("before", before.to_string()),
                                ]);
                                view! { <a class="older" href=prefixed(&format!("/releases?{q}"))>"Older"</a> }
                            });
                            view! {
                                <ReleaseTable releases=page.items />
                                <p>{newest}{older}</p>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ReleaseTable(releases: Vec<Release>) -> impl IntoView {
    if releases.is_empty() {
        return view! { <p class="empty">"No releases match."</p> }.into_any();
    }
    view! {
        <div class="matrix-scroll" role="region" aria-labelledby="releases-caption" tabindex="0">
            <table class="data releases-table" data-testid="releases">
                <caption id="releases-caption">"Recorded releases, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Release"</th>
                        <th scope="col">"Application"</th>
                        <th scope="col">"Charm"</th>
                        <th scope="col">"Revision"</th>
                        <th scope="col">"Channel"</th>
                        <th scope="col">"Resources"</th>
                        <th scope="col">"Recorded"</th>
                        <th scope="col">"Where it went"</th>
                    </tr>
                </thead>
                <tbody>
                    {releases.into_iter().map(|r| {
                        let resources = if r.resources.is_empty() {
                            "—".to_owned()
                        } else {
                            r.resources.iter().map(|(name, rev)| format!("{name} {rev}")).collect::<Vec<_>>().join(", ")
                        };
                        view! {
                            <tr id=format!("release-{}", r.id) data-release=r.id.0>
                                <th scope="row"><a href=format!("#release-{}", r.id)>{format!("#{}", r.id)}</a></th>
                                <td>{r.application.clone()}</td>
                                <td><code>{r.charm.clone()}</code></td>
                                <td>{r.revision}</td>
                                <td><code>{r.channel.clone()}</code></td>
                                <td>{resources}</td>
                                <td class="recorded">{format_ms(r.at)}<br /><span class="muted">{r.by.clone()}</span></td>
                                <td><Outcomes outcomes=r.outcomes /></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Per environment that tracked the channel: the promotion it opened and
/// how that stands, or why none was opened.
#[component]
fn Outcomes(outcomes: Vec<ReleaseOutcome>) -> impl IntoView {
    if outcomes.is_empty() {
        return view! { <span class="muted">"no outcome recorded"</span> }.into_any();
    }
    view! {
        <ul class="outcomes">
            {outcomes.into_iter().map(|o| {
                let env = o.environment.to_string();
                let what = match (o.promotion, o.state) {
                    (Some(p), state) => view! {
                        <a href=prefixed(&format!("/promotions/{p}"))>{format!("promotion {p}")}</a>
                        {state.map(|state| view! { " "<StateBadge state /> })}
                    }.into_any(),
                    (None, _) if o.note.is_empty() => view! { <span class="muted">"nothing opened"</span> }.into_any(),
                    (None, _) => view! { <span class="note">{o.note.clone()}</span> }.into_any(),
                };
                view! {
                    <li data-environment=env.clone()>
                        <a href=prefixed(&format!("/environments/{env}"))>{env.clone()}</a>": "{what}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
