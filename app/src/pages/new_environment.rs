use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::base::prefixed;
use crate::components::create_form::{CreateForm, Typed};
use crate::server_fns::environments::{list_layers, CreateEnvironment};
use crate::session::use_session;

/// `/environments/new`: create an environment; submitting lands on the job
/// that builds it.
#[component]
pub fn NewEnvironmentPage() -> impl IntoView {
    let query = use_query_map();
    let typed = query.with_untracked(|q| {
        let get = |k: &str| q.get(k).unwrap_or_default();
        Typed {
            name: get("name"),
            tier: get("tier"),
            purpose: get("purpose"),
            channel: get("channel"),
            oidc_issuer: get("oidc_issuer"),
            layers: get("layers")
                .split(',')
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    });
    let layers = Resource::new(|| (), |()| list_layers());
    let action = ServerAction::<CreateEnvironment>::new();
    let logged_in = use_session().user.is_some();

    view! {
        <Title text="New environment" />
        <section class="page narrow">
            <p class="crumbs"><a href=prefixed("/")>"Environments"</a>" / new"</p>
            <h1>"New environment"</h1>
            {(!logged_in).then(|| view! {
                <p class="notice"><a href=prefixed("/auth/login?return_to=/environments/new") rel="external">"Log in"</a>" to create an environment."</p>
            })}
            <Suspense fallback=|| view! { <p class="muted">"Loading the layers…"</p> }>
                {move || {
                    let typed = typed.clone();
                    Suspend::new(async move {
                        match layers.await {
                            Ok(layers) => view! { <CreateForm layers typed action /> }.into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}
