//! `/oidc`: the health matrix of every environment's OIDC endpoint, the
//! latency of one environment over the last day and week (`?env=`), and a
//! comparison of two (`?a=&b=`). Plain GET forms: works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::base::prefixed;
use crate::components::oidc::{ComparisonTable, LatencyChart, RuleMatrix, Window};
use crate::server_fns::oidc::{compare_oidc, oidc_latency, oidc_overview};
use crate::session::use_session;

/// A `<select>` of environment names with `current` selected.
fn env_select(
    id: &'static str,
    name: &'static str,
    names: &[String],
    current: &str,
) -> impl IntoView {
    let options = names
        .iter()
        .map(|n| {
            let selected = n == current;
            view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
        })
        .collect_view();
    view! {
        <select id=id name=name>
            <option value="">"Pick one…"</option>
            {options}
        </select>
    }
}

#[component]
pub fn OidcPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.with(|q| q.get(key)).filter(|v| !v.is_empty());
    let logged_in = use_session().user.is_some();
    let overview = Resource::new(|| (), |()| oidc_overview());
    let latency = Resource::new(
        move || param("env"),
        |env| async move {
            match env {
                Some(env) => oidc_latency(env.clone()).await.map(|s| Some((env, s))),
                None => Ok(None),
            }
        },
    );
    let comparison = Resource::new(
        move || (param("a"), param("b")),
        |pair| async move {
            match pair {
                (Some(a), Some(b)) => compare_oidc(a.clone(), b.clone())
                    .await
                    .map(|c| Some((a, b, c))),
                _ => Ok(None),
            }
        },
    );

    view! {
        <Title text="OIDC checks" />
        <section class="page oidc-page">
            <h1>"OIDC checks"</h1>
            <p class="muted">
                "Each environment's discovery document and keys, checked every few minutes, on request and after promotions. "
                "Hover or focus a cell for its detail."
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading checks…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        Ok(o) if o.rows.is_empty() && !logged_in => view! {
                            <p class="notice">
                                <a href=prefixed("/auth/login?return_to=/oidc") rel="external">"Log in"</a>
                                " to see the checks of the environments you may view."
                            </p>
                        }.into_any(),
                        Ok(o) if o.rows.is_empty() => view! {
                            <p class="empty">"No environment you may view yet."</p>
                        }.into_any(),
                        Ok(o) => {
                            let names: Vec<String> = o.rows.iter().map(|r| r.environment.to_string()).collect();
                            let env = param("env").unwrap_or_default();
                            let (a, b) = (param("a").unwrap_or_default(), param("b").unwrap_or_default());
                            view! {
                                <RuleMatrix overview=o />
                                <h2 id="latency">"Latency"</h2>
                                <form method="get" action=prefixed("/oidc#latency") class="inline-form">
                                    <label for="latency-env">"Environment"</label>
                                    {env_select("latency-env", "env", &names, &env)}
                                    <button type="submit">"Show"</button>
                                </form>
                                <h2 id="compare">"Compare"</h2>
                                <form method="get" action=prefixed("/oidc#compare") class="inline-form">
                                    <label for="compare-a">"This"</label>
                                    {env_select("compare-a", "a", &names, &a)}
                                    <label for="compare-b">"with"</label>
                                    {env_select("compare-b", "b", &names, &b)}
                                    <button type="submit">"Compare"</button>
                                </form>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match latency.await {
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        Ok(Some((env, series))) => view! {
                            <section class="charts" aria-label=format!("Latency of {env}")>
                                <h3>{format!("Latency of {env}")}</h3>
                                <LatencyChart points=series.points.clone() window=Window::Day now=series.now />
                                <LatencyChart points=series.points window=Window::Week now=series.now />
                            </section>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match comparison.await {
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        Ok(Some((a, b, c))) => {
                            let label = format!("{a} compared with {b}");
                            view! {
                            <section class="comparison-result" aria-label=label>
                                <ComparisonTable a b comparison=c />
                            </section>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
