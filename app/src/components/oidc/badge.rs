//! The OIDC badge on an environment card: the newest check's verdict, in
//! words and colour.

use leptos::prelude::*;

use super::{status_text, utc_minute};
use crate::base::prefixed;
use crate::server_fns::oidc::latest_oidc_check;

/// `OIDC ✓ pass` (or warn, fail, unknown) for `env`'s newest check.
#[component]
pub fn OidcBadge(#[prop(into)] env: String) -> impl IntoView {
    let latest = Resource::new(move || env.clone(), latest_oidc_check);
    view! {
        <Suspense fallback=|| view! { <span class="oidc-badge oidc-unknown">"OIDC …"</span> }>
            {move || Suspend::new(async move {
                let (status, title) = match latest.await {
                    Ok(Some(check)) => {
                        let title = format!("OIDC check of {}: {}", utc_minute(check.at), check.status);
                        (check.status.as_str().to_owned(), title)
                    }
                    Ok(None) => ("unknown".to_owned(), "not checked yet".to_owned()),
                    Err(e) => ("unknown".to_owned(), e.0.message),
                };
                let (class, words) = status_text(&status);
                view! {
                    <a class=format!("oidc-badge oidc-{class}") href=prefixed("/oidc") title=title>
                        "OIDC " {words}
                    </a>
                }
            })}
        </Suspense>
    }
}
