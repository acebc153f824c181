//! Logins: who people and machine clients are, as their provider said.

use crate::store::users::{self, UserProfile};
use crate::store::{audit, now_ms, NewAuditEvent};
use crate::{Actor, Engine, Error};

/// What a login changed about a user's group memberships.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl Engine {
    /// Records a successful login (or a machine's first token): upserts the
    /// user from its claims, audits it and syncs its group memberships
    /// (added and removed since the previous login). Returns the changes.
    #[tracing::instrument(skip_all, fields(subject = %profile.subject))]
    pub async fn record_login(
        &self,
        profile: &UserProfile,
        request_id: Option<&str>,
    ) -> Result<MembershipChange, Error> {
        let now = now_ms();
        let mut tx = self.store().pool().begin().await?;
        let previous = users::upsert(&mut tx, profile, now).await?;
        let change = MembershipChange {
            added: profile
                .groups
                .iter()
                .filter(|g| !previous.contains(g))
                .cloned()
                .collect(),
            removed: previous
                .iter()
                .filter(|g| !profile.groups.contains(g))
                .cloned()
                .collect(),
        };
        let principal = Actor::user(&profile.subject).principal;
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now,
                actor: &principal,
                action: "auth.login",
                object: &principal,
                allowed: true,
                reason: None,
                before: None,
                after: serde_json::to_value(profile).ok(),
                request_id,
            },
        )
        .await?;
        tx.commit().await?;
        self.sync_groups(&profile.subject, &change).await?;
        Ok(change)
    }
}
