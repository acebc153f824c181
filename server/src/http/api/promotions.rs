//! `/api/v1/promotions` and an environment's policy and holds: open,
//! review, approve or reject, cancel, decide, roll back, re-plan, verify
//! again. The same engine methods as the promotion pages.

use axum::extract::{Extension, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use domain::{
    DecisionRequest, EnvironmentName, EnvironmentReleases, HoldKey, OpenPromotion, Page, Promotion,
    PromotionDetail, PromotionId, PromotionPolicy, PromotionPreview, PromotionQuery,
};
use engine::{Actor, Engine};

use super::environments::parse_name;
use super::extract::{ApiJson, ApiQuery, OptionalJson};
use super::ApiError;

/// A promotion id from the path; anything else names no promotion.
fn promotion_id(id: &str) -> Result<PromotionId, ApiError> {
    PromotionId::parse(id).ok_or_else(|| engine::Error::NotFound(format!("promotion {id}")).into())
}

/// Promotions into (or out of) environments the caller may view, newest first.
#[utoipa::path(get, path = "/promotions", tag = "promotions", params(PromotionQuery),
    responses((status = 200, body = Page<Promotion, PromotionId>), super::errors::Errors))]
pub async fn list(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiQuery(query): ApiQuery<PromotionQuery>,
) -> Result<Json<Page<Promotion, PromotionId>>, ApiError> {
    Ok(Json(engine.promotions(&actor, &query).await?))
}

/// Open a promotion (`can_promote_to` on the target). 201 with the
/// promotion; it plans at once or waits for the target's earlier ones.
#[utoipa::path(post, path = "/promotions", tag = "promotions",
    request_body = OpenPromotion,
    responses((status = 201, body = Promotion), super::errors::Errors))]
pub async fn open(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<OpenPromotion>,
) -> Result<Response, ApiError> {
    let promotion = engine.open_promotion(&actor, &body).await?;
    let location = format!("/api/v1/promotions/{}", promotion.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(promotion),
    )
        .into_response())
}

/// What opening would do: the diff, the warnings and any refusal.
#[utoipa::path(post, path = "/promotions/preview", tag = "promotions",
    request_body = OpenPromotion,
    responses((status = 200, body = PromotionPreview), super::errors::Errors))]
pub async fn preview(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<OpenPromotion>,
) -> Result<Json<PromotionPreview>, ApiError> {
    Ok(Json(engine.preview_promotion(&actor, &body).await?))
}

/// One promotion with its diff, plans, approvals, checks and timeline.
#[utoipa::path(get, path = "/promotions/{id}", tag = "promotions",
    params(("id" = i64, Path, minimum = 1, description = "The promotion")),
    responses((status = 200, body = PromotionDetail), super::errors::Errors))]
pub async fn get(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<PromotionDetail>, ApiError> {
    Ok(Json(engine.promotion(&actor, promotion_id(&id)?).await?))
}

/// Approve the current plan (`can_approve_promotion`; never the requester).
#[utoipa::path(post, path = "/promotions/{id}/approve", tag = "promotions",
    params(("id" = i64, Path, minimum = 1, description = "The promotion")),
    request_body(content = DecisionRequest, description = "An optional comment"),
    responses((status = 200, body = Promotion), super::errors::Errors))]
pub async fn approve(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<DecisionRequest>,
) -> Result<Json<Promotion>, ApiError> {
    Ok(Json(
        engine
            .approve_promotion(&actor, promotion_id(&id)?, &body)
            .await?,
    ))
}

/// Reject it, with a comment that says why; it ends as rejected.
#[utoipa::path(post, path = "/promotions/{id}/reject", tag = "promotions",
    params(("id" = i64, Path, minimum = 1, description = "The promotion")),
    request_body = domain::openapi::Rejection,
    responses((status = 200, body = Promotion), super::errors::Errors))]
pub async fn reject(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<DecisionRequest>,
) -> Result<Json<Promotion>, ApiError> {
    Ok(Json(
        engine
            .reject_promotion(&actor, promotion_id(&id)?, &body)
            .await?,
    ))
}

macro_rules! promotion_move {
    ($(#[$meta:meta])* $name:ident, $path:literal, $method:ident) => {
        $(#[$meta])*
        #[utoipa::path(post, path = $path, tag = "promotions",
            params(("id" = i64, Path, minimum = 1, description = "The promotion")),
            responses((status = 200, body = Promotion), super::errors::Errors))]
        pub async fn $name(
            State(engine): State<Engine>,
            Extension(actor): Extension<Actor>,
            Path(id): Path<String>,
        ) -> Result<Json<Promotion>, ApiError> {
            Ok(Json(engine.$method(&actor, promotion_id(&id)?).await?))
        }
    };
}

promotion_move!(
    /// Cancel it in any state that is not final (`can_promote_to`).
    cancel, "/promotions/{id}/cancel", cancel_promotion
);
promotion_move!(
    /// Accept an undecided verification (`can_promote_to`).
    accept, "/promotions/{id}/accept", accept_promotion
);
promotion_move!(
    /// Roll back to the last verified revisions (`can_promote_to`).
    rollback, "/promotions/{id}/rollback", rollback_promotion
);
promotion_move!(
    /// Plan again; approvals of the old plan no longer count.
    replan, "/promotions/{id}/replan", replan_promotion
);
promotion_move!(
    /// Verify a succeeded promotion again.
    reverify, "/promotions/{id}/reverify", reverify_promotion
);

/// An environment's promotion policy, deployment history and holds.
#[utoipa::path(get, path = "/environments/{name}/releases", tag = "promotions",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    responses((status = 200, body = EnvironmentReleases), super::errors::Errors))]
pub async fn releases(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Json<EnvironmentReleases>, ApiError> {
    Ok(Json(
        engine
            .environment_releases(&actor, &parse_name(&name)?)
            .await?,
    ))
}

/// Replace the promotion policy (owners: `can_manage_access`).
#[utoipa::path(put, path = "/environments/{name}/promotion-policy", tag = "promotions",
    params(("name" = EnvironmentName, Path, description = "The environment")),
    request_body = PromotionPolicy,
    responses((status = 200, body = PromotionPolicy), super::errors::Errors))]
pub async fn set_policy(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<PromotionPolicy>,
) -> Result<Json<PromotionPolicy>, ApiError> {
    Ok(Json(
        engine
            .set_promotion_policy(&actor, &parse_name(&name)?, &body)
            .await?,
    ))
}

/// Lift the hold on one revision (`can_promote_to`). 204.
#[utoipa::path(delete, path = "/environments/{name}/holds/{application}/{revision}", tag = "promotions",
    params(
        ("name" = EnvironmentName, Path, description = "The environment"),
        ("application" = domain::openapi::Name, Path, description = "The held application"),
        ("revision" = domain::openapi::Revision, Path, description = "The held revision"),
    ),
    responses((status = 204, description = "Lifted"), super::errors::Errors))]
pub async fn lift_hold(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path((name, application, revision)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let name = parse_name(&name)?;
    let key = HoldKey::parse(&application, &revision)?;
    engine.lift_hold(&actor, &name, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
