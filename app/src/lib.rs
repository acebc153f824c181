//! Palette's user interface: Leptos pages rendered on the server and
//! hydrated in the browser.
//!
//! Server functions are thin: they take the request's context, call one
//! engine method and map its error. Rules live in the engine.

pub mod base;
pub mod components;
pub mod error;
pub mod pages;
pub mod server_fns;
pub mod session;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::base::base_path;
use components::layout::Layout;
use pages::access::AccessPage;
use pages::audit::AuditPage;
use pages::environment::EnvironmentPage;
use pages::environments::EnvironmentsPage;
use pages::job::JobPage;
use pages::jobs::JobsPage;
use pages::new_environment::NewEnvironmentPage;
use pages::not_found::NotFound;
use pages::notifications::NotificationsPage;
use pages::oidc::OidcPage;
use pages::promotion::PromotionPage;
use pages::promotions::PromotionsPage;
use pages::release_matrix::ReleaseMatrixPage;
use pages::releases::ReleasesPage;

/// The HTML document around the app, rendered on the server only. The
/// stylesheet, script and wasm URLs carry their content's hash when the
/// build made hashed names (`hash-files`; `options.hash_files`), so
/// browsers may keep them for good.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="palette-base" content=base_path() />
                <HashedStylesheet options=options.clone() id="palette" root=base_path() />
                <AutoReload options=options.clone() />
                <HydrationScripts options root=base_path() />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Under PALETTE_PATH_PREFIX the router matches below it; at the root it
    // has no base at all (an empty one would put an empty segment into the
    // generated route list).
    let base = base_path();
    let router = if base.is_empty() {
        view! { <Router><Layout><AppRoutes /></Layout></Router> }.into_any()
    } else {
        view! { <Router base=base><Layout><AppRoutes /></Layout></Router> }.into_any()
    };
    view! {
        <Title formatter=|title: String| {
            if title.is_empty() { "Palette".to_owned() } else { format!("{title} · Palette") }
        } />
        {router}
    }
}

/// The pages, by path (below the router's base).
#[component]
fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("") view=EnvironmentsPage ssr=SsrMode::Async />
            <Route path=path!("/promotions") view=PromotionsPage ssr=SsrMode::Async />
            <Route path=path!("/promotions/:id") view=PromotionPage ssr=SsrMode::Async />
            <Route path=path!("/releases") view=ReleasesPage ssr=SsrMode::Async />
            <Route path=path!("/releases/matrix") view=ReleaseMatrixPage ssr=SsrMode::Async />
            <Route path=path!("/oidc") view=OidcPage ssr=SsrMode::Async />
            <Route path=path!("/environments/new") view=NewEnvironmentPage ssr=SsrMode::Async />
            <Route path=path!("/environments/:name") view=EnvironmentPage ssr=SsrMode::Async />
            <Route path=path!("/jobs") view=JobsPage ssr=SsrMode::Async />
            <Route path=path!("/jobs/:id") view=JobPage ssr=SsrMode::Async />
            <Route path=path!("/audit") view=AuditPage ssr=SsrMode::Async />
            <Route path=path!("/access") view=AccessPage ssr=SsrMode::Async />
            <Route path=path!("/notifications") view=NotificationsPage ssr=SsrMode::Async />
        </Routes>
    }
}
