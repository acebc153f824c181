use domain::colour::css_colour;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::base::prefixed;
use crate::components::environment_actions::EnvironmentActions;
use crate::components::oidc::VerdictPill;
use crate::components::releases::Releases;
use crate::components::time::{format_ms, Ago};
use crate::server_fns::environment_ops::{
    ApplyEnvironment, DestroyEnvironment, LockEnvironment, UnlockEnvironment,
};
use crate::server_fns::environments::get_environment;
use crate::server_fns::jobs::{get_job, list_jobs};
use crate::server_fns::list_environments::environment_names;
use crate::server_fns::promotions::{environment_releases, LiftHold, SetPromotionPolicy};
use domain::job::{Job, JobDetail, JobQuery, StepStatus};
use domain::EnvironmentDetail;

/// How many recent jobs the page reads steps from.
const RECENT: usize = 6;

/// The recent jobs of `env`, the newest `RECENT` with their steps.
async fn recent_runs(env: String) -> Result<(Vec<Job>, Vec<JobDetail>), crate::error::UiError> {
    let query = JobQuery {
        environment: Some(env),
        limit: Some("25".to_owned()),
        ..JobQuery::default()
    };
    let page = list_jobs(query).await?;
    let mut details = Vec::new();
    for job in page.items.iter().take(RECENT) {
        details.push(get_job(job.id.0).await?);
    }
    Ok((page.items, details))
}

/// `/environments/{name}`: what it is, each layer's last run, the manifest,
/// recent jobs, and the actions the caller may take.
#[component]
pub fn EnvironmentPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.with(|p| p.get("name").unwrap_or_default());
    let apply = ServerAction::<ApplyEnvironment>::new();
    let lock = ServerAction::<LockEnvironment>::new();
    let unlock = ServerAction::<UnlockEnvironment>::new();
    let destroy = ServerAction::<DestroyEnvironment>::new();
    let env = Resource::new(
        move || (name(), lock.version().get(), unlock.version().get()),
        |(name, _, _)| get_environment(name),
    );
    let runs = Resource::new(name, recent_runs);
    // The choices of upstream in the policy form.
    let environments = Resource::new(|| (), |()| environment_names());
    let set_policy = ServerAction::<SetPromotionPolicy>::new();
    let lift = ServerAction::<LiftHold>::new();
    // Read again after each policy change that succeeded (a refused one
    // keeps the form as typed) and after each lift.
    let saved = Memo::new(move |last: Option<&Option<domain::PromotionPolicy>>| {
        match set_policy.value().get() {
            Some(Ok(policy)) => Some(policy),
            _ => last.cloned().flatten(),
        }
    });
    let releases = Resource::new(
        move || (name(), saved.get(), lift.version().get()),
        |(name, _, _)| environment_releases(name),
    );

    view! {
        <Title text=name />
        <section class="page">
            <p class="crumbs"><a href=prefixed("/")>"Environments"</a>" / "{name}</p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match env.await {
                        Err(e) => view! { <h1>"Not found"</h1><p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        Ok(view) => {
                            let runs = runs.await.unwrap_or_default();
                            let env_name = view.environment.name.to_string();
                            // Shown to those who may view the environment;
                            // an error leaves the section out.
                            let others: Vec<String> = environments.await.unwrap_or_default()
                                .into_iter()
                                .map(|e| e.to_string())
                                .filter(|n| *n != env_name)
                                .collect();
                            let releases = releases.await.ok().map(|releases| view! {
                                <Releases env=env_name.clone() releases others set_policy lift />
                            });
                            view! {
                                <EnvironmentHead view=view.clone() />
                                <EnvironmentActions view=view.clone() apply lock unlock destroy />
                                <LayerRuns layers=view.layers.clone() runs=runs.1 />
                                <ManifestTable view=view.clone() />
                                {releases}
                                <RecentJobs jobs=runs.0 env=view.environment.name.to_string() />
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn EnvironmentHead(view: EnvironmentDetail) -> impl IntoView {
    let env = view.environment;
    let status = env.status.as_str();
    view! {
        <div class="env-head" style:--env-colour=css_colour(env.name.as_str()) data-environment=env.name.to_string()>
            <h1>{env.name.to_string()}</h1>
            <span class=format!("status status-{status}") data-testid="env-status">{status}</span>
            {view.locked_reason.map(|r| { let text = format!("locked: {r}"); view! { <span class="status status-locked" title=r>{text}</span> } })}
        </div>
        <p class="purpose">{env.purpose.clone()}</p>
        <dl class="facts">
            <dt>"Tier"</dt><dd>{env.tier.as_str()}</dd>
            <dt>"Tracks"</dt><dd><code>{env.channel.to_string()}</code></dd>
            <dt>"OIDC issuer"</dt><dd class="issuer">{env.oidc_issuer.clone()}</dd>
            <dt>"Created"</dt><dd>{format_ms(env.created_at)}" by "{env.created_by.clone()}</dd>
        </dl>
    }
}

/// Each layer with its most recent run among the recent jobs.
#[component]
fn LayerRuns(layers: Vec<String>, runs: Vec<JobDetail>) -> impl IntoView {
    let rows = layers
        .into_iter()
        .map(|layer| {
            let last = runs.iter().find_map(|run| {
                let steps: Vec<_> = run.steps.iter().filter(|s| s.layer == layer).collect();
                let shown = steps.iter().rev().find(|s| s.status != StepStatus::Pending)?;
                let plan = steps.iter().find_map(|s| s.summary);
                Some((run.job.id, (*shown).clone(), plan))
            });
            view! {
                <tr data-layer=layer.clone()>
                    <th scope="row">{layer.clone()}</th>
                    {match last {
                        None => view! { <td colspan="4" class="muted">"not run yet"</td> }.into_any(),
                        Some((job, step, plan)) => view! {
                            <td><span class=format!("status status-{}", step.status)>{step.status.as_str()}</span>" "{step.phase.as_str()}</td>
                            <td>{step.finished_at.or(step.started_at).map(|at| view! { <Ago at /> })}</td>
                            <td>{plan.map(|p| format!("+{} ~{} -{}", p.add, p.change, p.destroy)).unwrap_or_else(|| "—".to_owned())}</td>
                            <td><a href=prefixed(&format!("/jobs/{job}"))>{format!("job {job}")}</a></td>
                        }.into_any(),
                    }}
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>"Layers"</h2>
        <table class="data layers-table">
            <thead><tr><th>"Layer"</th><th>"Last run"</th><th>"When"</th><th>"Plan"</th><th>"Job"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn ManifestTable(view: EnvironmentDetail) -> impl IntoView {
    view! {
        <h2>"Manifest"</h2>
        <table class="data manifest" data-testid="manifest">
            <thead><tr><th>"Application"</th><th>"Charm"</th><th>"Channel"</th><th>"Revision"</th></tr></thead>
            <tbody>
                {view.environment.manifest.0.into_iter().map(|(app, e)| view! {
                    <tr>
                        <th scope="row">{app}</th>
                        <td><code>{e.charm}</code></td>
                        <td><code>{e.channel}</code></td>
                        <td>{e.revision.map_or_else(|| "latest".to_owned(), |r| r.to_string())}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn RecentJobs(jobs: Vec<Job>, env: String) -> impl IntoView {
    view! {
        <h2>"Recent jobs"</h2>
        {if jobs.is_empty() {
            view! { <p class="muted">"No jobs yet."</p> }.into_any()
        } else {
            view! {
                <ul class="job-list">
                    {jobs.into_iter().take(10).map(|j| view! {
                        <li>
                            <a href=prefixed(&format!("/jobs/{}", j.id))>{format!("#{} {}", j.id, j.kind)}</a>" "
                            <span class=format!("status status-{}", j.status)>{j.status.as_str()}</span>
                            <VerdictPill verdict=j.verdict />
                            <span class="muted">" "<Ago at=j.created_at />" by "{j.actor.clone()}</span>
                        </li>
                    }).collect_view()}
                </ul>
                <p><a href=prefixed(&format!("/jobs?environment={env}"))>"All jobs of "{env.clone()}</a></p>
            }.into_any()
        }}
    }
}
