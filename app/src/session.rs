//! What the UI knows about the person looking at it: computed on the server
//! from the request, handed to the browser with the page for hydration.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The logged-in person, as the header shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub subject: String,
    pub display_name: String,
    pub groups: Vec<String>,
}

/// The session as pages see it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub user: Option<UserView>,
    /// The anti-CSRF token every state-changing form carries as `_csrf`.
    pub csrf: String,
    /// The dev login is on: every page says so.
    pub dev_login: bool,
}

/// The session of the current request (server) or page (browser).
pub fn use_session() -> SessionView {
    if let Some(view) = use_context::<SessionView>() {
        return view;
    }
    let shared = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<SessionView>().cloned())
                .unwrap_or_default()
        }
        #[cfg(not(feature = "ssr"))]
        {
            SessionView::default()
        }
    });
    let view = shared.into_inner();
    provide_context(view.clone());
    view
}

/// The hidden field that carries the anti-CSRF token in a form.
#[component]
pub fn CsrfField() -> impl IntoView {
    let token = use_session().csrf;
    view! { <input type="hidden" name="_csrf" value=token /> }
}
