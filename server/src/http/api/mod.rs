//! REST API v1 for pipelines and scripts. Authentication happened in the
//! auth middleware: every handler gets the resolved `Actor`, calls one engine
//! method and maps its error; rules live in the engine.

mod audit;
mod environments;
mod error;
mod events;
mod extract;
mod jobs;
mod oidc_checks;
pub mod openapi;
mod openapi_schemas;

use axum::extract::Extension;
use axum::response::Json;
use axum::Router;
use engine::Actor;
use serde_json::{json, Value};

pub use error::ApiError;

use super::AppState;

/// Declares every route once: the router, the [`ROUTES`] list the route
/// matrix test checks (a route without a row in that test fails it) and the
/// [`OPERATIONS`] the OpenAPI document is generated from (a route's doc
/// comment becomes its summary and description).
macro_rules! api_routes {
    ($( $(#[doc = $doc:literal])* $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// Every REST route under `/api/v1`, as (method, path).
        pub const ROUTES: &[(&str, &str)] = &[$( (stringify!($method), $path) ),*];

        /// Every REST route with its handler and documentation.
        pub const OPERATIONS: &[openapi::Operation] = &[$( openapi::Operation {
            method: stringify!($method),
            path: $path,
            handler: stringify!($handler),
            doc: concat!($($doc, "\n",)*),
        } ),*];

        pub fn router() -> Router<AppState> {
            Router::new() $( .route($path, axum::routing::$method($handler)) )*
        }
    };
}

api_routes! {
    /// The principal the token (or session) resolves to.
    get "/whoami" => whoami,
    /// Environments the caller may view, by name.
    get "/environments" => environments::list,
    /// Create an environment and queue the job that builds its layers.
    post "/environments" => environments::create,
    /// One environment with its layers, lock and recent jobs.
    get "/environments/{name}" => environments::get,
    /// Destroy every layer of an environment (queues a job).
    delete "/environments/{name}" => environments::destroy,
    /// Apply an environment's layers again (queues a job).
    post "/environments/{name}/apply" => environments::apply,
    /// Lock an environment: no infrastructure job runs until it is unlocked.
    post "/environments/{name}/lock" => environments::lock,
    /// Unlock an environment.
    post "/environments/{name}/unlock" => environments::unlock,
    /// Jobs on environments the caller may view, newest first.
    get "/jobs" => jobs::list,
    /// One job with its steps.
    get "/jobs/{id}" => jobs::get,
    /// A job's log as plain text.
    get "/jobs/{id}/logs" => jobs::logs,
    /// A job, live: its changes and log lines as server-sent events.
    get "/jobs/{id}/events" => events::stream,
    /// Cancel a job: at once when queued, by stopping it when running.
    post "/jobs/{id}/cancel" => jobs::cancel,
    /// Queue a failed or cancelled job again, from the step where it stopped.
    post "/jobs/{id}/retry" => jobs::retry,
    /// Audit events, newest first.
    get "/audit" => audit::list,
    /// This document. Public: no token needed.
    get "/openapi.json" => openapi::document,
    post "/environments/{name}/oidc-checks" => oidc_checks::request,
    get "/environments/{name}/oidc-checks" => oidc_checks::history,
}

/// `GET /api/v1/whoami`: the principal a token (or session) resolves to.
async fn whoami(Extension(actor): Extension<Actor>) -> Json<Value> {
    Json(json!({ "principal": actor.principal }))
}
