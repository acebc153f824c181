//! "Check OIDC": queues a check of one environment. A plain form post
//! without JavaScript, an in-place action with it.

use crate::components::form::ActionForm;
use leptos::prelude::*;

use crate::server_fns::oidc::RequestOidcCheck;
use crate::session::CsrfField;

#[component]
pub fn CheckButton(#[prop(into)] env: String) -> impl IntoView {
    let action = ServerAction::<RequestOidcCheck>::new();
    // The accessible name starts with the visible text (WCAG 2.5.3).
    let label = format!("Check OIDC of {env} now");
    view! {
        <ActionForm action=action attr:class="check-form">
            <CsrfField />
            <input type="hidden" name="env" value=env />
            <button type="submit" aria-label=label disabled=move || action.pending().get()>
                "Check OIDC"
            </button>
            <span class="check-result" role="status">
                {move || match action.value().get() {
                    Some(Ok(job)) => view! {
                        <span class="muted">{format!("queued (job {job})")}</span>
                    }.into_any(),
                    Some(Err(e)) => view! { <span class="error">{e.0.message}</span> }.into_any(),
                    None => ().into_any(),
                }}
            </span>
        </ActionForm>
    }
}
