//! The `webhook.deliver` job: sends one delivery to its webhook, signed
//! when the webhook has a secret, and records how each attempt went. A
//! receiver that fails (or does not answer) is tried again with backoff,
//! up to [`DELIVERY_ATTEMPTS`] times.

use std::sync::Arc;
use std::time::Duration;

use domain::notification::{DeliveryStatus, NotificationEvent, WebhookFormat};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::authz::Authorizer;
use crate::queue::{self, BackgroundJob, JobContext, JobError, JobKind};
use crate::store::webhooks::{self, Attempt, DeliverJob, Notification, DELIVERY_ATTEMPTS};

/// The header with the body's HMAC-SHA256 under the webhook's secret.
pub const SIGNATURE_HEADER: &str = "x-palette-signature-256";

/// What a delivery needs: an HTTP client, the authorizer (to name who can
/// approve) and the base URL links start with (none: links are paths).
#[derive(Clone)]
pub struct Deliverer {
    http: reqwest::Client,
    authorizer: Arc<dyn Authorizer>,
    base_url: Option<String>,
}

impl Deliverer {
    pub fn new(
        authorizer: Arc<dyn Authorizer>,
        base_url: Option<String>,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("palette/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            authorizer,
            base_url: base_url.map(|b| b.trim_end_matches('/').to_owned()),
        })
    }
}

/// `sha256=<hex>` of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        // HMAC takes a key of any length.
        return String::new();
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The body a webhook of `format` gets.
pub fn body(
    format: WebhookFormat,
    delivery: i64,
    notification: &Notification,
    link: &str,
) -> serde_json::Value {
    match format {
        WebhookFormat::Json => serde_json::json!({
            "event": notification.event,
            "environment": notification.environment,
            "summary": notification.summary,
            "url": link,
            "at": notification.at,
            "details": notification.details,
            "delivery": delivery,
        }),
        WebhookFormat::Slack => {
            let text = if link.starts_with("http") {
                format!(
                    "*{}*: {} <{link}|Open in Palette>",
                    notification.environment, notification.summary
                )
            } else {
                format!("*{}*: {}", notification.environment, notification.summary)
            };
            serde_json::json!({ "text": text })
        }
    }
}

impl BackgroundJob for DeliverJob {
    const KIND: JobKind = JobKind::WebhookDeliver;
    type Context = Deliverer;

    #[tracing::instrument(skip_all, fields(job = %ctx.id(), delivery = self.delivery))]
    async fn run(self, ctx: JobContext, deliverer: Deliverer) -> Result<(), JobError> {
        let pool = ctx.store().pool();
        let Some((delivery, mut notification)) = webhooks::delivery(pool, self.delivery).await?
        else {
            ctx.log(
                None,
                "the delivery no longer exists (its webhook was deleted)",
            );
            return Ok(());
        };
        if delivery.status == DeliveryStatus::Delivered {
            return Ok(());
        }
        let Some((hook, secret)) = webhooks::get_with_secret(pool, delivery.webhook).await? else {
            ctx.log(None, "the webhook was deleted: nothing to send");
            return Ok(());
        };
        if notification.event == NotificationEvent::PromotionAwaitingApproval {
            name_approvers(&deliverer, &mut notification).await;
        }
        let link = match &deliverer.base_url {
            Some(base) => format!("{base}{}", notification.path),
            None => notification.path.clone(),
        };
        let body = body(hook.format, delivery.id, &notification, &link).to_string();
        ctx.log(
            None,
            format!(
                "attempt {} of {DELIVERY_ATTEMPTS}: POST {} ({})",
                ctx.attempt(),
                hook.url,
                hook.name
            ),
        );
        let mut request = deliverer
            .http
            .post(&hook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("x-palette-event", notification.event.as_str())
            .header("x-palette-delivery", delivery.id.to_string());
        if let Some(secret) = secret
            .as_deref()
            .filter(|_| hook.format == WebhookFormat::Json)
        {
            request = request.header(SIGNATURE_HEADER, signature(secret, body.as_bytes()));
        }
        let sent = tokio::select! {
            sent = request.body(body).send() => sent,
            reason = ctx.stopped() => {
                return Err(match reason {
                    queue::StopReason::Cancelled => JobError::Cancelled { stopped_at: None },
                    queue::StopReason::LeaseLost => JobError::LeaseLost,
                    queue::StopReason::Shutdown => JobError::Interrupted,
                });
            }
        };
        let last = ctx.attempt() >= DELIVERY_ATTEMPTS;
        let failed = |error: String, response_status: Option<i64>| Attempt {
            status: if last {
                DeliveryStatus::Failed
            } else {
                DeliveryStatus::Pending
            },
            response_status,
            error: Some(error),
        };
        let attempt = match sent {
            Ok(response) if response.status().is_success() => Attempt {
                status: DeliveryStatus::Delivered,
                response_status: Some(i64::from(response.status().as_u16())),
                error: None,
            },
            Ok(response) => {
                let status = response.status();
                failed(
                    format!("the receiver answered {status}"),
                    Some(i64::from(status.as_u16())),
                )
            }
            Err(e) => failed(format!("not delivered: {}", error_chain(&e)), None),
        };
        let mut tx = ctx.begin_fenced().await?;
        webhooks::record_attempt(&mut *tx, delivery.id, &attempt).await?;
        tx.commit()
            .await
            .map_err(crate::store::StoreError::Database)?;
        match attempt.error {
            None => {
                ctx.log(None, "delivered");
                Ok(())
            }
            Some(error) => {
                ctx.log(None, &error);
                ctx.flush_logs().await;
                if last {
                    Err(JobError::failed(error))
                } else {
                    Err(JobError::Transient(error))
                }
            }
        }
    }
}

/// Adds who may approve to an awaiting-approval notification (left as it
/// is when the authorizer does not answer).
async fn name_approvers(deliverer: &Deliverer, notification: &mut Notification) {
    let object = format!("environment:{}", notification.environment);
    match deliverer
        .authorizer
        .list_users(&object, "can_approve_promotion", "user")
        .await
    {
        Ok(mut users) => {
            users.sort();
            let names = if users.is_empty() {
                "no one may approve it yet".to_owned()
            } else {
                format!("who can approve: {}", users.join(", "))
            };
            notification.summary = format!("{} ({names})", notification.summary);
            notification.details["approvers"] = serde_json::json!(users);
        }
        Err(e) => tracing::warn!(error = %e, "cannot name the approvers"),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The registry with the `webhook.deliver` handler.
pub fn register(registry: queue::Registry, deliverer: Deliverer) -> queue::Registry {
    registry.register::<DeliverJob>(deliverer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_bodys_hmac_sha256_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn slack_gets_text_with_a_link_and_json_gets_everything() {
        let n = Notification {
            event: NotificationEvent::JobFailed,
            environment: "blue".into(),
            summary: "Job #7 environment.apply failed at iam/apply".into(),
            path: "/jobs/7".into(),
            at: 1,
            details: serde_json::json!({ "job": 7 }),
        };
        let slack = body(WebhookFormat::Slack, 3, &n, "https://p.example.com/jobs/7");
        assert_eq!(
            slack["text"],
            "*blue*: Job #7 environment.apply failed at iam/apply <https://p.example.com/jobs/7|Open in Palette>"
        );
        let json = body(WebhookFormat::Json, 3, &n, "/jobs/7");
        assert_eq!(json["event"], "job.failed");
        assert_eq!(json["delivery"], 3);
        assert_eq!(json["details"]["job"], 7);
        assert_eq!(json["url"], "/jobs/7");
    }
}
