//! Notifications: webhooks that platform admins configure (a generic JSON
//! body signed with HMAC-SHA256, or the Slack/Mattermost incoming-webhook
//! format), per environment or for all, the events they hear, and each
//! delivery's history. A webhook's secret is write-only: no read returns it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::job::{Collect, JobId};
use crate::{EnvironmentName, PromotionId, PromotionState, ValidationError};

/// A webhook's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct WebhookId(pub i64);

impl WebhookId {
    /// A webhook id as a path or form gives it; anything else names none.
    pub fn parse(text: &str) -> Option<Self> {
        crate::page::whole_number(text).filter(|n| *n > 0).map(Self)
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

crate::string_enum!(
    /// What happened, as a webhook hears it.
    NotificationEvent, "events" {
        /// A promotion waits for approvals (the message names who can give them).
        PromotionAwaitingApproval => "promotion.awaiting_approval",
        PromotionSucceeded => "promotion.succeeded",
        /// Failed, or its rollback failed.
        PromotionFailed => "promotion.failed",
        PromotionRolledBack => "promotion.rolled_back",
        /// An infrastructure job (create, apply, destroy) failed.
        JobFailed => "job.failed",
        /// An environment's OIDC check turned to fail.
        OidcFailing => "oidc.failing",
        /// An environment's OIDC check passes again after failing.
        OidcRecovered => "oidc.recovered",
    }
);

impl NotificationEvent {
    /// The event a promotion entering `state` raises, if any.
    pub fn for_promotion(state: PromotionState) -> Option<Self> {
        match state {
            PromotionState::AwaitingApproval => Some(Self::PromotionAwaitingApproval),
            PromotionState::Succeeded => Some(Self::PromotionSucceeded),
            PromotionState::Failed | PromotionState::RollbackFailed => Some(Self::PromotionFailed),
            PromotionState::RolledBack => Some(Self::PromotionRolledBack),
            _ => None,
        }
    }

    /// How the form labels it.
    pub fn label(self) -> &'static str {
        match self {
            Self::PromotionAwaitingApproval => "A promotion waits for approval",
            Self::PromotionSucceeded => "A promotion succeeded",
            Self::PromotionFailed => "A promotion failed",
            Self::PromotionRolledBack => "A promotion was rolled back",
            Self::JobFailed => "An infrastructure job failed",
            Self::OidcFailing => "An OIDC check turned to fail",
            Self::OidcRecovered => "An OIDC check passes again",
        }
    }
}

crate::string_enum!(
    /// How a webhook's body is shaped.
    WebhookFormat, "format" {
        /// `{"event", "environment", "summary", "url", "at", "details"}`,
        /// signed in `X-Palette-Signature-256` when a secret is set.
        Json => "json",
        /// `{"text": …}`, as Slack and Mattermost incoming webhooks take it.
        Slack => "slack",
    }
);

/// A configured webhook, as every read shows it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: WebhookId,
    pub name: String,
    pub url: String,
    pub format: WebhookFormat,
    /// Only this environment's events; none: every environment's.
    pub environment: Option<EnvironmentName>,
    /// The events it hears; empty: all of them.
    pub events: Vec<NotificationEvent>,
    /// Whether deliveries are signed (the secret itself is never shown).
    pub signed: bool,
    /// Unix milliseconds.
    pub created_at: i64,
    pub created_by: String,
}

impl Webhook {
    /// Whether it hears `event` on `environment`.
    pub fn hears(&self, event: NotificationEvent, environment: &str) -> bool {
        (self.events.is_empty() || self.events.contains(&event))
            && self
                .environment
                .as_ref()
                .is_none_or(|e| e.as_str() == environment)
    }
}

/// Longest webhook name, URL and secret.
pub const WEBHOOK_NAME_MAX_LEN: usize = 100;
pub const WEBHOOK_URL_MAX_LEN: usize = 512;
pub const WEBHOOK_SECRET_MAX_LEN: usize = 256;
/// An absolute http(s) URL as [`webhook_url`] takes it: a host, then
/// visible ASCII without a fragment (a query is kept).
pub const WEBHOOK_URL_PATTERN: &str = "^https?://[!-\"$-.0->@-~][!-\"$-~]*$";

/// `POST /webhooks` and the form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct WebhookRequest {
    /// What the admins call it (not blank).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::webhook_name, required = true))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::webhook_url, required = true))]
    pub url: String,
    /// `json` (the default) or `slack`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<WebhookFormat>))]
    pub format: Option<String>,
    /// Signs `json` deliveries (HMAC-SHA256); never shown again. Slack and
    /// Mattermost check no signature: a `slack` webhook ignores it.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::webhook_secret))]
    pub secret: String,
    /// Only this environment's events; missing: every environment's.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<EnvironmentName>))]
    pub environment: Option<String>,
    /// The events to hear; empty: all of them.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<NotificationEvent>))]
    pub events: Vec<String>,
}

/// A valid [`WebhookRequest`].
#[derive(Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub name: String,
    pub url: String,
    pub format: WebhookFormat,
    pub secret: Option<String>,
    pub environment: Option<EnvironmentName>,
    pub events: Vec<NotificationEvent>,
}

impl fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhook")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("format", &self.format)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("environment", &self.environment)
            .field("events", &self.events)
            .finish()
    }
}

/// Checks a webhook URL's shape (the browser shares this): absolute
/// http(s), a host, visible ASCII, no fragment.
pub fn webhook_url(input: &str) -> Result<String, ValidationError> {
    let err = |m: &str| Err(ValidationError::new("url", m));
    if input.chars().count() > WEBHOOK_URL_MAX_LEN {
        return Err(ValidationError::new(
            "url",
            format!("is too long (at most {WEBHOOK_URL_MAX_LEN} characters)"),
        ));
    }
    let Some(rest) = input
        .strip_prefix("https://")
        .or_else(|| input.strip_prefix("http://"))
    else {
        return err("must be an absolute http(s) URL such as https://hooks.example.com/palette");
    };
    if rest.is_empty() || rest.starts_with(['/', '?']) {
        return err("must name a host");
    }
    if !input.chars().all(|c| c.is_ascii_graphic() && c != '#') {
        return err("must not contain a fragment, spaces or non-ASCII characters");
    }
    Ok(input.to_owned())
}

impl WebhookRequest {
    pub fn parse(&self) -> Result<NewWebhook, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut take = Collect(&mut errors);
        let name = take.ok(crate::text::required(
            "name",
            &self.name,
            WEBHOOK_NAME_MAX_LEN,
            "must not be blank: say what it is for",
        ));
        let url = take.ok(webhook_url(&self.url));
        // Taken as sent: the form leaves out what it does not choose.
        let format = match self.format.as_deref() {
            None => Some(WebhookFormat::Json),
            Some(text) => take.ok(WebhookFormat::parse(text)),
        };
        let secret = take
            .ok(if self.secret.chars().count() > WEBHOOK_SECRET_MAX_LEN {
                Err(ValidationError::new(
                    "secret",
                    format!("is too long (at most {WEBHOOK_SECRET_MAX_LEN} characters)"),
                ))
            } else {
                Ok(self.secret.clone())
            })
            .filter(|s| !s.is_empty());
        let environment = match self.environment.as_deref() {
            None => Some(None),
            Some(text) => take.ok(EnvironmentName::parse(text)
                .map(Some)
                .map_err(|e| ValidationError::new("environment", e.message))),
        };
        let mut events = Vec::new();
        for text in &self.events {
            if let Some(event) = take.ok(NotificationEvent::parse(text)) {
                if !events.contains(&event) {
                    events.push(event);
                }
            }
        }
        events.sort();
        match (name, url, format, environment) {
            (Some(name), Some(url), Some(format), Some(environment)) if errors.is_empty() => {
                Ok(NewWebhook {
                    name,
                    url,
                    format,
                    secret: secret.filter(|_| format == WebhookFormat::Json),
                    environment,
                    events,
                })
            }
            _ => Err(errors),
        }
    }
}

crate::string_enum!(
    /// Where a delivery is.
    DeliveryStatus, "status" {
        /// Queued, or waiting to be tried again.
        Pending => "pending",
        Delivered => "delivered",
        /// Every attempt failed.
        Failed => "failed",
    }
);

/// One notification to one webhook, and how its attempts went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    pub webhook: WebhookId,
    pub event: NotificationEvent,
    pub environment: String,
    pub summary: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// The receiver's HTTP status of the last attempt.
    pub response_status: Option<i64>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    /// The job that delivers it.
    pub job: Option<JobId>,
}

/// A webhook with its newest deliveries: the admin page's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookWithDeliveries {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Newest first.
    pub deliveries: Vec<Delivery>,
}

/// What waits for the viewer: promotions they may approve that wait for
/// approvals and have not had theirs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Waiting {
    /// Oldest first.
    pub approvals: Vec<PromotionId>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn request() -> WebhookRequest {
        WebhookRequest {
            name: " Platform channel ".into(),
            url: "https://hooks.example.com/services/T0/B0?x=1".into(),
            format: None,
            secret: "s3cret".into(),
            environment: None,
            events: vec![
                "job.failed".into(),
                "promotion.succeeded".into(),
                "job.failed".into(),
            ],
        }
    }

    #[test]
    fn a_request_parses_with_defaults_and_sorted_unique_events() {
        let hook = request().parse().unwrap();
        assert_eq!(hook.name, "Platform channel");
        assert_eq!(hook.format, WebhookFormat::Json);
        assert_eq!(hook.secret.as_deref(), Some("s3cret"));
        assert_eq!(hook.environment, None);
        assert_eq!(
            hook.events,
            [
                NotificationEvent::PromotionSucceeded,
                NotificationEvent::JobFailed
            ]
        );
        assert!(
            !format!("{hook:?}").contains("s3cret"),
            "the secret is never logged"
        );
        let slack = WebhookRequest {
            format: Some("slack".into()),
            environment: Some("blue".into()),
            ..request()
        };
        let slack = slack.parse().unwrap();
        assert_eq!(slack.secret, None, "a Slack webhook is not signed");
        assert_eq!(slack.environment.unwrap().as_str(), "blue");
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let bad = WebhookRequest {
            name: "  ".into(),
            url: "ftp://example.com".into(),
            format: Some("xml".into()),
            secret: "x".repeat(WEBHOOK_SECRET_MAX_LEN + 1),
            environment: Some("Not A Name".into()),
            events: vec!["nothing.happened".into()],
        };
        let fields: Vec<String> = bad
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["name", "url", "format", "secret", "environment", "events"]
        );
    }

    #[test]
    fn urls_need_a_scheme_and_a_host_and_keep_a_query() {
        for good in [
            "http://127.0.0.1:8080/hook",
            "https://h.example.com",
            "https://h/x?token=1",
        ] {
            assert_eq!(webhook_url(good).as_deref(), Ok(good));
        }
        for bad in [
            "https://",
            "https:///x",
            "https://?q",
            "hooks.example.com",
            "https://h/#x",
            "https://h/a b",
        ] {
            assert!(webhook_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_webhook_hears_its_events_on_its_environment() {
        let mut hook = Webhook {
            id: WebhookId(1),
            name: "n".into(),
            url: "https://h".into(),
            format: WebhookFormat::Json,
            environment: None,
            events: Vec::new(),
            signed: false,
            created_at: 0,
            created_by: "user:alice".into(),
        };
        assert!(
            hook.hears(NotificationEvent::JobFailed, "blue"),
            "no filter: everything"
        );
        hook.events = vec![NotificationEvent::OidcFailing];
        hook.environment = Some(EnvironmentName::parse("green").unwrap());
        assert!(hook.hears(NotificationEvent::OidcFailing, "green"));
        assert!(!hook.hears(NotificationEvent::OidcFailing, "blue"));
        assert!(!hook.hears(NotificationEvent::JobFailed, "green"));
    }

    #[test]
    fn promotion_states_raise_their_events() {
        use NotificationEvent as E;
        let raised: Vec<_> = PromotionState::ALL
            .iter()
            .filter_map(|s| E::for_promotion(*s).map(|e| (s.as_str(), e.as_str())))
            .collect();
        assert_eq!(
            raised,
            [
                ("awaiting_approval", "promotion.awaiting_approval"),
                ("succeeded", "promotion.succeeded"),
                ("failed", "promotion.failed"),
                ("rolled_back", "promotion.rolled_back"),
                ("rollback_failed", "promotion.failed"),
            ]
        );
    }
}
