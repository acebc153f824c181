//! `/api/v1/environments/{name}/access`: the direct grants on an
//! environment, granting, revoking, and why a subject holds a permission.
//! The same engine methods as the access page.

use axum::extract::{Extension, Path, State};
use axum::response::Json;
use domain::access::{AccessList, Explanation, Grant, Permission, Subject};
use domain::EnvironmentName;
use engine::{Actor, Engine};
use serde::Deserialize;

use super::environments::parse_name;
use super::extract::{ApiJson, ApiQuery};
use super::ApiError;

/// The direct grants on an environment.
#[utoipa::path(get, path = "/environments/{name}/access", tag = "access",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    responses((status = 200, body = AccessList), super::errors::Errors))]
pub async fn list(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Json<AccessList>, ApiError> {
    Ok(Json(engine.list_access(&actor, &parse_name(&name)?).await?))
}

/// Grant a relation on an environment (owners and platform admins).
#[utoipa::path(post, path = "/environments/{name}/access", tag = "access",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    request_body = Grant,
    responses((status = 200, body = Grant), super::errors::Errors))]
pub async fn grant(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<Grant>,
) -> Result<Json<Grant>, ApiError> {
    Ok(Json(
        engine.grant(&actor, &parse_name(&name)?, &body).await?,
    ))
}

/// Revoke a direct grant (owners and platform admins).
#[utoipa::path(delete, path = "/environments/{name}/access", tag = "access",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    request_body = Grant,
    responses((status = 200, body = Grant), super::errors::Errors))]
pub async fn revoke(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<Grant>,
) -> Result<Json<Grant>, ApiError> {
    Ok(Json(
        engine.revoke(&actor, &parse_name(&name)?, &body).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExplainQuery {
    /// `user:<id>` or `group:<name>`.
    #[param(value_type = Subject)]
    subject: String,
    /// The permission to explain.
    #[param(value_type = Permission)]
    permission: String,
}

/// Why a subject holds (or lacks) a permission on an environment.
#[utoipa::path(get, path = "/environments/{name}/access/explain", tag = "access",
    params(("name" = EnvironmentName, Path, description = "The environment"), ExplainQuery),
    responses((status = 200, body = Explanation), super::errors::Errors))]
pub async fn explain(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<ExplainQuery>,
) -> Result<Json<Explanation>, ApiError> {
    let name = parse_name(&name)?;
    let subject = Subject::parse(&query.subject);
    let permission = Permission::parse(&query.permission);
    let (subject, permission) = match (subject, permission) {
        (Ok(s), Ok(p)) => (s, p),
        (s, p) => {
            return Err(ApiError::from(
                [s.err(), p.err()].into_iter().flatten().collect::<Vec<_>>(),
            ))
        }
    };
    Ok(Json(
        engine
            .explain_access(&actor, &name, &subject, permission)
            .await?,
    ))
}
