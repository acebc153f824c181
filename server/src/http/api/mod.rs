//! REST API v1 for pipelines and scripts. Authentication happened in the
//! auth middleware: every handler gets the resolved `Actor`, calls one engine
//! method and maps its error; rules live in the engine.

mod environments;
mod error;

use axum::extract::Extension;
use axum::response::Json;
use axum::Router;
use engine::Actor;
use serde_json::{json, Value};

pub use error::ApiError;

use super::AppState;

/// Declares every route once: the router and the [`ROUTES`] list the route
/// matrix test checks (a route without a row in that test fails it).
macro_rules! api_routes {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// Every REST route under `/api/v1`, as (method, path).
        pub const ROUTES: &[(&str, &str)] = &[$( (stringify!($method), $path) ),*];

        pub fn router() -> Router<AppState> {
            Router::new() $( .route($path, axum::routing::$method($handler)) )*
        }
    };
}

api_routes! {
    get "/whoami" => whoami,
    get "/environments" => environments::list,
    get "/environments/{name}" => environments::get,
}

/// `GET /api/v1/whoami`: the principal a token (or session) resolves to.
async fn whoami(Extension(actor): Extension<Actor>) -> Json<Value> {
    Json(json!({ "principal": actor.principal }))
}
