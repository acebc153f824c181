use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use domain::{
    Approval, PromotionDetail, PromotionEvent, Verdict, VerificationCheck, WorkspacePlan,
};

use crate::base::prefixed;
use crate::components::promotion::{short_hash, ActionError, DiffTable, StateBadge, Warnings};
use crate::components::promotion_actions::{Decision, MoveButtons, Moves};
use crate::components::promotion_live::{follow_promotion, progresses_by_itself, NOSCRIPT_RELOAD};
use crate::components::time::format_ms;
use crate::error::UiError;
use crate::server_fns::promotions::get_promotion;

/// `/promotions/{id}`: what moves and what the plan does, the warnings,
/// the approvals and who could give them, the moves the viewer may make,
/// verification and the timeline; live while it is under way.
#[component]
pub fn PromotionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| domain::PromotionId::parse(&id)));
    let moves = Moves::new();
    let logged_in = crate::session::use_session().user.is_some();
    let location = leptos_router::hooks::use_location();
    let refresh = RwSignal::new(0_u64);
    let detail = Resource::new(
        move || (id(), moves.version(), refresh.get()),
        |(id, _, _)| async move {
            let id =
                id.ok_or_else(|| UiError::new(domain::ErrorCode::NotFound, "no such promotion"))?;
            get_promotion(id.0).await
        },
    );
    let shown = StoredValue::new(None);
    follow_promotion(shown, refresh);
    let title = move || id().map_or_else(|| "Promotion".to_owned(), |id| format!("Promotion {id}"));

    view! {
        <Title text=title />
        <section class="page promotion">
            <p class="crumbs"><a href=prefixed("/promotions")>"Promotions"</a>" / "{move || id().map(|i| i.to_string())}</p>
            {move || moves.error().map(|error| view! { <ActionError error /> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(e) => {
                            shown.set_value(None);
                            let login = (!logged_in).then(|| view! {
                                <p class="notice"><a href=prefixed(&format!("/auth/login?return_to={}", crate::base::within(&location.pathname.get_untracked()))) rel="external">"Log in"</a>" to see promotions."</p>
                            });
                            view! { <h1>"Not found"</h1><p class="error" role="alert">{e.0.message}</p>{login} }.into_any()
                        }
                        Ok(detail) => {
                            shown.set_value(Some(detail.clone()));
                            view! { <PromotionView detail moves /> }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PromotionView(detail: PromotionDetail, moves: Moves) -> impl IntoView {
    let p = detail.promotion.clone();
    let reload = progresses_by_itself(p.state);
    let diff_caption = format!("What moves from {} into {}", p.source, p.target);
    view! {
        {reload.then(|| view! { <noscript inner_html=NOSCRIPT_RELOAD></noscript> })}
        <div class="promotion-head">
            <h1>{format!("Promotion {}: {} → {}", p.id, p.source, p.target)}</h1>
            <span data-testid="promotion-state"><StateBadge state=p.state /></span>
        </div>
        <p class="promotion-message" aria-live="polite">{p.message.clone()}</p>
        <dl class="facts">
            <dt>"From"</dt><dd><a href=prefixed(&p.source.href())>{p.source.to_string()}</a></dd>
            <dt>"Into"</dt><dd><a href=prefixed(&format!("/environments/{}", p.target))>{p.target.to_string()}</a></dd>
            <dt>"Applications"</dt><dd>{p.applications.join(", ")}</dd>
            <dt>"Requested by"</dt><dd>{p.requested_by.clone()}</dd>
            <dt>"Opened"</dt><dd>{format_ms(p.created_at)}</dd>
            <dt>"Updated"</dt><dd>{format_ms(p.updated_at)}</dd>
            <dt>"Release set"</dt><dd><code title=p.incoming.id.clone()>{short_hash(&p.incoming.id)}</code></dd>
            {p.job.map(|job| view! { <dt>"Job"</dt><dd><a href=prefixed(&format!("/jobs/{job}"))>{format!("job {job}")}</a></dd> })}
            {detail.waiting_for.map(|w| view! {
                <dt>"Waiting for"</dt><dd><a href=prefixed(&format!("/promotions/{w}"))>{format!("promotion {w}")}</a>" into "{p.target.to_string()}" to finish"</dd>
            })}
            {p.acknowledged.then(|| view! { <dt>"Channel warnings"</dt><dd>"acknowledged when opened"</dd> })}
        </dl>
        <Warnings warnings=detail.warnings.clone() />
        <section class="actions" aria-labelledby="decide-title">
            <h2 id="decide-title">"Approval"</h2>
            <Approvals detail=detail.clone() />
            <Decision detail=detail.clone() moves />
            <MoveButtons detail=detail.clone() moves />
        </section>
        <h2>"Revisions"</h2>
        <DiffTable diff=detail.diff.clone() caption=diff_caption />
        <h2>"Plan"</h2>
        <Plans plans=detail.plans.clone() />
        <h2>"Policy"</h2>
        <crate::components::releases::PolicyFacts policy=detail.policy />
        <h2>"Verification"</h2>
        <Checks checks=detail.checks.clone() />
        <h2>"Timeline"</h2>
        <Timeline events=detail.events.clone() />
    }
}

/// How many approvals are still needed, who gave theirs, who could.
#[component]
fn Approvals(detail: PromotionDetail) -> impl IntoView {
    let needed = detail.policy.required_approvals;
    let summary = match (needed, detail.approvals_missing) {
        (0, _) => "This environment's policy needs no approval.".to_owned(),
        (n, 0) => format!("Approved: {n} of {n} needed."),
        (n, m) => format!(
            "{m} more approval{} needed ({n} in all).",
            if m == 1 { "" } else { "s" }
        ),
    };
    let approvers = if detail.approvers.is_empty() {
        "nobody (the requester cannot approve their own promotion)".to_owned()
    } else {
        detail
            .approvers
            .iter()
            .map(|a| approver_label(a.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <p data-testid="approvals-missing">{summary}</p>
        <p><span class="muted">"Who could approve: "</span>{approvers}</p>
        {(!detail.approvals.is_empty()).then(|| view! { <ApprovalTable approvals=detail.approvals.clone() /> })}
    }
}

/// `user:carol` as "carol", `group:release-approvers#member` as "members
/// of release-approvers".
fn approver_label(principal: &str) -> String {
    match principal.strip_prefix("group:") {
        Some(group) => format!("members of {}", group.trim_end_matches("#member")),
        None => principal
            .strip_prefix("user:")
            .unwrap_or(principal)
            .to_owned(),
    }
}

#[component]
fn ApprovalTable(approvals: Vec<Approval>) -> impl IntoView {
    view! {
        <table class="data approvals" data-testid="approvals">
            <caption>"Decisions so far; a re-plan voids those on the old plan"</caption>
            <thead>
                <tr><th scope="col">"Who"</th><th scope="col">"Verdict"</th><th scope="col">"Comment"</th><th scope="col">"When"</th><th scope="col">"Plan"</th></tr>
            </thead>
            <tbody>
                {approvals.into_iter().map(|a| {
                    let verdict_class = match a.verdict { Verdict::Approve => "verdict decision-allowed", Verdict::Reject => "verdict decision-denied" };
                    view! {
                        <tr class:void=!a.current>
                            <th scope="row">{a.approver.clone()}</th>
                            <td class=verdict_class>{a.verdict.as_str()}</td>
                            <td>{a.comment.clone()}</td>
                            <td>{format_ms(a.at)}</td>
                            <td>
                                <code title=a.plan_hash.clone()>{short_hash(&a.plan_hash)}</code>
                                {(!a.current).then(|| view! { " "<span class="status status-void">"void"</span> })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Each affected workspace's saved plan and its resource changes.
#[component]
fn Plans(plans: Vec<WorkspacePlan>) -> impl IntoView {
    if plans.is_empty() {
        return view! { <p class="muted">"Not planned yet."</p> }.into_any();
    }
    view! {
        <div class="plans">
            {plans.into_iter().map(|plan| {
                let s = plan.summary;
                let destroys_any = s.destroy > 0;
                view! {
                    <section class="plan" data-layer=plan.layer.clone() aria-label=format!("Plan of {}", plan.layer)>
                        <h3>
                            {plan.layer.clone()}" "
                            <span class="plan-summary">
                                <span class="add">{format!("+{} to add", s.add)}</span>", "
                                <span class="change">{format!("~{} to change", s.change)}</span>", "
                                <span class:destroy=destroys_any>{format!("-{} to destroy", s.destroy)}</span>
                            </span>
                        </h3>
                        <p class="muted">"Plan "<code title=plan.plan_hash.clone()>{short_hash(&plan.plan_hash)}</code></p>
                        {if plan.changes.is_empty() {
                            view! { <p class="muted">"No resource changes."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="resource-changes">
                                    {plan.changes.into_iter().map(|c| {
                                        let destroys = c.actions.iter().any(|a| a == "delete");
                                        view! { <li class:destroy=destroys><span class="change-actions">{c.actions.join(" + ")}</span>" "<code>{c.address}</code></li> }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                }
            }).collect_view()}
        </div>
    }
    .into_any()
}

#[component]
fn Checks(checks: Vec<VerificationCheck>) -> impl IntoView {
    if checks.is_empty() {
        return view! { <p class="muted">"No verification checks yet."</p> }.into_any();
    }
    view! {
        <ol class="checks" data-testid="verification-checks">
            {checks.into_iter().map(|c| {
                let (class, word) = match c.passed {
                    Some(true) => ("oidc-pass", "passed"),
                    Some(false) => ("oidc-fail", "failed"),
                    None => ("oidc-unknown", "could not check"),
                };
                view! {
                    <li>
                        <span class=format!("check-result {class}")>{word}</span>" "
                        {format_ms(c.at)}
                        {c.rollback.then(|| view! { " "<span class="muted">"(of the rollback)"</span> })}
                        {(!c.message.is_empty()).then(|| view! { ": "{c.message.clone()} })}
                        {c.failed_rules.iter().any(|r| !c.message.contains(r.as_str())).then(|| view! {
                            <span class="oidc-fail">" — failed: "{c.failed_rules.join(", ")}</span>
                        })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn Timeline(events: Vec<PromotionEvent>) -> impl IntoView {
    view! {
        <ol class="timeline" data-testid="promotion-timeline">
            {events.into_iter().map(|e| view! {
                <li>
                    <time>{format_ms(e.at)}</time>" "
                    <StateBadge state=e.state />" "
                    <span class="muted">{e.actor}</span>" "
                    {e.message}
                </li>
            }).collect_view()}
        </ol>
    }
}
