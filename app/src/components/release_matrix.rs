//! The release matrix as a table: one column per environment in upstream
//! order, one row per application. Every signal is in words as well as
//! colour: a cell that differs from its upstream says from which, held and
//! quarantined cells say so and why.

use std::collections::BTreeSet;

use leptos::prelude::*;

use domain::{ChannelRelease, MatrixCell, MatrixEnvironment, MatrixRow, ReleaseMatrix};

use crate::base::prefixed;
use crate::components::promotion::revision_text;
use crate::pages::jobs::query_string;

/// Where a release's row is on `/releases`: the page that starts with it.
pub fn release_href(id: domain::ReleaseId) -> String {
    format!("/releases?before={}#release-{id}", id.0 + 1)
}

/// The New promotion form into `env`, from its upstream when it has one.
fn promote_href(env: &MatrixEnvironment) -> String {
    let q = query_string(&[
        (
            "source",
            env.upstream
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        ("target", env.name.to_string()),
    ]);
    format!("/promotions?{q}#new")
}

/// The matrix; it scrolls sideways in its own box when it is wider than
/// the page.
#[component]
pub fn MatrixTable(matrix: ReleaseMatrix) -> impl IntoView {
    if matrix.environments.is_empty() {
        return view! { <p class="empty">"No environment you may view yet."</p> }.into_any();
    }
    let environments = matrix.environments;
    let heads = environments
        .iter()
        .map(|env| view! { <EnvironmentHead env=env.clone() /> })
        .collect_view();
    let rows = matrix
        .rows
        .into_iter()
        .map(|row| view! { <Row row environments=environments.clone() /> })
        .collect_view();
    view! {
        <div class="matrix-scroll" role="region" aria-labelledby="release-matrix-caption" tabindex="0">
            <table class="data release-matrix" data-testid="release-matrix">
                <caption id="release-matrix-caption">
                    "What each environment runs; every environment comes after the one it is promoted from"
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Application"</th>
                        {heads}
                        <th scope="col">"Newest releases"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn EnvironmentHead(env: MatrixEnvironment) -> impl IntoView {
    let name = env.name.to_string();
    let promote = env.can_promote.then(|| {
        view! {
            <a class="promote" href=prefixed(&promote_href(&env))>
                "Promote"<span class="visually-hidden">{format!(" into {name}")}</span>
            </a>
        }
    });
    view! {
        <th scope="col" class="environment" data-environment=name.clone()>
            <a class="env-name" href=prefixed(&format!("/environments/{name}"))>{name.clone()}</a>
            <span class="env-meta">
                {env.tier.as_str()}" · "<code>{env.channel.to_string()}</code>
            </span>
            <span class="env-meta">
                {match &env.upstream {
                    Some(up) => format!("from {up}"),
                    None => "no upstream".to_owned(),
                }}
                {env.auto_deploy.then_some(" · auto-deploy")}
            </span>
            {promote}
        </th>
    }
}

#[component]
fn Row(row: MatrixRow, environments: Vec<MatrixEnvironment>) -> impl IntoView {
    // The charm once under the application when every environment runs the
    // same one, else in each cell.
    let charms: BTreeSet<&str> = row
        .cells
        .iter()
        .flatten()
        .map(|c| c.charm.as_str())
        .collect();
    let one_charm = (charms.len() == 1)
        .then(|| charms.first().map(|c| (*c).to_owned()))
        .flatten();
    let header_charm = one_charm
        .clone()
        .filter(|c| *c != row.application)
        .map(|c| view! { <code class="charm">{c}</code> });
    let cells = row
        .cells
        .into_iter()
        .zip(environments)
        .map(|(cell, env)| match cell {
            None => view! {
                <td class="absent" data-environment=env.name.to_string()>
                    <span aria-hidden="true">"—"</span>
                    <span class="visually-hidden">"not run here"</span>
                </td>
            }
            .into_any(),
            Some(cell) => {
                let show_charm = one_charm.is_none();
                view! { <Cell cell env show_charm /> }.into_any()
            }
        })
        .collect_view();
    view! {
        <tr data-application=row.application.clone()>
            <th scope="row">{row.application.clone()}{header_charm}</th>
            {cells}
            <td class="newest"><Newest releases=row.newest /></td>
        </tr>
    }
}

#[component]
fn Cell(cell: MatrixCell, env: MatrixEnvironment, show_charm: bool) -> impl IntoView {
    let differs = cell.differs_from_upstream;
    let upstream = env
        .upstream
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let differs_mark = differs.then(|| {
        view! {
            <span class="marker marker-differs" title=format!("differs from {upstream}")>
                <span aria-hidden="true">{format!("≠ {upstream}")}</span>
                <span class="visually-hidden">{format!("differs from {upstream}")}</span>
            </span>
        }
    });
    let charm = show_charm.then(|| view! { <code class="charm">{cell.charm.clone()}</code> });
    let held = cell.held.clone().map(|reason| {
        view! {
            <span class="marker marker-held" title=reason.clone()>
                "held"<span class="visually-hidden">{format!(": {reason}")}</span>
            </span>
        }
    });
    let quarantined = cell.quarantined.clone().map(|reason| {
        view! {
            <span class="marker marker-quarantined" title=reason.clone()>
                "quarantined"<span class="visually-hidden">{format!(": {reason}")}</span>
            </span>
        }
    });
    view! {
        <td
            class="cell-release"
            class:differs=differs
            class:held=cell.held.is_some()
            class:quarantined=cell.quarantined.is_some()
            data-environment=env.name.to_string()
            data-differs=differs.to_string()
        >
            <strong class="revision">{revision_text(cell.revision)}</strong>" "
            <code class="channel">{cell.channel.clone()}</code>
            {charm}
            {differs_mark}
            {held}
            {quarantined}
        </td>
    }
}

#[component]
fn Newest(releases: Vec<ChannelRelease>) -> impl IntoView {
    if releases.is_empty() {
        return view! { <span class="muted">"none recorded"</span> }.into_any();
    }
    view! {
        <ul class="newest-releases">
            {releases.into_iter().map(|r| view! {
                <li data-channel=r.channel.clone()>
                    <code>{r.channel.clone()}</code>" "
                    <a href=prefixed(&release_href(r.release)) aria-label=format!("revision {} on {}", r.revision, r.channel)>
                        {r.revision}
                    </a>
                    {r.quarantined.then(|| view! { " "<span class="marker marker-quarantined">"quarantined"</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}
