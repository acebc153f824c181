use crate::components::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::base::prefixed;
use crate::components::job_live::follow_job;
use crate::components::job_log::{Entry, JobLog};
use crate::components::job_steps::JobSteps;
use crate::components::layer_graph::LayerGraph;
use crate::components::oidc::VerdictPill;
use crate::components::time::format_ms;
use crate::error::UiError;
use crate::server_fns::environments::get_environment;
use crate::server_fns::jobs::{get_job, job_logs, layers_simulated, CancelJob, RetryJob};
use crate::session::CsrfField;
use domain::job::{JobDetail, LogLine};

const NOSCRIPT_RELOAD: &str = r#"<meta http-equiv="refresh" content="2"><p class="notice">This job is running: the page reloads every two seconds.</p>"#;

/// Everything the job page shows at first: the job, its log so far, whether
/// the caller may cancel or retry it, and whether layers are simulated.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Loaded {
    detail: JobDetail,
    lines: Vec<LogLine>,
    /// The blueprint's layers, for the graph of an environment job.
    layers: Vec<domain::Layer>,
    can_apply: bool,
    simulated: bool,
}

async fn load(id: Option<i64>) -> Result<Loaded, UiError> {
    let id = id.ok_or_else(|| UiError::new(domain::ErrorCode::NotFound, "no such job"))?;
    let detail = get_job(id).await?;
    let lines = job_logs(id, 0).await?;
    let can_apply = match &detail.job.environment {
        Some(env) => get_environment(env.clone())
            .await
            .is_ok_and(|e| e.permissions.apply),
        None => false,
    };
    let simulated = layers_simulated().await.unwrap_or(false);
    let layers = crate::server_fns::environments::list_layers()
        .await
        .unwrap_or_default();
    Ok(Loaded {
        detail,
        layers,
        lines,
        can_apply,
        simulated,
    })
}

/// `/jobs/{id}`: the steps with progress, the log (live while it runs),
/// cancel and retry.
#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let selected =
        Signal::derive(move || query.with(|q| q.get("step").and_then(|s| s.parse::<i64>().ok())));
    // The log search: a GET parameter without JavaScript, live with it.
    let search = RwSignal::new(query.with_untracked(|q| q.get("q").unwrap_or_default()));
    let cancel = ServerAction::<CancelJob>::new();
    let retry = ServerAction::<RetryJob>::new();
    let job = Resource::new(
        move || (id(), cancel.version().get(), retry.version().get()),
        |(id, _, _)| load(id),
    );
    let title = move || {
        id().map(|id| format!("Job {id}"))
            .unwrap_or_else(|| "Job".to_owned())
    };
    let action_error = move || {
        cancel
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| retry.value().get().and_then(Result::err))
            .map(|e| view! { <p class="error" role="alert">{e.0.message}</p> })
    };

    view! {
        <Title text=title />
        <section class="page">
            <p class="crumbs"><a href=prefixed("/jobs")>"Jobs"</a>" / "{move || id().map(|i| i.to_string())}</p>
            {action_error}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match job.await {
                        Err(e) => view! { <h1>"Not found"</h1><p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        Ok(loaded) => view! { <JobView loaded selected search cancel retry /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn JobView(
    loaded: Loaded,
    selected: Signal<Option<i64>>,
    search: RwSignal<String>,
    cancel: ServerAction<CancelJob>,
    retry: ServerAction<RetryJob>,
) -> impl IntoView {
    let Loaded {
        detail,
        lines,
        layers,
        can_apply,
        simulated,
    } = loaded;
    let id = detail.job.id.0;
    let running_at_render = !detail.job.is_finished();
    let detail = RwSignal::new(detail);
    let entries = RwSignal::new(lines.iter().map(Entry::read).collect::<Vec<_>>());
    follow_job(id, detail, entries);
    let job = move || detail.with(|d| d.job.clone());
    let status = move || job().status;
    let finished = move || detail.with(|d| d.job.is_finished());
    let retryable = move || status().is_retryable();
    let env = job().environment;
    view! {
        // Without JavaScript the page reloads while the job runs; as inner
        // HTML so that hydration does not walk what the browser left as text.
        {running_at_render.then(|| view! { <noscript inner_html=NOSCRIPT_RELOAD></noscript> })}
        <div class="job-head">
            <h1>{move || format!("Job {id}: {}", job().kind)}</h1>
            <span class=move || format!("status status-{}", status()) data-testid="job-status">{move || status().as_str()}</span>
            {simulated.then(|| view! { <span class="simulated" title="Layers run on Palette's stand-in: nothing is created anywhere">"simulated"</span> })}
        </div>
        <dl class="facts">
            <dt>"Environment"</dt>
            <dd>{env.map(|e| view! { <a href=prefixed(&format!("/environments/{e}"))>{e.clone()}</a> })}</dd>
            <dt>"Asked by"</dt><dd>{move || job().actor}</dd>
            <dt>"Created"</dt><dd>{move || format_ms(job().created_at)}</dd>
            <dt>"Finished"</dt><dd>{move || job().finished_at.map(format_ms).unwrap_or_else(|| "—".to_owned())}</dd>
            {move || job().verdict.map(|v| view! { <dt>"Verdict"</dt><dd data-testid="job-verdict"><VerdictPill verdict=Some(v) /></dd> })}
        </dl>
        {move || job().last_error.map(|e| view! { <p class="error" data-testid="job-error">{e}</p> })}
        {move || job().stopped_at.map(|s| view! { <p class="muted">"Stopped at "<code>{s}</code></p> })}
        <div class="job-actions">
            <Show when=move || can_apply && !finished()>
                <ActionForm action=cancel attr:class="inline-form">
                    <CsrfField />
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="danger">"Cancel"</button>
                </ActionForm>
            </Show>
            <Show when=move || can_apply && retryable()>
                <ActionForm action=retry attr:class="inline-form">
                    <CsrfField />
                    <input type="hidden" name="id" value=id />
                    <button type="submit">{move || format!("Retry from {}", job().stopped_at.unwrap_or_else(|| "the failed layer".to_owned()))}</button>
                </ActionForm>
            </Show>
        </div>
        <h2>"Steps"</h2>
        <LayerGraph detail layers />
        <JobSteps detail selected job=id />
        <h2>"Log"</h2>
        <nav class="step-filter" aria-label="Log of">
            <a href=prefixed(&format!("/jobs/{id}")) class:current=move || selected.get().is_none()>"All steps"</a>
            {move || detail.with(|d| d.steps.iter().map(|s| {
                let position = s.position;
                view! {
                    <a href=prefixed(&format!("/jobs/{id}?step={position}")) class:current=move || selected.get() == Some(position)>
                        {format!("{} {}", s.layer, s.phase)}
                    </a>
                }
            }).collect_view())}
        </nav>
        <JobLog job=id detail entries selected search />
    }
}
