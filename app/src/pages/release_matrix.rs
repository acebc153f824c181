use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;

use domain::ReleaseMatrix;

use crate::base::prefixed;
use crate::components::promotion::ActionError;
use crate::components::quarantines::{QuarantineForm, QuarantineTable};
use crate::components::release_matrix::MatrixTable;
use crate::server_fns::releases::{get_release_matrix, LiftQuarantine, QuarantineRevision};
use crate::session::use_session;

/// `/releases/matrix`: what every environment runs, environments in
/// upstream order; the newest release on each channel; the quarantines,
/// and for release owners the forms that change them.
#[component]
pub fn ReleaseMatrixPage() -> impl IntoView {
    let logged_in = use_session().user.is_some();
    let quarantine = ServerAction::<QuarantineRevision>::new();
    let lift = ServerAction::<LiftQuarantine>::new();
    // Read again after each quarantine that succeeded (a refused one keeps
    // the form as typed) and after each lift.
    let quarantined =
        Memo::new(move |last: Option<&Option<(String, u32, i64)>>| {
            match quarantine.value().get() {
                Some(Ok(q)) => Some((q.charm, q.revision, q.at)),
                _ => last.cloned().flatten(),
            }
        });
    let matrix = Resource::new(
        move || (quarantined.get(), lift.version().get()),
        move |_| async move {
            if !logged_in {
                return Ok(None);
            }
            get_release_matrix().await.map(Some)
        },
    );
    let said = announcements(quarantine, lift);
    let lift_error = move || {
        lift.value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <ActionError error /> })
    };

    view! {
        <Title text="Release matrix" />
        <section class="page release-matrix-page">
            <div class="page-head">
                <h1>"Release matrix"</h1>
                <a href=prefixed("/releases")>"All recorded releases"</a>
            </div>
            {(!logged_in).then(|| view! {
                <p class="notice"><a href=prefixed("/auth/login?return_to=/releases/matrix") rel="external">"Log in"</a>" to see what runs where."</p>
            })}
            <p class="saved" role="status" aria-live="polite">{move || said.get()}</p>
            <Transition fallback=|| view! { <p class="muted">"Loading the matrix…"</p> }>
                {move || Suspend::new(async move {
                    match matrix.await {
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <ActionError error /> }.into_any(),
                        Ok(Some(m)) => view! {
                            <Legend />
                            <MatrixTable matrix=m.clone() />
                            <section class="quarantine-section" id="quarantines" aria-labelledby="quarantines-title">
                                <h2 id="quarantines-title">"Quarantines"</h2>
                                {lift_error}
                                <QuarantineTable quarantines=m.quarantines.clone() can_lift=m.can_quarantine lift />
                                {m.can_quarantine.then(|| view! { <QuarantineForm charms=charms(&m) quarantine /> })}
                            </section>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// What the markers in the cells mean.
#[component]
fn Legend() -> impl IntoView {
    view! {
        <p class="matrix-legend muted">
            <span class="marker marker-differs">"≠ blue"</span>" runs something else than the environment it is promoted from; "
            <span class="marker marker-held">"held"</span>" kept out here after a rollback; "
            <span class="marker marker-quarantined">"quarantined"</span>" kept out of every environment. "
            "Hover a marker for the reason."
        </p>
    }
}

/// Every charm the matrix shows, for the quarantine form's suggestions.
fn charms(matrix: &ReleaseMatrix) -> Vec<String> {
    matrix
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().flatten().map(|c| c.charm.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// What the last quarantine or lift did, for the live status line (with
/// JavaScript; without, the page the post lands on shows it).
fn announcements(
    quarantine: ServerAction<QuarantineRevision>,
    lift: ServerAction<LiftQuarantine>,
) -> RwSignal<String> {
    let said = RwSignal::new(String::new());
    let lifting = StoredValue::new(None::<(String, String)>);
    Effect::new(move |_| {
        if let Some(Ok(q)) = quarantine.value().get() {
            said.set(format!("Quarantined {} revision {}.", q.charm, q.revision));
        }
    });
    Effect::new(move |_| {
        if let Some(input) = lift.input().get() {
            lifting.set_value(Some((input.charm, input.revision)));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = lift.value().get() {
            said.set(match lifting.get_value() {
                Some((charm, revision)) => {
                    format!("Lifted the quarantine on {charm} revision {revision}.")
                }
                None => "Lifted the quarantine.".to_owned(),
            });
        }
    });
    said
}
