//! The OIDC badge: a check's verdict, in words and colour.

use domain::oidc::{OidcVerdict, RuleStatus};
use leptos::prelude::*;

use super::{status_text, utc_minute};
use crate::base::prefixed;

/// `OIDC ✓ pass` (or warn, fail, unknown) for an environment's newest
/// check, linking to the OIDC matrix.
#[component]
pub fn OidcBadge(verdict: Option<OidcVerdict>) -> impl IntoView {
    let (status, title) = match verdict {
        Some(v) => (
            v.status.as_str(),
            format!("OIDC check of {}: {}", utc_minute(v.at), v.status),
        ),
        None => ("unknown", "not checked yet".to_owned()),
    };
    let (class, words) = status_text(status);
    view! {
        <a class=format!("oidc-badge oidc-{class}") href=prefixed("/oidc") title=title>
            "OIDC " {words}
        </a>
    }
}

/// A check job's verdict beside its status (`✗ fail`), or nothing.
#[component]
pub fn VerdictPill(verdict: Option<RuleStatus>) -> impl IntoView {
    verdict.map(|v| {
        let (class, words) = status_text(v.as_str());
        view! { " "<span class=format!("oidc-badge oidc-{class}") title="The check's verdict" data-verdict=v.as_str()>{words}</span> }
    })
}
