//! `/api/v1/webhooks`: the notifications platform admins configure, with
//! their delivery history; `/api/v1/waiting`: what waits for the caller.

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use domain::notification::{Waiting, Webhook, WebhookId, WebhookRequest, WebhookWithDeliveries};
use engine::{Actor, Engine};

use super::extract::ApiJson;
use super::ApiError;

/// Every webhook with its newest deliveries (platform admins). Secrets are
/// never shown: `signed` says whether one is set.
#[utoipa::path(get, path = "/webhooks", tag = "notifications",
    responses((status = 200, body = Vec<WebhookWithDeliveries>), super::errors::Errors))]
pub async fn list(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
) -> Result<Json<Vec<WebhookWithDeliveries>>, ApiError> {
    Ok(Json(engine.webhooks(&actor).await?))
}

/// Add a webhook (platform admins): `json` bodies are signed with the
/// secret in `X-Palette-Signature-256: sha256=<hex HMAC-SHA256 of the
/// body>`; `slack` bodies are `{"text": …}`. Deliveries are retried with
/// backoff, five times in all. 201.
#[utoipa::path(post, path = "/webhooks", tag = "notifications",
    request_body = WebhookRequest,
    responses((status = 201, body = Webhook), super::errors::Errors))]
pub async fn create(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<WebhookRequest>,
) -> Result<Response, ApiError> {
    let webhook = engine.create_webhook(&actor, &body).await?;
    Ok((StatusCode::CREATED, Json(webhook)).into_response())
}

/// Delete a webhook and its delivery history (platform admins). 204.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "notifications",
    params(("id" = i64, Path, minimum = 1, description = "The webhook")),
    responses((status = 204, description = "Deleted"), super::errors::Errors))]
pub async fn delete(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = WebhookId::parse(&id)
        .ok_or_else(|| ApiError::from(engine::Error::NotFound(format!("webhook {id}"))))?;
    engine.delete_webhook(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The promotions waiting for an approval the caller may give (and has
/// not given), oldest first: the header's "waiting for you" count.
#[utoipa::path(get, path = "/waiting", tag = "notifications",
    responses((status = 200, body = Waiting), super::errors::Errors))]
pub async fn waiting(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
) -> Result<Json<Waiting>, ApiError> {
    Ok(Json(engine.waiting(&actor).await?))
}
