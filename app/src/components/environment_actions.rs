//! The controls on an environment's page, each a form that works without
//! JavaScript. They are shown to those the engine says may use them; the
//! engine checks again when they are used.

use crate::components::form::ActionForm;
use leptos::prelude::*;

use crate::server_fns::environment_ops::{
    ApplyEnvironment, DestroyEnvironment, LockEnvironment, UnlockEnvironment,
};
use crate::session::CsrfField;
use domain::EnvironmentDetail;

#[component]
pub fn EnvironmentActions(
    view: EnvironmentDetail,
    apply: ServerAction<ApplyEnvironment>,
    lock: ServerAction<LockEnvironment>,
    unlock: ServerAction<UnlockEnvironment>,
    destroy: ServerAction<DestroyEnvironment>,
) -> impl IntoView {
    let actions = view.actions;
    if !actions.any() {
        return ().into_any();
    }
    let name = view.environment.name.to_string();
    let error = move || {
        apply
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| lock.value().get().and_then(Result::err))
            .or_else(|| unlock.value().get().and_then(Result::err))
            .or_else(|| destroy.value().get().and_then(Result::err))
            .map(|e| view! { <p class="error" role="alert">{e.0.message}</p> })
    };
    view! {
        <section class="actions" aria-label="Actions">
            <h2>"Actions"</h2>
            {error}
            {actions.apply.then(|| {
                let name = name.clone();
                view! {
                    <ActionForm action=apply attr:class="inline-form apply-form">
                        <CsrfField />
                        <input type="hidden" name="name" value=name />
                        <span>"Apply again:"</span>
                        {view.layers.iter().map(|l| {
                            let id = format!("apply-{l}");
                            view! {
                                <span class="check">
                                    <input id=id.clone() type="checkbox" name="layers[]" value=l.clone() />
                                    <label for=id>{l.clone()}</label>
                                </span>
                            }
                        }).collect_view()}
                        <button type="submit">"Apply"</button>
                        <small class="hint">"None ticked applies every layer."</small>
                    </ActionForm>
                }
            })}
            {(actions.lock || actions.unlock).then(|| {
                let name = name.clone();
                if actions.unlock {
                    view! {
                        <ActionForm action=unlock attr:class="inline-form">
                            <CsrfField />
                            <input type="hidden" name="name" value=name />
                            <button type="submit">"Unlock"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! {
                        <ActionForm action=lock attr:class="inline-form">
                            <CsrfField />
                            <input type="hidden" name="name" value=name />
                            <label for="lock-reason">"Lock, because"</label>
                            <input id="lock-reason" type="text" name="reason" required=true maxlength="200" placeholder="freeze for the demo" />
                            <button type="submit">"Lock"</button>
                        </ActionForm>
                    }.into_any()
                }
            })}
            {actions.destroy.then(|| view! {
                <ActionForm action=destroy attr:class="inline-form danger">
                    <CsrfField />
                    <input type="hidden" name="name" value=name.clone() />
                    <label for="destroy-confirm">{format!("Type {name} to destroy it")}</label>
                    <input id="destroy-confirm" type="text" name="confirm" autocomplete="off" required=true />
                    <button type="submit" class="danger">"Destroy"</button>
                </ActionForm>
            })}
        </section>
    }
    .into_any()
}
