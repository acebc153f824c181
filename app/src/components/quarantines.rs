//! Quarantined revisions: the list, a Lift button on each and the form
//! that quarantines one, for those who may. Plain forms: they work without
//! JavaScript, and a refused post comes back with what was typed.

use crate::components::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use domain::{Quarantine, ValidationError};

use crate::components::promotion::ActionError;
use crate::components::time::format_ms;
use crate::server_fns::releases::{LiftQuarantine, QuarantineRevision};
use crate::session::CsrfField;

#[component]
pub fn QuarantineTable(
    quarantines: Vec<Quarantine>,
    can_lift: bool,
    lift: ServerAction<LiftQuarantine>,
) -> impl IntoView {
    if quarantines.is_empty() {
        return view! { <p class="muted" data-testid="no-quarantines">"No revision is quarantined."</p> }
            .into_any();
    }
    view! {
        <table class="data quarantines" data-testid="quarantines">
            <caption>"Revisions kept out of every environment"</caption>
            <thead>
                <tr>
                    <th scope="col">"Charm"</th>
                    <th scope="col">"Revision"</th>
                    <th scope="col">"Why"</th>
                    <th scope="col">"Since"</th>
                    <th scope="col">"By"</th>
                    {can_lift.then(|| view! { <th scope="col"><span class="visually-hidden">"Lift"</span></th> })}
                </tr>
            </thead>
            <tbody>
                {quarantines.into_iter().map(|q| {
                    let what = format!(" on {} revision {}", q.charm, q.revision);
                    let charm = q.charm.clone();
                    view! {
                        <tr data-quarantine=format!("{}/{}", q.charm, q.revision)>
                            <th scope="row"><code>{q.charm.clone()}</code></th>
                            <td>{q.revision}</td>
                            <td>{q.reason.clone()}</td>
                            <td>{format_ms(q.at)}</td>
                            <td>{q.by.clone()}</td>
                            {can_lift.then(|| view! {
                                <td>
                                    <ActionForm action=lift>
                                        <CsrfField />
                                        <input type="hidden" name="charm" value=charm />
                                        <input type="hidden" name="revision" value=q.revision.to_string() />
                                        <button type="submit">
                                            "Lift quarantine"<span class="visually-hidden">{what}</span>
                                        </button>
                                    </ActionForm>
                                </td>
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The quarantine form, empty or with what a refused plain post typed;
/// `charms` are offered as suggestions.
#[component]
pub fn QuarantineForm(
    charms: Vec<String>,
    quarantine: ServerAction<QuarantineRevision>,
) -> impl IntoView {
    let query = use_query_map();
    let typed = move |k: &str| query.with_untracked(|q| q.get(k)).unwrap_or_default();
    // With JavaScript the page is patched in place after a quarantine:
    // empty the form for the next one.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (quarantine.value().get(), form.get_untracked()) {
            form.reset();
        }
    });
    let refusal = move || quarantine.value().get().and_then(Result::err);
    let message = move |field: &'static str| {
        move || {
            refusal().and_then(|e| {
                e.fields
                    .iter()
                    .find(|f: &&ValidationError| f.field == field)
                    .map(|f| view! { <p class="field-error" id=format!("quarantine-{field}-error")>{f.message.clone()}</p> })
            })
        }
    };
    let general = move || {
        refusal()
            .filter(|e| e.fields.is_empty())
            .map(|error| view! { <ActionError error /> })
    };
    let refused = move |field: &'static str| {
        refusal().is_some_and(|e| e.fields.iter().any(|f| f.field == field))
    };
    let invalid = move |field: &'static str| move || refused(field).then_some("true");
    let described = move |field: &'static str| {
        move || refused(field).then(|| format!("quarantine-{field}-error"))
    };
    view! {
        <ActionForm action=quarantine node_ref=form attr:class="quarantine-form" attr:aria-labelledby="quarantine-form-title">
            <h3 id="quarantine-form-title">"Quarantine a revision"</h3>
            <p class="hint">"No promotion brings a quarantined revision anywhere until it is lifted; waiting promotions that carry it are cancelled."</p>
            <CsrfField />
            {general}
            <div class="field">
                <label for="quarantine-charm">"Charm"</label>
                <input id="quarantine-charm" type="text" name="charm" list="quarantine-charms" required=true
                    value=typed("charm") aria-invalid=invalid("charm") aria-describedby=described("charm") />
                <datalist id="quarantine-charms">
                    {charms.into_iter().map(|c| view! { <option value=c></option> }).collect_view()}
                </datalist>
                {message("charm")}
            </div>
            <div class="field">
                <label for="quarantine-revision">"Revision"</label>
                <input id="quarantine-revision" type="number" name="revision" min="1" required=true
                    value=typed("revision") aria-invalid=invalid("revision") aria-describedby=described("revision") />
                {message("revision")}
            </div>
            <div class="field">
                <label for="quarantine-reason">"Reason"</label>
                <textarea id="quarantine-reason" name="reason" rows="2" required=true maxlength=domain::release::MAX_REASON.to_string()
                    aria-invalid=invalid("reason") aria-describedby=described("reason")>{typed("reason")}</textarea>
                {message("reason")}
            </div>
            <button type="submit" disabled=move || quarantine.pending().get()>
                {move || if quarantine.pending().get() { "Quarantining…" } else { "Quarantine" }}
            </button>
        </ActionForm>
    }
}
