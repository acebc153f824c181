//! A job's log as Terraform users read it: one collapsible section per step
//! (`<details>`, so it folds without JavaScript), each line's `@message`
//! with its `@level`, diagnostics as boxes, the planned changes grouped by
//! action and the change summary in the section's heading; a search (live
//! with JavaScript, a GET parameter the server applies without), links to
//! the raw text and its download. Lines are read once, by
//! [`domain::tflog::classify`], on the server and in the browser alike.
//! While the job runs the log follows new lines, unless the reader has
//! scrolled up.

use std::sync::Arc;

use domain::job::{JobDetail, LogLine, StepStatus};
use domain::tflog::{self, Diagnostic, Kind, Line, Needle};
use leptos::html;
use leptos::prelude::*;

use crate::base::prefixed;

/// A stored log line, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub step: Option<i64>,
    pub line: Line,
}

impl Entry {
    pub fn read(line: &LogLine) -> Arc<Self> {
        Arc::new(Self {
            seq: line.seq,
            step: line.step,
            line: tflog::classify(&line.line),
        })
    }
}

/// Adds `line` unless it is already there (a reconnect may repeat lines).
pub fn push_line(entries: &mut Vec<Arc<Entry>>, line: &LogLine) {
    if entries.last().is_none_or(|last| line.seq > last.seq) {
        entries.push(Entry::read(line));
    }
}

/// One section of the log: a step, or the lines of no step.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Section {
    step: Option<i64>,
    label: String,
}

/// The sections shown: every step (only `selected` when one is), and
/// first the job's own lines when it has any and no step is selected.
fn sections(detail: &JobDetail, entries: &[Arc<Entry>], selected: Option<i64>) -> Vec<Section> {
    let mut sections = Vec::new();
    if selected.is_none() && entries.iter().any(|e| e.step.is_none()) {
        sections.push(Section {
            step: None,
            label: "Job".to_owned(),
        });
    }
    sections.extend(
        detail
            .steps
            .iter()
            .filter(|s| selected.is_none_or(|p| p == s.position))
            .map(|s| Section {
                step: Some(s.position),
                label: format!("{} {}", s.layer, s.phase),
            }),
    );
    sections
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// The log of job `job`: its sections, the search and the raw links.
#[component]
pub fn JobLog(
    job: i64,
    detail: RwSignal<JobDetail>,
    entries: RwSignal<Vec<Arc<Entry>>>,
    selected: Signal<Option<i64>>,
    search: RwSignal<String>,
) -> impl IntoView {
    let needle = Memo::new(move |_| search.with(|s| Needle::new(s)));
    let shown_sections =
        Memo::new(move |_| detail.with(|d| entries.with(|e| sections(d, e, selected.get()))));
    let in_view = move |e: &Entry| selected.get().is_none_or(|p| e.step == Some(p));
    let matches = move || {
        needle.with(|n| {
            n.as_ref().map(|n| {
                entries.with(|all| {
                    let shown = all.iter().filter(|e| in_view(e));
                    let total = shown.clone().count();
                    let hits = shown.filter(|e| e.line.matches(n)).count();
                    format!("{hits} of {} match", plural(total, "line"))
                })
            })
        })
    };
    let query = move || {
        selected
            .get()
            .map(|s| format!("?step={s}"))
            .unwrap_or_default()
    };
    let raw = move || prefixed(&format!("/api/v1/jobs/{job}/logs{}", query()));
    let download = move || {
        let sep = if query().is_empty() { '?' } else { '&' };
        format!("{}{sep}download=true", raw())
    };
    let scroller = NodeRef::<html::Div>::new();
    // Follow new lines while the reader is at the bottom (from the start
    // when the job is running as the page opens).
    let stick = StoredValue::new(detail.with_untracked(|d| !d.job.is_finished()));
    follow::follow(scroller, entries, stick);

    view! {
        <div class="log-tools">
            <form method="get" action=prefixed(&format!("/jobs/{job}")) class="filter log-search" role="search"
                on:submit=|ev| ev.prevent_default()>
                {move || selected.get().map(|s| view! { <input type="hidden" name="step" value=s /> })}
                <label for="log-search">"Search the log"</label>
                <input id="log-search" name="q" type="search" placeholder="address, message, error…"
                    value=search.get_untracked()
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev)) />
                <noscript><button type="submit">"Search"</button></noscript>
            </form>
            <p class="muted log-matches" aria-live="polite" data-testid="log-matches">{matches}</p>
            <p class="log-links">
                // Not pages of the app: the router must let the browser
                // load (or save) them.
                <a href=raw rel="external" data-testid="log-raw">"Raw log"</a>
                <a href=download rel="external" download=format!("palette-job-{job}.log")
                    data-testid="log-download">"Download"</a>
            </p>
        </div>
        <div class="log" data-testid="job-log" role="log" aria-label="Log" tabindex="0" node_ref=scroller
            on:scroll=move |_| follow::note_scroll(scroller, stick)>
            <For each=move || shown_sections.get() key=|s| s.step let:section>
                <LogSection section detail entries needle selected />
            </For>
            {move || shown_sections.with(Vec::is_empty).then(|| view! { <p class="muted">"No log yet."</p> })}
        </div>
    }
    // Erased: the job page's view type is otherwise too deep for the wasm
    // release build (rustc's query depth limit).
    .into_any()
}

/// One step's lines, folded in a `<details>`.
#[component]
fn LogSection(
    section: Section,
    detail: RwSignal<JobDetail>,
    entries: RwSignal<Vec<Arc<Entry>>>,
    needle: Memo<Option<Needle>>,
    selected: Signal<Option<i64>>,
) -> impl IntoView {
    let Section { step, label } = section;
    let mine = Memo::new(move |_| {
        entries.with(|all| {
            all.iter()
                .filter(|e| e.step == step)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let shown = Memo::new(move |_| {
        needle.with(|n| {
            mine.with(|lines| {
                lines
                    .iter()
                    .filter(|e| n.as_ref().is_none_or(|n| e.line.matches(n)))
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    });
    let status = move || {
        detail.with(|d| {
            step.and_then(|p| d.steps.iter().find(|s| s.position == p))
                .map(|s| s.status)
        })
    };
    let groups = Memo::new(move |_| mine.with(|l| tflog::group_changes(l.iter().map(|e| &e.line))));
    let summary = move || {
        mine.with(|l| tflog::last_summary(l.iter().map(|e| &e.line)).map(|s| s.text.clone()))
    };
    let problems = move || {
        let (errors, warnings) = mine.with(|l| tflog::count_problems(l.iter().map(|e| &e.line)));
        let mut parts = Vec::new();
        if errors > 0 {
            parts.push(plural(errors, "error"));
        }
        if warnings > 0 {
            parts.push(plural(warnings, "warning"));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    };
    // Open at first unless the step succeeded (a finished run reads as its
    // summaries); a search opens the sections it finds lines in. Between
    // searches, the reader's own folding stays as it is.
    let open = move || {
        let searching = needle.with(Option::is_some);
        untrack(|| {
            if searching {
                shown.with(|s| !s.is_empty())
            } else {
                selected.get().is_some() || status().is_none_or(|s| s != StepStatus::Succeeded)
            }
        })
    };
    let status_text = move || {
        status().map(|s| view! { <span class=format!("status status-{s}")>{s.as_str()}</span> })
    };
    let section_label = label.clone();

    let heading = view! {
        <summary>
            <span class="log-step-name">{label.clone()}</span>
            {status_text}
            {move || summary().map(|s| view! { <span class="change-summary" data-testid="change-summary">{s}</span> })}
            {move || problems().map(|p| view! { <span class="log-problems">{p}</span> })}
        </summary>
    }
    .into_any();
    let lines = view! {
        <div class="log-lines">
            <For each=move || shown.get() key=|e| e.seq let:entry>
                <LogEntry entry />
            </For>
            {move || {
                let empty = shown.with(Vec::is_empty);
                let searching = needle.with(Option::is_some);
                empty.then(|| view! {
                    <p class="muted">{if searching { "No line of this step matches." } else { "No lines yet." }}</p>
                })
            }}
        </div>
    }
    .into_any();
    // Each part erased: the whole is otherwise too deep a type for the wasm
    // release build (rustc's query depth limit).
    view! {
        <details class="log-step" data-step=step.map(|s| s.to_string()) open=open>
            {heading}
            {move || view! { <PlanChanges groups=groups.get() label=section_label.clone() /> }}
            {lines}
        </details>
    }
    .into_any()
}

/// The planned changes of a step, grouped by action.
#[component]
fn PlanChanges(groups: Vec<tflog::ChangeGroup>, label: String) -> impl IntoView {
    if groups.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="plan-changes" aria-label=format!("Changes of {label}") data-testid="planned-changes">
            {groups.into_iter().map(|g| {
                let heading = format!("{} ({})", g.heading(), g.changes.len());
                view! {
                    <div class=format!("change-group change-{}", g.action.as_str())
                        data-action=g.action.as_str().to_owned() data-drift=g.drift.to_string()>
                        <h3>{heading}</h3>
                        <ul>
                            {g.changes.into_iter().map(|c| view! {
                                <li>
                                    <code>{c.address}</code>
                                    {c.previous_address.map(|p| view! { <span class="muted">" (was "<code>{p}</code>")"</span> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    </div>
                }
            }).collect_view()}
        </section>
    }
    .into_any()
}

/// One line: a diagnostic's box, or the message with its level.
#[component]
fn LogEntry(entry: Arc<Entry>) -> impl IntoView {
    let line = &entry.line;
    let level = line.level.map(|l| l.as_str()).unwrap_or_default();
    if let Kind::Diagnostic(d) = &line.kind {
        return view! { <DiagnosticBox diagnostic=d.clone() /> }.into_any();
    }
    let class = match &line.kind {
        Kind::Command => "ll ll-command".to_owned(),
        Kind::Palette => "ll ll-palette".to_owned(),
        Kind::Summary(_) => "ll ll-summary".to_owned(),
        Kind::Change { change, drift } => format!(
            "ll ll-change ll-{}{}",
            change.action.as_str(),
            if *drift { " ll-drift" } else { "" }
        ),
        Kind::Text => "ll ll-text".to_owned(),
        _ => format!(
            "ll ll-{level}{}",
            line.ui_type
                .as_deref()
                .filter(|t| t.starts_with("apply_progress") || t.starts_with("refresh_"))
                .map(|_| " ll-quiet")
                .unwrap_or_default()
        ),
    };
    view! {
        <div class=class data-seq=entry.seq>
            <span class="ll-level">{level}</span>
            <span class="ll-text">{line.text.clone()}</span>
        </div>
    }
    .into_any()
}

/// Terraform's box around an error or a warning.
#[component]
fn DiagnosticBox(diagnostic: Diagnostic) -> impl IntoView {
    let severity = diagnostic.severity;
    let location = diagnostic.location();
    let snippet = diagnostic.snippet.clone().map(|s| {
        let (before, mark, after) = s.parts();
        let (before, mark, after) = (before.to_owned(), mark.to_owned(), after.to_owned());
        view! {
            <pre class="diag-snippet"><span class="diag-line-no">{format!("{:>4}: ", s.start_line)}</span>{before}<mark>{mark}</mark>{after}</pre>
        }
    });
    let context = diagnostic.snippet.and_then(|s| s.context);
    view! {
        <div class=format!("diag diag-{}", severity.as_str()) data-testid="diagnostic" data-severity=severity.as_str()>
            <p class="diag-head">
                <span class="diag-severity">{severity.title()}</span>
                <strong class="diag-summary">{diagnostic.summary}</strong>
            </p>
            {diagnostic.address.map(|a| view! { <p class="diag-where">"Resource "<code>{a}</code></p> })}
            {location.map(|l| view! {
                <p class="diag-where">"On "<code>{l}</code>{context.map(|c| view! { ", in "<code>{c}</code> })}</p>
            })}
            {snippet}
            {(!diagnostic.detail.is_empty()).then(|| view! { <p class="diag-detail">{diagnostic.detail}</p> })}
        </div>
    }
    .into_any()
}

/// Keeping the newest line in sight, in the browser only.
mod follow {
    use std::sync::Arc;

    use leptos::html;
    use leptos::prelude::*;

    use super::Entry;

    /// How close to the bottom (CSS pixels) still counts as at the bottom.
    #[cfg(feature = "hydrate")]
    const SLACK: i32 = 24;

    /// After every new line, scrolls the log to its end while `stick`.
    pub fn follow(
        scroller: NodeRef<html::Div>,
        entries: RwSignal<Vec<Arc<Entry>>>,
        stick: StoredValue<bool>,
    ) {
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| {
            entries.track();
            if stick.get_value() {
                if let Some(el) = scroller.get_untracked() {
                    el.set_scroll_top(el.scroll_height());
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (scroller, entries, stick);
    }

    /// Whether the reader is at the bottom, after they scrolled.
    pub fn note_scroll(scroller: NodeRef<html::Div>, stick: StoredValue<bool>) {
        #[cfg(feature = "hydrate")]
        if let Some(el) = scroller.get_untracked() {
            stick.set_value(el.scroll_top() + el.client_height() >= el.scroll_height() - SLACK);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (scroller, stick);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: i64, step: Option<i64>) -> LogLine {
        LogLine {
            seq,
            step,
            at: 0,
            line: format!("line {seq}"),
        }
    }

    #[test]
    fn repeated_lines_after_a_reconnect_are_dropped() {
        let mut entries = vec![Entry::read(&line(1, None)), Entry::read(&line(2, None))];
        push_line(&mut entries, &line(2, None));
        push_line(&mut entries, &line(3, None));
        assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn the_jobs_own_lines_come_first_unless_a_step_is_selected() {
        let detail: JobDetail = serde_json::from_value(serde_json::json!({
            "id": 1, "kind": "environment.create", "payload": {}, "status": "running",
            "attempts": 1, "max_attempts": 3, "run_at": 0, "actor": "user:a",
            "environment": "teal", "cancel_requested": false, "last_error": null,
            "stopped_at": null, "created_at": 0, "started_at": null, "finished_at": null,
            "steps": [
                {"position": 0, "layer": "k8s", "phase": "plan", "status": "succeeded",
                 "started_at": null, "finished_at": null, "progress": {"done": 0, "planned": 0},
                 "summary": null, "message": null},
                {"position": 1, "layer": "k8s", "phase": "apply", "status": "running",
                 "started_at": null, "finished_at": null, "progress": {"done": 0, "planned": 0},
                 "summary": null, "message": null}
            ]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let entries = vec![Entry::read(&line(1, None)), Entry::read(&line(2, Some(0)))];
        let labels = |selected| {
            sections(&detail, &entries, selected)
                .into_iter()
                .map(|s| s.label)
                .collect::<Vec<_>>()
        };
        assert_eq!(labels(None), ["Job", "k8s plan", "k8s apply"]);
        assert_eq!(labels(Some(1)), ["k8s apply"]);
        assert_eq!(sections(&detail, &entries[1..], None).len(), 2);
    }
}
