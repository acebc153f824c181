//! REST API v1 for pipelines and scripts. Authentication happened in the
//! auth middleware: every handler gets the resolved `Actor`, parses its
//! input with the domain's parsers, calls one engine method and answers
//! the domain's types; rules live in the engine.

mod access;
mod audit;
mod environments;
mod error;
mod errors;
mod events;
mod extract;
mod jobs;
mod oidc_checks;
pub mod openapi;
mod promotion_events;
mod promotions;
mod releases;
pub mod streams;
mod users;
mod webhooks;

use axum::extract::Extension;
use axum::response::Json;
use axum::Router;
use engine::Actor;
use serde::{Deserialize, Serialize};

pub use error::{error_response, ApiError};

use super::AppState;

/// Declares every route once: the router and the [`ROUTES`] list that the
/// route matrix test and the OpenAPI test check (a route without a row in
/// the matrix, or missing from the document, fails them).
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
    get "/overview" => environments::overview,
    get "/environments" => environments::list,
    post "/environments" => environments::create,
    get "/environments/{name}" => environments::get,
    delete "/environments/{name}" => environments::destroy,
    post "/environments/{name}/apply" => environments::apply,
    post "/environments/{name}/lock" => environments::lock,
    post "/environments/{name}/unlock" => environments::unlock,
    get "/environments/{name}/access" => access::list,
    post "/environments/{name}/access" => access::grant,
    delete "/environments/{name}/access" => access::revoke,
    get "/environments/{name}/access/explain" => access::explain,
    post "/environments/{name}/oidc-checks" => oidc_checks::request,
    get "/environments/{name}/oidc-checks" => oidc_checks::history,
    get "/environments/{name}/releases" => promotions::releases,
    put "/environments/{name}/promotion-policy" => promotions::set_policy,
    delete "/environments/{name}/holds/{application}/{revision}" => promotions::lift_hold,
    get "/promotions" => promotions::list,
    post "/promotions" => promotions::open,
    post "/promotions/preview" => promotions::preview,
    get "/promotions/{id}" => promotions::get,
    get "/promotions/{id}/events" => promotion_events::stream,
    post "/promotions/{id}/approve" => promotions::approve,
    post "/promotions/{id}/reject" => promotions::reject,
    post "/promotions/{id}/cancel" => promotions::cancel,
    post "/promotions/{id}/accept" => promotions::accept,
    post "/promotions/{id}/rollback" => promotions::rollback,
    post "/promotions/{id}/replan" => promotions::replan,
    post "/promotions/{id}/reverify" => promotions::reverify,
    get "/releases" => releases::list,
    post "/releases" => releases::record,
    get "/releases/{id}" => releases::get,
    get "/release-matrix" => releases::matrix,
    get "/quarantines" => releases::quarantines,
    post "/quarantines" => releases::quarantine,
    delete "/quarantines/{charm}/{revision}" => releases::lift,
    get "/jobs" => jobs::list,
    get "/jobs/{id}" => jobs::get,
    get "/jobs/{id}/logs" => jobs::logs,
    get "/jobs/{id}/events" => events::stream,
    post "/jobs/{id}/cancel" => jobs::cancel,
    post "/jobs/{id}/retry" => jobs::retry,
    delete "/users/{subject}/sessions" => users::end_sessions,
    get "/webhooks" => webhooks::list,
    post "/webhooks" => webhooks::create,
    delete "/webhooks/{id}" => webhooks::delete,
    get "/waiting" => webhooks::waiting,
    get "/audit" => audit::list,
    get "/openapi.json" => openapi::document,
}

/// Who a token (or session) resolves to.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Whoami {
    /// `user:<sub>`.
    pub principal: String,
}

/// The principal the token (or session) resolves to.
#[utoipa::path(get, path = "/whoami", tag = "auth",
    responses((status = 200, body = Whoami), errors::Errors))]
async fn whoami(Extension(actor): Extension<Actor>) -> Json<Whoami> {
    Json(Whoami {
        principal: actor.principal,
    })
}
