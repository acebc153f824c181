//! Side by side: what differs between two environments' discovery
//! documents and keys.

use leptos::prelude::*;

use domain::oidc::{Comparison, MemberDiff};

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "—".to_owned()
    } else {
        items.join(", ")
    }
}

#[component]
pub fn ComparisonTable(a: String, b: String, comparison: Comparison) -> impl IntoView {
    let c = comparison;
    let same = c.is_same();
    let summary = if same {
        format!("{a} and {b} publish the same metadata, algorithms and keys (endpoints compared with each issuer replaced).")
    } else {
        format!("{a} and {b} differ:")
    };
    let rows = [
        ("Members", &c.members_only_in_a, &c.members_only_in_b),
        (
            "Signing algorithms",
            &c.signing_algs_only_in_a,
            &c.signing_algs_only_in_b,
        ),
        ("Key types", &c.key_types_only_in_a, &c.key_types_only_in_b),
        ("Key ids", &c.kids_only_in_a, &c.kids_only_in_b),
    ]
    .into_iter()
    .map(|(what, only_a, only_b)| {
        view! {
            <tr>
                <th scope="row">{what}</th>
                <td>{list(only_a)}</td>
                <td>{list(only_b)}</td>
            </tr>
        }
    })
    .collect_view();
    let differing = c
        .members_differing
        .into_iter()
        .map(
            |MemberDiff {
                 member,
                 a: va,
                 b: vb,
             }| {
                let (va, vb) = (va.to_string(), vb.to_string());
                view! {
                    <tr>
                        <th scope="row"><code>{member}</code></th>
                        <td><code>{va}</code></td>
                        <td><code>{vb}</code></td>
                    </tr>
                }
            },
        )
        .collect_view();
    view! {
        <p data-testid="comparison-summary">{summary}</p>
        <table class="comparison">
            <thead>
                <tr>
                    <th scope="col">"Only in"</th>
                    <th scope="col">{format!("{a} ({})", c.a_issuer)}</th>
                    <th scope="col">{format!("{b} ({})", c.b_issuer)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <table class="comparison">
            <caption>"Members on both sides with different values"</caption>
            <thead>
                <tr><th scope="col">"Member"</th><th scope="col">{a.clone()}</th><th scope="col">{b.clone()}</th></tr>
            </thead>
            <tbody>{differing}</tbody>
        </table>
    }
}
