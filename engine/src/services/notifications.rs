//! Notifications: platform admins configure webhooks and read their
//! deliveries; everyone asks what waits for them.

use domain::notification::{Waiting, Webhook, WebhookId, WebhookRequest, WebhookWithDeliveries};

use crate::authz::Action;
use crate::store::{audit, now_ms, promotions, webhooks, NewAuditEvent};
use crate::{Actor, Engine, Error};

/// How many deliveries of each webhook [`Engine::webhooks`] returns.
pub const RECENT_DELIVERIES: i64 = 20;

impl Engine {
    /// Every webhook with its newest deliveries (platform admins).
    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<WebhookWithDeliveries>, Error> {
        self.authorize(actor, Action::ManageNotifications).await?;
        let pool = self.store().pool();
        let mut out = Vec::new();
        for webhook in webhooks::list(pool).await? {
            let deliveries = webhooks::deliveries(pool, webhook.id, RECENT_DELIVERIES).await?;
            out.push(WebhookWithDeliveries {
                webhook,
                deliveries,
            });
        }
        Ok(out)
    }

    /// Adds a webhook (platform admins). Audited without its secret.
    #[tracing::instrument(skip_all, fields(actor = %actor))]
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        request: &WebhookRequest,
    ) -> Result<Webhook, Error> {
        self.authorize(actor, Action::ManageNotifications).await?;
        let new = request.parse().map_err(Error::Invalid)?;
        let mut tx = self.store().pool().begin().await?;
        let webhook = webhooks::insert(&mut *tx, &new, &actor.principal).await?;
        self.audit_webhook(&mut tx, actor, "webhook.create", &webhook, false)
            .await?;
        tx.commit().await?;
        tracing::info!(webhook = webhook.id.0, "webhook created");
        Ok(webhook)
    }

    /// Deletes a webhook and its delivery history (platform admins).
    #[tracing::instrument(skip_all, fields(actor = %actor, webhook = id.0))]
    pub async fn delete_webhook(&self, actor: &Actor, id: WebhookId) -> Result<Webhook, Error> {
        self.authorize(actor, Action::ManageNotifications).await?;
        let mut tx = self.store().pool().begin().await?;
        let webhook = webhooks::delete(&mut tx, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("webhook {id}")))?;
        self.audit_webhook(&mut tx, actor, "webhook.delete", &webhook, true)
            .await?;
        tx.commit().await?;
        Ok(webhook)
    }

    async fn audit_webhook(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        actor: &Actor,
        action: &str,
        webhook: &Webhook,
        deleted: bool,
    ) -> Result<(), Error> {
        let object = format!("webhook:{}", webhook.id);
        let value = serde_json::to_value(webhook).ok();
        let (before, after) = if deleted {
            (value, None)
        } else {
            (None, value)
        };
        audit::append(
            &mut **tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action,
                object: &object,
                allowed: true,
                reason: None,
                before,
                after,
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        Ok(())
    }

    /// The promotions waiting for an approval `actor` may give: one
    /// authorizer query and one database query, whatever their number.
    pub async fn waiting(&self, actor: &Actor) -> Result<Waiting, Error> {
        if actor.is_anonymous() || actor.is_system() {
            return Ok(Waiting::default());
        }
        let candidates =
            promotions::awaiting_approval_by(self.store().pool(), &actor.principal).await?;
        if candidates.is_empty() {
            return Ok(Waiting::default());
        }
        let approvable = self
            .authorizer()
            .list_objects(&actor.principal, "can_approve_promotion", "environment")
            .await
            .map_err(|e| Error::unavailable("cannot ask the authorizer who may approve", &e))?;
        let approvals = candidates
            .into_iter()
            .filter(|(_, target)| approvable.contains(&format!("environment:{target}")))
            .map(|(id, _)| id)
            .collect();
        Ok(Waiting { approvals })
    }
}
