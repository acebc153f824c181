use domain::OverviewCard;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::base::prefixed;
use crate::components::environment_card::EnvironmentCard;
use crate::server_fns::list_environments::get_overview;
use crate::session::use_session;

fn matches(card: &OverviewCard, filter: &str) -> bool {
    let env = &card.environment;
    let filter = filter.trim().to_lowercase();
    filter.is_empty()
        || env.name.as_str().contains(&filter)
        || env.purpose.to_lowercase().contains(&filter)
        || env.channel.as_str().contains(&filter)
        || env.tier.as_str().contains(&filter)
}

/// The overview: every environment as a card in pipeline order, with a
/// filter that works as a plain GET form without JavaScript and live as you
/// type with it.
#[component]
pub fn EnvironmentsPage() -> impl IntoView {
    let query = use_query_map();
    let initial = query.with_untracked(|q| q.get("q").unwrap_or_default());
    let filter = RwSignal::new(initial);
    // Statuses change while jobs run: read them again once hydrated.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let environments = Resource::new(move || hydrated.get(), |_| get_overview());
    let logged_in = use_session().user.is_some();

    view! {
        <Title text="Environments" />
        <section class="page">
            <div class="page-head">
                <h1>"Environments"</h1>
                <div class="page-actions">
                    <a href=prefixed("/releases/matrix")>"Release matrix"</a>
                    <a class="button" href=prefixed("/environments/new")>"New environment"</a>
                </div>
                <form method="get" action=prefixed("/") class="filter" role="search">
                    <label for="env-filter">"Filter"</label>
                    <input
                        id="env-filter"
                        name="q"
                        type="search"
                        placeholder="name, purpose, channel…"
                        prop:value=move || filter.get()
                        on:input=move |ev| filter.set(event_target_value(&ev))
                    />
                    <noscript><button type="submit">"Apply"</button></noscript>
                </form>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading environments…"</p> }>
                {move || Suspend::new(async move {
                    match environments.await.map(|o| o.environments) {
                        Err(err) => view! { <p class="error" role="alert">{err.0.message}</p> }.into_any(),
                        Ok(envs) if envs.is_empty() && !logged_in => view! {
                            <p class="notice">
                                <a href=prefixed("/auth/login?return_to=/") rel="external">"Log in"</a>
                                " to see the environments you may view."
                            </p>
                        }.into_any(),
                        Ok(envs) if envs.is_empty() => view! {
                            <p class="empty">"No environment you may view yet."</p>
                        }.into_any(),
                        Ok(envs) => {
                            let total = envs.len();
                            let shown = Memo::new(move |_| {
                                envs.iter().filter(|e| matches(e, &filter.get())).cloned().collect::<Vec<_>>()
                            });
                            view! {
                                <p class="muted" aria-live="polite">
                                    {move || format!("{} of {total} environments", shown.with(Vec::len))}
                                </p>
                                <ul class="env-grid">
                                    <For each=move || shown.get() key=|c| c.environment.name.clone() let:card>
                                        <EnvironmentCard card />
                                    </For>
                                </ul>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}
