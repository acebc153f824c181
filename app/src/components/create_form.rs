//! The create-environment form: validated live with the domain's parsers
//! when JavaScript runs, by the server function (field errors sent back to
//! the form) when it does not.

use std::collections::BTreeSet;

use crate::components::form::ActionForm;
use domain::environment::default_issuer;
use domain::{EnvironmentName, Layer, Manifest, Tier, ValidationError};
use leptos::prelude::*;

use crate::server_fns::environments::CreateEnvironment;
use crate::session::CsrfField;

/// What the form starts with: empty, or what a refused plain post typed.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub name: String,
    pub tier: String,
    pub purpose: String,
    pub channel: String,
    pub oidc_issuer: String,
    /// Empty: every layer.
    pub layers: Vec<String>,
}

const CHANNELS: &[&str] = &["edge", "beta", "candidate", "stable"];

/// The layers that `selected` names but whose dependencies it does not.
fn missing_dependencies(layers: &[Layer], selected: &BTreeSet<String>) -> Vec<String> {
    layers
        .iter()
        .filter(|l| selected.contains(&l.name))
        .flat_map(|l| {
            l.depends_on
                .iter()
                .filter(|d| !selected.contains(*d))
                .map(move |d| format!("{} needs {d}", l.name))
        })
        .collect()
}

#[component]
pub fn CreateForm(
    layers: Vec<Layer>,
    typed: Typed,
    action: ServerAction<CreateEnvironment>,
) -> impl IntoView {
    let tier0 = if typed.tier.is_empty() {
        "staging".to_owned()
    } else {
        typed.tier.clone()
    };
    let channel0 = if typed.channel.is_empty() {
        "edge".to_owned()
    } else {
        typed.channel.clone()
    };
    let name = RwSignal::new(typed.name.clone());
    let tier = RwSignal::new(tier0.clone());
    let purpose = RwSignal::new(typed.purpose.clone());
    let channel = RwSignal::new(channel0.clone());
    let issuer = RwSignal::new(typed.oidc_issuer.clone());
    let issuer_edited = RwSignal::new(!typed.oidc_issuer.is_empty());
    let touched = RwSignal::new(BTreeSet::<&'static str>::new());
    let selected = RwSignal::new(
        layers
            .iter()
            .filter(|l| typed.layers.is_empty() || typed.layers.contains(&l.name))
            .map(|l| l.name.clone())
            .collect::<BTreeSet<_>>(),
    );
    let shown_issuer = move || {
        if issuer_edited.get() {
            issuer.get()
        } else {
            EnvironmentName::parse(name.get().trim())
                .map(|n| default_issuer(&n))
                .unwrap_or_default()
        }
    };
    let live = Memo::new(move |_| {
        let request = domain::CreateEnvironment {
            name: name.get(),
            tier: tier.get(),
            purpose: purpose.get(),
            channel: channel.get(),
            oidc_issuer: if issuer_edited.get() {
                issuer.get()
            } else {
                String::new()
            },
            ..domain::CreateEnvironment::default()
        };
        request.parse().err().unwrap_or_default()
    });
    let server = move || action.value().get().and_then(Result::err);
    let message = move |field: &'static str| {
        let pick = |errs: Vec<ValidationError>| {
            errs.into_iter()
                .find(|e| e.field == field)
                .map(|e| e.message)
        };
        if touched.with(|t| t.contains(field)) {
            pick(live.get())
        } else {
            server().and_then(|e| pick(e.fields.clone()))
        }
    };
    // A server reply (a refusal) shows its errors until the fields change.
    Effect::new(move |_| {
        action.version().track();
        touched.set(BTreeSet::new());
    });
    let touch = move |field: &'static str| {
        touched.update(|t| {
            t.insert(field);
        })
    };
    let general = move || {
        server()
            .filter(|e| e.fields.is_empty())
            .map(|e| view! { <p class="error" role="alert">{e.0.message}</p> })
    };
    let manifest_errors = move || {
        server()
            .map(|e| {
                e.fields
                    .iter()
                    .filter(|f| f.field.starts_with("manifest"))
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let graph = layers.clone();
    let missing = move || selected.with(|s| missing_dependencies(&graph, s));
    let apps = Manifest::identity_stack("").0;

    view! {
        <ActionForm action=action attr:class="create-form" attr:novalidate=true>
            <CsrfField />
            {general}
            <div class="field">
                <label for="env-name">"Name"</label>
                <input id="env-name" name="name" type="text" required=true autocomplete="off"
                    placeholder="teal" value=typed.name.clone()
                    on:input=move |ev| { name.set(event_target_value(&ev)); touch("name"); } />
                <small class="hint">"A colour: lowercase letters, digits and '-', 2 to 31 characters."</small>
                <FieldError message=Signal::derive(move || message("name")) />
            </div>
            <div class="field">
                <label for="env-tier">"Tier"</label>
                <select id="env-tier" name="tier" on:change=move |ev| { tier.set(event_target_value(&ev)); touch("tier"); }>
                    {Tier::ALL.iter().map(|t| view! { <option value=t.as_str() selected=t.as_str() == tier0>{t.as_str()}</option> }).collect_view()}
                </select>
                <FieldError message=Signal::derive(move || message("tier")) />
            </div>
            <div class="field">
                <label for="env-purpose">"Purpose"</label>
                <input id="env-purpose" name="purpose" type="text" placeholder="What is it for?" value=typed.purpose.clone()
                    on:input=move |ev| { purpose.set(event_target_value(&ev)); touch("purpose"); } />
                <FieldError message=Signal::derive(move || message("purpose")) />
            </div>
            <div class="field">
                <label for="env-channel">"Channel"</label>
                <input id="env-channel" name="channel" type="text" list="channels" value=channel0.clone()
                    on:input=move |ev| { channel.set(event_target_value(&ev)); touch("channel"); } />
                <datalist id="channels">{CHANNELS.iter().map(|c| view! { <option value=*c></option> }).collect_view()}</datalist>
                <small class="hint">"edge, beta, candidate or stable, optionally with a track: 2/edge."</small>
                <FieldError message=Signal::derive(move || message("channel")) />
            </div>
            <div class="field">
                <label for="env-issuer">"OIDC issuer"</label>
                <input id="env-issuer" name="oidc_issuer" type="url" placeholder="https://iam.{env}.example.com"
                    value=typed.oidc_issuer.clone() prop:value=shown_issuer
                    on:input=move |ev| { issuer.set(event_target_value(&ev)); issuer_edited.set(true); touch("oidc_issuer"); } />
                <small class="hint">"Leave empty for https://iam.{name}.example.com."</small>
                <FieldError message=Signal::derive(move || message("oidc_issuer")) />
            </div>
            <fieldset class="layers">
                <legend>"Layers"</legend>
                <ol class="layer-graph">
                    {layers.into_iter().map(|l| {
                        let id = format!("layer-{}", l.name);
                        let layer = l.name.clone();
                        let checked = selected.with_untracked(|s| s.contains(&l.name));
                        let needs = if l.depends_on.is_empty() { String::new() } else { format!("needs: {}", l.depends_on.join(", ")) };
                        view! {
                            <li>
                                <input id=id.clone() type="checkbox" name="layers[]" value=l.name.clone() checked=checked
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        selected.update(|s| { if on { s.insert(layer.clone()); } else { s.remove(&layer); } });
                                    } />
                                <label for=id>{l.name.clone()}</label>
                                <span class="muted needs">{needs}</span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
                <small class="hint">"None ticked builds every layer."</small>
                {move || missing().into_iter().map(|m| view! { <p class="field-error" role="alert">{m}</p> }).collect_view()}
                <FieldError message=Signal::derive(move || message("layers")) />
            </fieldset>
            <details class="manifest-edit">
                <summary>"Initial manifest (defaults: the identity stack on the environment's channel)"</summary>
                {move || manifest_errors().into_iter().map(|e| view! { <p class="field-error" role="alert">{format!("{}: {}", e.field.trim_start_matches("manifest."), e.message)}</p> }).collect_view()}
                <table class="manifest">
                    <thead><tr><th>"Application"</th><th>"Charm"</th><th>"Channel"</th><th>"Revision"</th></tr></thead>
                    <tbody>
                        {apps.into_iter().map(|(app, entry)| view! {
                            <tr>
                                <th scope="row">{app.clone()}</th>
                                <td><input type="text" aria-label=format!("{app} charm") name=format!("manifest[{app}][charm]") value=entry.charm /></td>
                                <td><input type="text" aria-label=format!("{app} channel") name=format!("manifest[{app}][channel]") placeholder=move || channel.get() /></td>
                                <td><input type="text" aria-label=format!("{app} revision") name=format!("manifest[{app}][revision]") placeholder="latest" inputmode="numeric" size="6" /></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
            <button type="submit" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Creating…" } else { "Create environment" }}
            </button>
        </ActionForm>
    }
}

/// A field's message, when it has one.
#[component]
fn FieldError(message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
    }
}
