//! Pieces the promotion pages share: a state badge, the revision diff and
//! the warnings, shown the same in a preview and on a promotion's page.

use leptos::prelude::*;

use domain::{DiffRow, ManifestEntry, PromotionState, Warning};

/// The start of a `sha256:` digest, enough to tell two apart.
pub fn short_hash(hash: &str) -> String {
    hash.strip_prefix("sha256:")
        .unwrap_or(hash)
        .chars()
        .take(12)
        .collect()
}

/// A revision as people read it: its number, or the channel's latest.
pub fn revision_text(revision: Option<u32>) -> String {
    revision.map_or_else(|| "latest".to_owned(), |r| r.to_string())
}

/// A promotion's state in words and colour.
#[component]
pub fn StateBadge(state: PromotionState) -> impl IntoView {
    view! {
        <span class=format!("status status-{state}") data-state=state.as_str()>{state.label()}</span>
    }
}

/// What moves: each application's current charm, channel and revision on
/// the target against the incoming revision.
#[component]
pub fn DiffTable(diff: Vec<DiffRow>, caption: String) -> impl IntoView {
    if diff.is_empty() {
        return view! { <p class="muted">"No application changes."</p> }.into_any();
    }
    let current = |entry: &Option<ManifestEntry>, pick: fn(&ManifestEntry) -> String| {
        entry.as_ref().map_or_else(|| "—".to_owned(), pick)
    };
    view! {
        <table class="data diff" data-testid="promotion-diff">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">"Application"</th>
                    <th scope="col">"Layer"</th>
                    <th scope="col">"Charm"</th>
                    <th scope="col">"Channel"</th>
                    <th scope="col">"Current revision"</th>
                    <th scope="col">"Incoming revision"</th>
                </tr>
            </thead>
            <tbody>
                {diff.into_iter().map(|row| {
                    let changes = row.changes();
                    view! {
                        <tr class:unchanged=!changes data-application=row.application.clone()>
                            <th scope="row">{row.application.clone()}</th>
                            <td>{row.layer.clone().unwrap_or_else(|| "—".to_owned())}</td>
                            <td><code>{current(&row.current, |e| e.charm.clone())}</code></td>
                            <td><code>{current(&row.current, |e| e.channel.clone())}</code></td>
                            <td>{current(&row.current, |e| revision_text(e.revision))}</td>
                            <td class="incoming">
                                <strong>{revision_text(row.incoming.revision)}</strong>
                                {(!changes).then(|| view! { <span class="muted">" (unchanged)"</span> })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Warnings in red, announced: a revision not released on the target's
/// channel, a resource destroyed or replaced.
#[component]
pub fn Warnings(warnings: Vec<Warning>) -> impl IntoView {
    if warnings.is_empty() {
        return ().into_any();
    }
    view! {
        <div class="warnings" role="alert" data-testid="promotion-warnings">
            <p class="warnings-title"><strong>{format!("{} warning{}", warnings.len(), if warnings.len() == 1 { "" } else { "s" })}</strong></p>
            <ul>
                {warnings.into_iter().map(|w| view! {
                    <li data-kind=w.kind.as_str()>
                        <span class="warning-kind">{w.kind.as_str()}</span>" "
                        <code>{w.subject}</code>": "{w.message}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

/// An error a server function answered: its message, or the refused
/// fields when it names some (the message repeats them).
#[component]
pub fn ActionError(error: crate::error::UiError) -> impl IntoView {
    let fields = error.fields.clone();
    let body = if fields.is_empty() {
        view! { <p>{error.0.message}</p> }.into_any()
    } else {
        view! {
            <p>"Refused:"</p>
            <ul>{fields.into_iter().map(|f| view! { <li><code>{f.field}</code>": "{f.message}</li> }).collect_view()}</ul>
        }
        .into_any()
    };
    view! { <div class="error" role="alert">{body}</div> }
}
