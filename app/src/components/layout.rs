use leptos::prelude::*;
use leptos_router::components::A;

const NAV: &[(&str, &str)] = &[
    ("/", "Environments"),
    ("/promotions", "Promotions"),
    ("/oidc", "OIDC checks"),
    ("/jobs", "Jobs"),
    ("/audit", "Audit"),
    ("/access", "Access"),
];

/// The frame around every page: brand, navigation, content.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true"></span>
                "Palette"
            </a>
            <nav aria-label="Main">
                <ul>
                    {NAV
                        .iter()
                        .map(|(href, label)| view! { <li><A href=*href exact=true>{*label}</A></li> })
                        .collect_view()}
                </ul>
            </nav>
        </header>
        <main id="main">{children()}</main>
    }
}
