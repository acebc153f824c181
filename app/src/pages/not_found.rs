use crate::base::prefixed;
use leptos::prelude::*;
use leptos_meta::Title;

/// What the router shows for a path it does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="page">
            <h1>"Not found"</h1>
            <p>"There is no page here. "<a href=prefixed("/")>"Back to the environments"</a></p>
        </section>
    }
}
