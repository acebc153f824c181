//! An environment's promotion side on its page: the policy (a form for
//! those who may change it), what was deployed, and the revisions held out
//! after a rollback. The forms work without JavaScript.

use crate::components::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use domain::{Deployment, EnvironmentReleases, Hold, PromotionPolicy, ValidationError};

use crate::base::prefixed;
use crate::components::promotion::{revision_text, short_hash, ActionError};
use crate::components::time::format_ms;
use crate::server_fns::promotions::{LiftHold, SetPromotionPolicy};
use crate::session::CsrfField;

/// The policy in words.
#[component]
pub fn PolicyFacts(policy: PromotionPolicy) -> impl IntoView {
    view! {
        <dl class="facts policy" data-testid="promotion-policy">
            <dt>"Approvals needed"</dt><dd>{policy.required_approvals}</dd>
            <dt>"Roll back on failure"</dt><dd>{if policy.auto_rollback { "yes" } else { "no: a person decides" }}</dd>
            <dt>"Promoted from"</dt>
            <dd data-testid="policy-upstream">{match policy.upstream {
                Some(up) => view! { <a href=prefixed(&format!("/environments/{up}"))>{up.to_string()}</a> }.into_any(),
                None => view! { "no upstream environment" }.into_any(),
            }}</dd>
            <dt>"Auto-deploy"</dt>
            <dd data-testid="policy-auto-deploy">{if policy.auto_deploy {
                "yes: releases recorded on its channel are deployed automatically"
            } else {
                "no: releases wait for a promotion"
            }}</dd>
            <dt>"Verification"</dt>
            <dd>{format!(
                "{} passing OIDC check{}, {} s apart, within {} s",
                policy.verify_passes,
                if policy.verify_passes == 1 { "" } else { "s" },
                policy.verify_interval_secs,
                policy.verify_window_secs
            )}</dd>
        </dl>
    }
}

/// `/environments/{name}`'s releases: policy, deployments, holds.
#[component]
pub fn Releases(
    env: String,
    releases: EnvironmentReleases,
    /// The other environments: the choices of upstream.
    others: Vec<String>,
    set_policy: ServerAction<SetPromotionPolicy>,
    lift: ServerAction<LiftHold>,
) -> impl IntoView {
    let lift_error = move || {
        lift.value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <ActionError error /> })
    };
    let policy = if releases.can_edit_policy {
        view! { <PolicyEdit env=env.clone() policy=releases.policy others set_policy /> }.into_any()
    } else {
        view! { <PolicyFacts policy=releases.policy /> }.into_any()
    };
    view! {
        <section class="releases" aria-labelledby="releases-title">
            <h2 id="releases-title">"Releases"</h2>
            <p><a href=prefixed(&format!("/promotions?environment={env}"))>"Promotions of "{env.clone()}</a></p>
            <h3>"Promotion policy"</h3>
            {policy}
            <h3>"Deployments"</h3>
            <DeploymentTable env=env.clone() deployments=releases.deployments />
            <h3>"Holds"</h3>
            {lift_error}
            <HoldTable env holds=releases.holds can_lift=releases.can_lift_holds lift />
        </section>
    }
}

#[component]
fn DeploymentTable(env: String, deployments: Vec<Deployment>) -> impl IntoView {
    if deployments.is_empty() {
        return view! { <p class="muted">"Nothing promoted here yet."</p> }.into_any();
    }
    view! {
        <table class="data deployments" data-testid="deployments">
            <caption>{format!("Release sets applied to {env}, newest first")}</caption>
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Release set"</th>
                    <th scope="col">"Revisions"</th>
                    <th scope="col">"By"</th>
                    <th scope="col">"Verified"</th>
                    <th scope="col">"Rollback"</th>
                </tr>
            </thead>
            <tbody>
                {deployments.into_iter().map(|d| {
                    let revisions = d.release_set.applications.0.iter()
                        .map(|(app, e)| format!("{app} {}", revision_text(e.revision)))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let via = match (d.promotion, d.job) {
                        (Some(p), _) => view! { <a href=prefixed(&format!("/promotions/{p}"))>{format!("promotion {p}")}</a> }.into_any(),
                        (None, Some(j)) => view! { <a href=prefixed(&format!("/jobs/{j}"))>{format!("job {j}")}</a> }.into_any(),
                        (None, None) => ().into_any(),
                    };
                    view! {
                        <tr data-deployment=d.id>
                            <th scope="row">{format_ms(d.at)}</th>
                            <td><code title=d.release_set.id.clone()>{short_hash(&d.release_set.id)}</code></td>
                            <td>{revisions}</td>
                            <td>{via}" "<span class="muted">{d.actor.clone()}</span></td>
                            <td>{if d.verified {
                                view! { <span class="oidc-pass" aria-hidden="true">"✓"</span><span class="visually-hidden">"verified"</span> }.into_any()
                            } else {
                                view! { <span class="muted" aria-hidden="true">"—"</span><span class="visually-hidden">"not verified"</span> }.into_any()
                            }}</td>
                            <td>{d.rollback.then(|| view! { <span class="status status-rolled_back">"rollback"</span> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn HoldTable(
    env: String,
    holds: Vec<Hold>,
    can_lift: bool,
    lift: ServerAction<LiftHold>,
) -> impl IntoView {
    if holds.is_empty() {
        return view! { <p class="muted">"No revision is held out."</p> }.into_any();
    }
    view! {
        <table class="data holds" data-testid="holds">
            <caption>{format!("Revisions kept out of {env} after a rollback")}</caption>
            <thead>
                <tr>
                    <th scope="col">"Application"</th>
                    <th scope="col">"Charm"</th>
                    <th scope="col">"Revision"</th>
                    <th scope="col">"Why"</th>
                    <th scope="col">"Since"</th>
                    <th scope="col">"By"</th>
                    {can_lift.then(|| view! { <th scope="col"><span class="visually-hidden">"Lift"</span></th> })}
                </tr>
            </thead>
            <tbody>
                {holds.into_iter().map(|h| {
                    let env = env.clone();
                    let application = h.application.clone();
                    let what = format!(" on {} revision {}", h.application, h.revision);
                    view! {
                        <tr data-hold=format!("{}/{}", h.application, h.revision)>
                            <th scope="row">{h.application.clone()}</th>
                            <td><code>{h.charm.clone()}</code></td>
                            <td>{h.revision}</td>
                            <td>
                                {h.reason.clone()}
                                {h.promotion.map(|p| view! { " ("<a href=prefixed(&format!("/promotions/{p}"))>{format!("promotion {p}")}</a>")" })}
                            </td>
                            <td>{format_ms(h.at)}</td>
                            <td>{h.by.clone()}</td>
                            {can_lift.then(|| view! {
                                <td>
                                    <ActionForm action=lift>
                                        <CsrfField />
                                        <input type="hidden" name="name" value=env />
                                        <input type="hidden" name="application" value=application />
                                        <input type="hidden" name="revision" value=h.revision.to_string() />
                                        <button type="submit">
                                            "Lift hold"<span class="visually-hidden">{what}</span>
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

/// The policy form, filled with the policy or with what a refused plain
/// post typed.
#[component]
fn PolicyEdit(
    env: String,
    policy: PromotionPolicy,
    others: Vec<String>,
    set_policy: ServerAction<SetPromotionPolicy>,
) -> impl IntoView {
    let query = use_query_map();
    let typed = move |k: &str, current: u32| {
        query
            .with_untracked(|q| q.get(k))
            .unwrap_or_else(|| current.to_string())
    };
    let checked = |k: &str, current: bool| {
        query
            .with_untracked(|q| q.get(k))
            .map_or(current, |v| v == "on")
    };
    let rollback = checked("auto_rollback", policy.auto_rollback);
    let auto_deploy = checked("auto_deploy", policy.auto_deploy);
    let upstream = query
        .with_untracked(|q| q.get("upstream"))
        .unwrap_or_else(|| {
            policy
                .upstream
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        });
    // A refused upstream stays choosable, even when it is no environment.
    let mut choices = others;
    if !upstream.is_empty() && !choices.contains(&upstream) {
        choices.push(upstream.clone());
    }
    let refusal = move || set_policy.value().get().and_then(Result::err);
    let message = move |field: &'static str| {
        move || {
            refusal().and_then(|e| {
                e.fields
                    .iter()
                    .find(|f: &&ValidationError| f.field == field)
                    .map(|f| view! { <p class="field-error" role="alert">{f.message.clone()}</p> })
            })
        }
    };
    let general = move || {
        refusal()
            .filter(|e| e.fields.is_empty())
            .map(|error| view! { <ActionError error /> })
    };
    let saved = move || {
        set_policy
            .value()
            .get()
            .and_then(Result::ok)
            .map(|_| view! { <p class="saved" role="status">"Policy saved."</p> })
    };
    let number = move |id: &'static str,
                       label: &'static str,
                       min: &'static str,
                       max: String,
                       value: String,
                       field: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="number" name=format!("policy[{field}]") min=min max=max value=value required=true />
                {message(field)}
            </div>
        }
    };
    view! {
        <ActionForm action=set_policy attr:class="policy-form">
            <CsrfField />
            <input type="hidden" name="name" value=env />
            {general}
            {saved}
            {number("policy-approvals", "Approvals needed", "0", domain::promotion::MAX_APPROVALS.to_string(), typed("required_approvals", policy.required_approvals), "required_approvals")}
            <div class="field check">
                <input id="policy-rollback" type="checkbox" name="policy[auto_rollback]" checked=rollback />
                <label for="policy-rollback">"Roll back automatically when verification fails"</label>
            </div>
            <div class="field check">
                <input id="policy-auto-deploy" type="checkbox" name="policy[auto_deploy]" checked=auto_deploy />
                <label for="policy-auto-deploy">"Deploy releases recorded on this environment's channel automatically"</label>
            </div>
            <div class="field">
                <label for="policy-upstream">"Promoted from (upstream)"</label>
                <select id="policy-upstream" name="policy[upstream]">
                    <option value="" selected=upstream.is_empty()>"none"</option>
                    {choices.into_iter().map(|name| {
                        let selected = name == upstream;
                        view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                    }).collect_view()}
                </select>
                <small class="hint">"Orders the release matrix, and is the New promotion form's first choice of source."</small>
                {message("upstream")}
            </div>
            {number("policy-passes", "Passing checks that verify", "1", "10".to_owned(), typed("verify_passes", policy.verify_passes), "verify_passes")}
            {number("policy-interval", "Seconds between checks", "1", "600".to_owned(), typed("verify_interval_secs", policy.verify_interval_secs), "verify_interval_secs")}
            {number("policy-window", "Seconds verification may take", "1", "3600".to_owned(), typed("verify_window_secs", policy.verify_window_secs), "verify_window_secs")}
            <button type="submit" disabled=move || set_policy.pending().get()>"Save policy"</button>
        </ActionForm>
    }
}
