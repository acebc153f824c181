use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use domain::{EnvironmentSummary, Promotion, PromotionQuery, PromotionState};

use crate::base::prefixed;
use crate::components::new_promotion::{Choice, NewPromotion};
use crate::components::promotion::{ActionError, StateBadge};
use crate::components::time::Ago;
use crate::pages::jobs::query_string;
use crate::server_fns::list_environments::list_environments;
use crate::server_fns::promotions::{environment_releases, list_promotions, OpenPromotion, PAGE};
use crate::session::use_session;

/// `/promotions`: the promotions the caller may see, newest first, filtered
/// by a GET form and paged with `?before=`; and opening a new one, with a
/// preview first. Everything works as plain forms.
#[component]
pub fn PromotionsPage() -> impl IntoView {
    let query = use_query_map();
    let field = move |k: &str| query.with(|q| q.get(k).unwrap_or_default());
    let logged_in = use_session().user.is_some();
    let filters = move || (field("environment"), field("state"), field("before"));
    let promotions = Resource::new(filters, move |(environment, state, before)| async move {
        if !logged_in {
            return Ok(None);
        }
        let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        list_promotions(PromotionQuery {
            environment: some(environment),
            state: some(state),
            before: some(before),
            limit: Some(PAGE.to_string()),
        })
        .await
        .map(Some)
    });
    let environments = Resource::new(
        || (),
        move |()| async move {
            if logged_in {
                list_environments().await
            } else {
                Ok(Vec::new())
            }
        },
    );
    // `?target=` alone: the source is the target's upstream, when it has
    // one and the caller may see its policy.
    let upstream = Resource::new(
        move || (field("source"), field("target")),
        move |(source, target)| async move {
            if !logged_in || !source.is_empty() || target.is_empty() {
                return None;
            }
            let releases = environment_releases(target).await.ok()?;
            releases.policy.upstream.map(|up| up.to_string())
        },
    );
    let open = ServerAction::<OpenPromotion>::new();
    let choice = move |upstream: Option<String>| {
        query.with(|q| Choice {
            source: q
                .get("source")
                .filter(|s| !s.is_empty())
                .or(upstream)
                .unwrap_or_default(),
            target: q.get("target").unwrap_or_default(),
            applications: q.get_all("applications").unwrap_or_default(),
            acknowledge: q.get("acknowledge").is_some(),
        })
    };

    view! {
        <Title text="Promotions" />
        <section class="page">
            <h1>"Promotions"</h1>
            {(!logged_in).then(|| view! {
                <p class="notice"><a href=prefixed("/auth/login?return_to=/promotions") rel="external">"Log in"</a>" to see and open promotions."</p>
            })}
            <Suspense fallback=|| view! { <p class="muted">"Loading promotions…"</p> }>
                {move || Suspend::new(async move {
                    let names = environments.await.unwrap_or_default();
                    let upstream = upstream.await;
                    match promotions.await {
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <ActionError error /> }.into_any(),
                        Ok(Some(page)) => {
                            let older = page.next.map(|before| {
                                let q = query_string(&[
                                    ("environment", field("environment")),
                                    ("state", field("state")),
                                    ("before", before.to_string()),
                                ]);
                                view! { <a class="older" href=prefixed(&format!("/promotions?{q}"))>"Older"</a> }
                            });
                            view! {
                                <Filters environments=names.clone() environment=field("environment") state=field("state") />
                                <PromotionTable promotions=page.items />
                                {older}
                                <NewPromotion environments=names choice=choice(upstream) open />
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Filters(
    environments: Vec<EnvironmentSummary>,
    environment: String,
    state: String,
) -> impl IntoView {
    view! {
        <form method="get" action=prefixed("/promotions") class="inline-form filters" role="search" aria-label="Filter promotions">
            <label for="promotions-env">"Environment"</label>
            <select id="promotions-env" name="environment">
                <option value="">"any"</option>
                {environments.into_iter().map(|e| {
                    let name = e.name.to_string();
                    let selected = name == environment;
                    view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                }).collect_view()}
            </select>
            <label for="promotions-state">"State"</label>
            <select id="promotions-state" name="state">
                <option value="">"any"</option>
                {PromotionState::ALL.iter().map(|s| view! {
                    <option value=s.as_str() selected=state == s.as_str()>{s.label()}</option>
                }).collect_view()}
            </select>
            <button type="submit">"Filter"</button>
        </form>
    }
}

#[component]
fn PromotionTable(promotions: Vec<Promotion>) -> impl IntoView {
    if promotions.is_empty() {
        return view! { <p class="empty">"No promotions match."</p> }.into_any();
    }
    view! {
        <table class="data promotions" data-testid="promotions">
            <caption class="visually-hidden">"Promotions, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Promotion"</th>
                    <th scope="col">"From → into"</th>
                    <th scope="col">"Applications"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Requested by"</th>
                    <th scope="col">"Updated"</th>
                </tr>
            </thead>
            <tbody>
                {promotions.into_iter().map(|p| view! {
                    <tr data-promotion=p.id.0>
                        <th scope="row"><a href=prefixed(&format!("/promotions/{}", p.id))>{format!("#{}", p.id)}</a></th>
                        <td>
                            <a href=prefixed(&p.source.href())>{p.source.to_string()}</a>
                            " → "
                            <a href=prefixed(&format!("/environments/{}", p.target))>{p.target.to_string()}</a>
                        </td>
                        <td>{p.applications.join(", ")}</td>
                        <td><StateBadge state=p.state /></td>
                        <td>{p.requested_by.clone()}</td>
                        <td><Ago at=p.updated_at /></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
