//! Notifications: the webhooks platform admins configure, and what waits
//! for the viewer. The same engine methods as `/api/v1/webhooks` and
//! `/api/v1/waiting`; the mutations are plain form posts too, which land
//! back on the page (with what was typed when refused).

use domain::notification::{Waiting, Webhook, WebhookWithDeliveries};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::UiError;

#[cfg(feature = "ssr")]
use super::form_return::land;

/// The page the notification forms are on.
pub const PAGE: &str = "/notifications";

/// Every webhook with its newest deliveries (platform admins).
#[server(prefix = "/_fn", endpoint = "list_webhooks", input = GetUrl)]
pub async fn list_webhooks() -> Result<Vec<WebhookWithDeliveries>, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.webhooks(&super::context::actor()).await?)
}

/// Adds a webhook. An empty environment means every environment's events.
#[server(prefix = "/_fn", endpoint = "create_webhook")]
pub async fn create_webhook(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    #[server(default)] name: String,
    #[server(default)] url: String,
    #[server(default)] format: String,
    #[server(default)] secret: String,
    #[server(default)] environment: String,
    #[server(default)] events: Vec<String>,
) -> Result<Webhook, UiError> {
    let request = domain::notification::WebhookRequest {
        name: name.clone(),
        url: url.clone(),
        format: Some(format.clone()).filter(|f| !f.is_empty()),
        secret,
        environment: Some(environment.clone()).filter(|e| !e.is_empty()),
        events,
    };
    let created = async {
        let engine = super::context::engine()?;
        Ok(engine
            .create_webhook(&super::context::actor(), &request)
            .await?)
    }
    .await;
    // The secret is never sent back, not even to a refused form.
    let typed = [
        ("name", name.as_str()),
        ("url", url.as_str()),
        ("format", format.as_str()),
        ("environment", environment.as_str()),
    ];
    land(created, PAGE, "/_fn/create_webhook", &typed)
}

/// Deletes a webhook and its delivery history.
#[server(prefix = "/_fn", endpoint = "delete_webhook")]
pub async fn delete_webhook(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    id: String,
) -> Result<(), UiError> {
    let deleted = async {
        let id = domain::notification::WebhookId::parse(&id)
            .ok_or_else(|| engine::Error::NotFound(format!("webhook {id}")))?;
        let engine = super::context::engine()?;
        engine.delete_webhook(&super::context::actor(), id).await?;
        Ok(())
    }
    .await;
    land(deleted, PAGE, "/_fn/delete_webhook", &[])
}

/// The promotions waiting for an approval the viewer may give.
#[server(prefix = "/_fn", endpoint = "waiting_for_me", input = GetUrl)]
pub async fn waiting_for_me() -> Result<Waiting, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.waiting(&super::context::actor()).await?)
}
