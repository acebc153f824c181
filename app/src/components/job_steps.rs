//! A job's steps: each layer and phase with its status, duration, plan and
//! a progress bar of resources done against planned.

use leptos::prelude::*;

use crate::base::prefixed;
use crate::components::time::format_duration;
use domain::job::{JobDetail, Phase, Step, StepStatus};

fn duration(step: &Step, now: Option<i64>) -> String {
    match (step.started_at, step.finished_at.or(now)) {
        (Some(start), Some(end)) => format_duration(end - start),
        _ => String::new(),
    }
}

/// The steps table; `selected` is the step whose log is shown (none: all).
#[component]
pub fn JobSteps(
    detail: RwSignal<JobDetail>,
    selected: Signal<Option<i64>>,
    job: i64,
) -> impl IntoView {
    let rows = move || {
        detail.with(|d| {
            d.steps
                .iter()
                .map(|s| {
                    let planned = s.progress.planned.max(0);
                    let done = s.progress.done.clamp(0, planned.max(s.progress.done));
                    let progress_text = if s.phase == Phase::Apply || planned > 0 {
                        format!("{done} of {planned} resources")
                    } else {
                        String::new()
                    };
                    let max = planned.max(1).to_string();
                    let value = if planned == 0 && s.status == StepStatus::Succeeded { max.clone() } else { done.to_string() };
                    let plan = s.summary.map(|p| format!("+{} ~{} -{}", p.add, p.change, p.destroy));
                    let position = s.position;
                    let is_selected = move || selected.get() == Some(position);
                    view! {
                        <tr data-step=position data-layer=s.layer.clone() data-status=s.status.as_str()
                            class:selected=is_selected>
                            <th scope="row">
                                <a href=prefixed(&format!("/jobs/{job}?step={position}"))>{format!("{} {}", s.layer, s.phase)}</a>
                            </th>
                            <td><span class=format!("status status-{}", s.status)>{s.status.as_str()}</span></td>
                            <td>{duration(s, None)}</td>
                            <td><div class="progress-cell">
                                <progress max=max value=value aria-label=format!("{} {} progress", s.layer, s.phase)>{progress_text.clone()}</progress>
                                <span class="progress-text">{progress_text}</span>
                            </div></td>
                            <td>{plan.unwrap_or_default()}</td>
                            <td class=if s.status == StepStatus::Failed { "message failed" } else { "message" }>{s.message.clone().unwrap_or_default()}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <table class="data steps">
            <thead>
                <tr><th>"Layer"</th><th>"Status"</th><th>"Took"</th><th>"Resources"</th><th>"Plan"</th><th></th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
