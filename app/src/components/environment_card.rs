use domain::colour::css_colour;
use domain::job::Job;
use domain::OverviewCard;
use leptos::prelude::*;

use crate::base::prefixed;
use crate::components::oidc::{OidcBadge, VerdictPill};
use crate::components::time::Ago;

/// One environment as a card drawn in its colour: what it is, and whether
/// it is all right — its running or last job, its lock, its OIDC verdict
/// and how far it is from its upstream.
#[component]
pub fn EnvironmentCard(card: OverviewCard) -> impl IntoView {
    let env = card.environment;
    let colour = css_colour(env.name.as_str());
    let status = env.status.as_str();
    let apps = env.manifest.len();
    let locked = card.locked_reason.is_some();
    view! {
        <li class="env-card" class:locked=locked style:--env-colour=colour data-environment=env.name.to_string()>
            <div class="env-card-head">
                <h2><a href=prefixed(&format!("/environments/{}", env.name))>{env.name.to_string()}</a></h2>
                <span class=format!("status status-{status}")>{status}</span>
            </div>
            <p class="purpose">{env.purpose.clone()}</p>
            <dl>
                <dt>"Tier"</dt>
                <dd>{env.tier.as_str()}</dd>
                <dt>"Tracks"</dt>
                <dd><code>{env.channel.to_string()}</code></dd>
                <dt>"Job"</dt>
                <dd data-card="job">{last_job(card.job)}</dd>
                <dt>"Lock"</dt>
                <dd data-card="lock">
                    {match card.locked_reason {
                        Some(reason) => {
                            let text = format!("locked: {reason}");
                            view! { <span class="status status-locked" title=reason>{text}</span> }.into_any()
                        }
                        None => view! { <span class="muted">"unlocked"</span> }.into_any(),
                    }}
                </dd>
                <dt>"OIDC"</dt>
                <dd data-card="oidc">{oidc(card.oidc)}</dd>
                <dt>"Upstream"</dt>
                <dd data-card="upstream">{upstream(card.upstream, &card.differs_from_upstream)}</dd>
                <dt>"Applications"</dt>
                <dd>{apps}</dd>
            </dl>
        </li>
    }
    .into_any()
}

/// The verdict badge, and how long ago the check ran.
fn oidc(verdict: Option<domain::oidc::OidcVerdict>) -> AnyView {
    view! {
        <OidcBadge verdict />
        {verdict.map(|v| view! { " "<span class="muted"><Ago at=v.at /></span> })}
    }
    .into_any()
}

/// `#12 environment.apply running · 3 min ago`, or that there is none.
fn last_job(job: Option<Job>) -> AnyView {
    let Some(job) = job else {
        return view! { <span class="muted">"none yet"</span> }.into_any();
    };
    let at = job.finished_at.or(job.started_at).unwrap_or(job.created_at);
    view! {
        <a href=prefixed(&format!("/jobs/{}", job.id))>{format!("#{} {}", job.id, job.kind)}</a>" "
        <span class=format!("status status-{}", job.status)>{job.status.as_str()}</span>
        <VerdictPill verdict=job.verdict />
        " "<span class="muted"><Ago at /></span>
    }
    .into_any()
}

/// `in step with blue`, `hydra, kratos differ from blue`, `9 applications
/// differ from blue` (named on hover), or none.
fn upstream(upstream: Option<domain::EnvironmentName>, differs: &[String]) -> AnyView {
    let Some(up) = upstream else {
        return view! { <span class="muted">"none"</span> }.into_any();
    };
    let link = view! { <a href=prefixed(&format!("/environments/{up}"))>{up.to_string()}</a> };
    if differs.is_empty() {
        view! { "in step with " {link} }.into_any()
    } else {
        let names = differs.join(", ");
        let what = match differs {
            [one] => format!("{one} differs from "),
            [_, _] | [_, _, _] => format!("{names} differ from "),
            _ => format!("{} applications differ from ", differs.len()),
        };
        view! { <span class="lags" title=names>{what}{link}</span> }.into_any()
    }
}
