//! The one [`AppState`], built once when the server starts. Handlers and
//! middleware never name it: they take the part they need (`State<Engine>`,
//! `State<Auth>`, `State<Arc<Metrics>>`, `State<LeptosOptions>`) through
//! [`axum::extract::FromRef`], so `auth`, `metrics` and the API do not
//! depend on each other or on this module.

use std::sync::Arc;

use axum::extract::FromRef;
use engine::Engine;
use leptos::config::LeptosOptions;

use crate::auth::Auth;
use crate::metrics::Metrics;

/// Everything a handler may need.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub engine: Engine,
    pub metrics: Arc<Metrics>,
    pub auth: Auth,
    pub streams: crate::http::api::streams::StreamSlots,
    pub closing: crate::http::Closing,
}
