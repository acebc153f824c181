//! Opening a promotion in two plain forms: the choice (a GET back to
//! `/promotions` that shows what opening would do) and, under the preview,
//! the post that opens it with exactly what was previewed. Both work
//! without JavaScript; the engine refuses what cannot be opened.

use std::collections::BTreeSet;

use crate::components::form::ActionForm;
use leptos::prelude::*;

use domain::EnvironmentSummary;

use crate::base::prefixed;
use crate::components::promotion::{ActionError, DiffTable, Warnings};
use crate::server_fns::promotions::{preview_promotion, OpenPromotion};
use crate::session::CsrfField;

/// What the query asks to preview: `?source=&target=&applications=…`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choice {
    pub source: String,
    pub target: String,
    pub applications: Vec<String>,
    /// Ticked when a refused open comes back.
    pub acknowledge: bool,
}

impl Choice {
    /// Both environments chosen: there is something to preview.
    pub fn is_complete(&self) -> bool {
        !self.source.is_empty() && !self.target.is_empty()
    }
}

/// The choice form, and the preview with the open form when both
/// environments are chosen.
#[component]
pub fn NewPromotion(
    environments: Vec<EnvironmentSummary>,
    choice: Choice,
    open: ServerAction<OpenPromotion>,
) -> impl IntoView {
    let applications: BTreeSet<String> = environments
        .iter()
        .flat_map(|e| e.manifest.0.keys().cloned())
        .collect();
    let names: Vec<String> = environments.iter().map(|e| e.name.to_string()).collect();
    let select = |id: &'static str, name: &'static str, chosen: String| {
        let names = names.clone();
        view! {
            <select id=id name=name required=true>
                <option value="" selected=chosen.is_empty()>"Pick one…"</option>
                {names.into_iter().map(|n| {
                    let selected = n == chosen;
                    view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                }).collect_view()}
            </select>
        }
    };
    let source = select("promo-source", "source", choice.source.clone());
    let target = select("promo-target", "target", choice.target.clone());
    let preview = choice
        .is_complete()
        .then(|| view! { <Preview choice=choice.clone() open /> });
    view! {
        <section class="new-promotion" id="new" aria-labelledby="new-promotion-title">
            <h2 id="new-promotion-title">"New promotion"</h2>
            <form method="get" action=prefixed("/promotions#new") class="promotion-choice">
                <div class="field">
                    <label for="promo-source">"From (source)"</label>
                    {source}
                </div>
                <div class="field">
                    <label for="promo-target">"Into (target)"</label>
                    {target}
                </div>
                <fieldset class="applications">
                    <legend>"Applications"</legend>
                    {applications.into_iter().map(|app| {
                        let id = format!("promo-app-{app}");
                        let checked = choice.applications.contains(&app);
                        view! {
                            <span class="check">
                                <input id=id.clone() type="checkbox" name="applications" value=app.clone() checked=checked />
                                <label for=id>{app.clone()}</label>
                            </span>
                        }
                    }).collect_view()}
                    <small class="hint">"None ticked: every application whose revision differs."</small>
                </fieldset>
                <button type="submit">"Preview"</button>
            </form>
            {preview}
        </section>
    }
}

/// What opening would do, and the form that opens it.
#[component]
fn Preview(choice: Choice, open: ServerAction<OpenPromotion>) -> impl IntoView {
    let asked = choice.clone();
    let preview = Resource::new(
        move || asked.clone(),
        |c| preview_promotion(c.source, c.target, c.applications),
    );
    let open_error = move || {
        open.value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <ActionError error /> })
    };
    view! {
        <section class="promotion-preview" aria-labelledby="preview-title" data-testid="promotion-preview">
            <h3 id="preview-title">{format!("Preview: {} → {}", choice.source, choice.target)}</h3>
            {open_error}
            <Suspense fallback=|| view! { <p class="muted">"Working out what would move…"</p> }>
                {move || {
                    let choice = choice.clone();
                    Suspend::new(async move {
                        match preview.await {
                            Err(error) => view! { <ActionError error /> }.into_any(),
                            Ok(p) => {
                                let caption = format!("Revisions {} would bring into {}", choice.source, choice.target);
                                let has_warnings = !p.warnings.is_empty();
                                let refusals = p.refusals.clone();
                                view! {
                                    <DiffTable diff=p.diff caption />
                                    <Warnings warnings=p.warnings />
                                    {if refusals.is_empty() {
                                        view! { <OpenForm choice has_warnings open /> }.into_any()
                                    } else {
                                        view! {
                                            <div class="refusals" data-testid="promotion-refusals">
                                                <p><strong>"It cannot be opened:"</strong></p>
                                                <ul>{refusals.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                                                <p class="muted">"Change the choice above and preview again."</p>
                                            </div>
                                        }.into_any()
                                    }}
                                }.into_any()
                            }
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn OpenForm(
    choice: Choice,
    has_warnings: bool,
    open: ServerAction<OpenPromotion>,
) -> impl IntoView {
    view! {
        <ActionForm action=open attr:class="inline-form open-promotion">
            <CsrfField />
            <input type="hidden" name="source" value=choice.source.clone() />
            <input type="hidden" name="target" value=choice.target.clone() />
            {choice.applications.iter().map(|a| view! { <input type="hidden" name="applications[]" value=a.clone() /> }).collect_view()}
            {has_warnings.then(|| view! {
                <span class="check acknowledge">
                    <input id="promo-acknowledge" type="checkbox" name="acknowledge" checked=choice.acknowledge />
                    <label for="promo-acknowledge">"I acknowledge the channel warnings"</label>
                </span>
            })}
            <button type="submit" disabled=move || open.pending().get()>
                {move || if open.pending().get() { "Opening…" } else { "Open promotion" }}
            </button>
        </ActionForm>
    }
}
