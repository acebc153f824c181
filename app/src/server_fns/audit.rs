//! The audit log as the caller may read it. Calls one engine method.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::error::UiError;

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub decision: String,
    pub reason: Option<String>,
    pub request_id: Option<String>,
}

/// A page of events, newest first, and the cursor of the next older page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditView>,
    pub older: Option<i64>,
}

pub const PAGE: i64 = 50;

/// Events narrowed by environment, actor, action (a prefix such as
/// `environment.`) and start date; `before` pages to older ones.
#[server(prefix = "/_fn", endpoint = "list_audit", input = GetUrl)]
pub async fn list_audit(
    #[server(default)] environment: String,
    #[server(default)] actor: String,
    #[server(default)] action: String,
    #[server(default)] since: String,
    #[server(default)] before: Option<i64>,
) -> Result<AuditPage, UiError> {
    let engine = super::context::engine()?;
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let actor = some(&actor).map(|a| {
        if a.contains(':') {
            a
        } else {
            format!("user:{a}")
        }
    });
    let filter = engine::store::audit::AuditFilter {
        actor,
        object: some(&environment).map(|e| format!("environment:{e}")),
        action: some(&action),
        since: crate::components::time::parse_date(&since),
        before,
        limit: PAGE,
    };
    let events = engine.list_audit(&super::context::actor(), filter).await?;
    let older = (events.len() as i64 == PAGE)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    Ok(AuditPage {
        events: events
            .into_iter()
            .map(|e| AuditView {
                id: e.id,
                at: e.at,
                actor: e.actor,
                action: e.action,
                object: e.object,
                decision: e.decision,
                reason: e.reason,
                request_id: e.request_id,
            })
            .collect(),
        older,
    })
}
