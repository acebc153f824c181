//! `ActionForm` under the path prefix: leptos's own writes the server
//! function's bare path (`/_fn/…`) into the form's `action`, which a plain
//! (no JavaScript) post would send outside `PALETTE_PATH_PREFIX`. This one
//! is the same component with the action [`prefixed`].

use leptos::form::FromFormData;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::error::{IntoAppError, ServerFnErrorErr};
use leptos::server_fn::request::ClientReq;
use leptos::server_fn::{Http, ServerFn};
use leptos::tachys::html::element::Form;
use leptos::tachys::html::event::submit;
use serde::de::DeserializeOwned;

use crate::base::prefixed;

/// A form that calls `action`'s server function: through `fetch` once
/// hydrated, as a plain form post before (or without JavaScript).
#[component]
pub fn ActionForm<ServFn, OutputProtocol>(
    action: ServerAction<ServFn>,
    #[prop(optional)] node_ref: Option<NodeRef<Form>>,
    children: Children,
) -> impl IntoView
where
    ServFn: DeserializeOwned
        + ServerFn<Protocol = Http<PostUrl, OutputProtocol>>
        + Clone
        + Send
        + Sync
        + 'static,
    <<ServFn::Client as Client<ServFn::Error>>::Request as ClientReq<ServFn::Error>>::FormData:
        From<leptos::web_sys::FormData>,
    ServFn::Output: Send + Sync + 'static,
    ServFn::Error: Send + Sync + 'static,
    <ServFn as ServerFn>::Client: Client<<ServFn as ServerFn>::Error>,
{
    let version = action.version();
    let value = action.value();
    let on_submit = move |ev: leptos::web_sys::SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        ev.prevent_default();
        match ServFn::from_event(&ev) {
            Ok(input) => {
                action.dispatch(input);
            }
            Err(err) => {
                value.set(Some(Err(
                    ServerFnErrorErr::Serialization(err.to_string()).into_app_error()
                )));
                version.update(|n| *n += 1);
            }
        }
    };
    let form = leptos::html::form()
        .action(prefixed(ServFn::url()))
        .method("post")
        .on(submit, on_submit)
        .child(children());
    match node_ref {
        Some(node_ref) => leptos::either::Either::Left(form.node_ref(node_ref)),
        None => leptos::either::Either::Right(form),
    }
}
