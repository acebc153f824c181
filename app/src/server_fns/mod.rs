//! Server functions, one per file. Each is a public POST endpoint: it gets
//! its context, calls one engine method and maps the error.

pub mod access;
pub mod audit;
pub mod environment_ops;
pub mod environments;
#[cfg(feature = "ssr")]
mod form_return;
pub mod jobs;
pub mod list_environments;
pub mod notifications;
pub mod oidc;
pub mod promotions;
pub mod releases;

#[cfg(feature = "ssr")]
pub(crate) mod context {
    use crate::error::UiError;

    /// The engine the server put in the request's context.
    pub fn engine() -> Result<engine::Engine, UiError> {
        leptos::prelude::use_context::<engine::Engine>().ok_or_else(|| {
            UiError::new(
                domain::ErrorCode::Internal,
                "the server is misconfigured: no engine in context",
            )
        })
    }

    /// Who is asking, as the server's authentication resolved it for this
    /// request; anonymous when nobody is logged in.
    pub fn actor() -> engine::Actor {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<engine::Actor>().cloned())
            .unwrap_or_else(engine::Actor::anonymous)
    }
}
