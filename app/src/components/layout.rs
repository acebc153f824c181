use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::base::{prefixed, within};
use crate::server_fns::notifications::waiting_for_me;
use crate::session::{use_session, CsrfField};

const NAV: &[(&str, &str)] = &[
    ("/", "Environments"),
    ("/releases/matrix", "Release matrix"),
    ("/releases", "Releases"),
    ("/promotions", "Promotions"),
    ("/oidc", "OIDC checks"),
    ("/jobs", "Jobs"),
    ("/audit", "Audit"),
    ("/access", "Access"),
    ("/notifications", "Notifications"),
];

/// Who is logged in, with log in / log out.
#[component]
fn Account() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    match session.user {
        Some(user) => view! {
            <div class="account">
                <Waiting />
                <span class="who" title=user.subject.clone()>
                    <span class="muted">"Signed in as "</span>
                    <strong data-testid="current-user">{user.display_name}</strong>
                </span>
                <form method="post" action=prefixed("/auth/logout")>
                    <CsrfField />
                    <button type="submit" class="link">"Log out"</button>
                </form>
                <form method="post" action=prefixed("/auth/logout")>
                    <CsrfField />
                    <input type="hidden" name="everywhere" value="1" />
                    <button type="submit" class="link" title="End every session of yours, in every browser">"Log out everywhere"</button>
                </form>
            </div>
        }
        .into_any(),
        None => {
            let href = move || {
                let here = within(&location.pathname.get());
                prefixed(&format!("/auth/login?return_to={}", encode_path(&here)))
            };
            view! { <div class="account"><a class="button" href=href rel="external">"Log in"</a></div> }.into_any()
        }
    }
}

/// "2 waiting for you": the promotions waiting for an approval the viewer
/// may give, linking to them; nothing when none waits.
#[component]
fn Waiting() -> impl IntoView {
    let waiting = Resource::new(|| (), |()| waiting_for_me());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let count = waiting.await.map(|w| w.approvals.len()).unwrap_or(0);
                (count > 0).then(|| {
                    let text = format!("{count} waiting for you");
                    let label = format!("{count} promotions wait for your approval");
                    view! {
                        <a class="waiting" data-testid="waiting" href=prefixed("/promotions?state=awaiting_approval")
                            aria-label=label title="Promotions waiting for an approval you may give">{text}</a>
                    }
                })
            })}
        </Suspense>
    }
}

/// Percent-encodes a same-origin path for a query parameter.
fn encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The frame around every page: brand, navigation, who is logged in, content.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let dev_login = use_session().dev_login;
    view! {
        <Show when=move || dev_login>
            // A named region, so that no content sits outside a landmark.
            <div role="region" aria-label="Dev login">
                <div class="dev-banner" role="note">
                    "Dev login is on: anyone on this machine can act as any seeded user. Configure PALETTE_OIDC_ISSUER for real logins."
                </div>
            </div>
        </Show>
        <header class="topbar">
            <a class="brand" href=prefixed("/")>
                <span class="brand-mark" aria-hidden="true"></span>
                "Palette"
            </a>
            <nav aria-label="Main">
                <ul>
                    {NAV
                        .iter()
                        .map(|(href, label)| view! { <li><A href=prefixed(href) exact=true>{*label}</A></li> })
                        .collect_view()}
                </ul>
            </nav>
            <Account />
        </header>
        <main id="main">{children()}</main>
    }
}
