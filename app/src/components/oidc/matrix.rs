//! The health matrix: environments × rules, the newest result of each,
//! colour-coded and in words; the detail shows on hover and on keyboard
//! focus (each cell is focusable and described by its detail).

use leptos::prelude::*;

use super::{status_text, utc_minute, CheckButton};
use crate::base::prefixed;
use domain::oidc::{MatrixRow, OidcCheck, OidcMatrix};

#[component]
pub fn RuleMatrix(overview: OidcMatrix) -> impl IntoView {
    let rules = overview.rules;
    let columns = rules.len();
    let header = rules
        .iter()
        .map(|rule| view! { <th scope="col" class="rule"><span>{rule.clone()}</span></th> })
        .collect_view();
    let rows = overview
        .rows
        .into_iter()
        .map(|MatrixRow { environment, check }| {
            let env = environment.to_string();
            let cells = match check {
                Some(check) => check_cells(&env, &rules, check).into_any(),
                None => view! {
                    <td class="cell cell-unknown">{status_text("").1}</td>
                    <td colspan=columns.to_string() class="muted">"not checked yet"</td>
                    <td></td>
                }
                .into_any(),
            };
            view! {
                <tr data-environment=env.clone()>
                    <th scope="row"><a href=prefixed(&format!("/oidc?env={env}"))>{env.clone()}</a></th>
                    {cells}
                    <td><CheckButton env=env.clone() /></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="matrix-scroll">
            <table class="oidc-matrix">
                <caption>"Newest check of each environment, rule by rule"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Environment"</th>
                        <th scope="col">"Overall"</th>
                        {header}
                        <th scope="col">"Checked"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn check_cells(env: &str, rules: &[String], check: OidcCheck) -> impl IntoView {
    let (overall_class, overall_words) = status_text(check.status.as_str());
    let cells = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let result = check.rules.iter().find(|r| &r.id == rule);
            let (status, detail) = result.map_or(("", "not reported".to_owned()), |r| {
                (r.status.as_str(), r.detail.clone())
            });
            let (class, words) = status_text(status);
            let id = format!("detail-{env}-{i}");
            let title = format!("{rule}: {detail}");
            let (tip_id, tip) = (id.clone(), title.clone());
            view! {
                <td class=format!("cell cell-{class}") tabindex="0" title=title aria-describedby=id>
                    {words}
                    <span id=tip_id class="tip" role="tooltip">{tip}</span>
                </td>
            }
        })
        .collect_view();
    let checked = format!(
        "{} · {} ms · {}",
        utc_minute(check.at),
        check.timings_ms.total,
        check.trigger
    );
    view! {
        <td class=format!("cell cell-{overall_class}")>{overall_words}</td>
        {cells}
        <td class="checked">{checked}</td>
    }
}
