//! Logins: who people and machine clients are, as their provider said, and
//! the group memberships that follow from it.
//!
//! Group sync converges: the desired memberships are the groups the
//! provider last gave (stored with the user), the actual ones are the
//! authorizer's own `group:<g>#member@user:<sub>` tuples, and every sync
//! writes the difference in both directions. A sync that fails (an
//! authorizer outage) is retried, and [`Engine::reconcile_memberships`],
//! run periodically, finishes it later: a removal from an IdP group is
//! never lost because one write failed.

use std::collections::BTreeSet;
use std::time::Duration;

use domain::user::UserKind;

use crate::authz::Tuple;
use crate::services::access::parse_subject;
use crate::store::users::{self, UserProfile};
use crate::store::{audit, now_ms, NewAuditEvent};
use crate::{Actor, Engine, Error};

/// Tries of one sync before it is left to the reconciler.
const SYNC_ATTEMPTS: u32 = 3;
/// The pause before the second try; doubled before the third.
const SYNC_BACKOFF: Duration = Duration::from_millis(200);

/// What a sync changed about a user's group memberships.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// What one reconciliation pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Users whose memberships were already right or were made right.
    pub synced: usize,
    /// Users whose memberships changed.
    pub changed: usize,
    /// Users the authorizer could not be brought in line for (retried at
    /// the next pass).
    pub failed: usize,
}

impl Engine {
    /// Records a successful login (or a machine's first token): upserts the
    /// user from its claims, audits it (with the request's id and the
    /// client's address, when known) and syncs its group memberships.
    ///
    /// user from its claims, audits it and syncs its group memberships.
    /// A subject recorded as a machine client cannot log in as a person,
    /// nor a person's subject be a machine client's: each would act as the
    /// other.
    #[tracing::instrument(skip_all, fields(subject = %profile.subject))]
    pub async fn record_login(
        &self,
        profile: &UserProfile,
        request_id: Option<&str>,
        client: Option<&str>,
    ) -> Result<MembershipChange, Error> {
        let now = now_ms();
        let mut tx = self.store().pool().begin().await?;
        if let Some(kind) = users::upsert(&mut tx, profile, now).await? {
            if kind != profile.kind {
                // Dropping the transaction rolls the upsert back.
                return Err(Error::Conflict(format!(
                    "{} is known as a {}; it cannot act as a {}",
                    profile.subject,
                    describe(kind),
                    describe(profile.kind)
                )));
            }
        }
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
                client,
            },
        )
        .await?;
        tx.commit().await?;
        self.sync_groups(&profile.subject, &profile.groups).await
    }

    /// Makes `user:<subject>`'s direct group memberships in the authorizer
    /// exactly `groups`, in one write of the additions and removals (each
    /// tolerated when already done). Group names that cannot be an object
    /// (`Domain Users`) are skipped and logged. Tried [`SYNC_ATTEMPTS`]
    /// times.
    #[tracing::instrument(skip_all, fields(subject))]
    pub async fn sync_groups(
        &self,
        subject: &str,
        groups: &[String],
    ) -> Result<MembershipChange, Error> {
        let user = Actor::user(subject).principal;
        let mut wanted = BTreeSet::new();
        for group in groups {
            match group_object(group) {
                Some(object) => {
                    wanted.insert(object);
                }
                None => tracing::warn!(
                    group = %group,
                    "a group name that cannot be an authorization object is skipped"
                ),
            }
        }
        let mut pause = SYNC_BACKOFF;
        let mut attempt = 1;
        loop {
            match self.converge(&user, &wanted).await {
                Ok(change) => return Ok(change),
                Err(e) if attempt >= SYNC_ATTEMPTS => {
                    return Err(Error::unavailable("cannot sync group memberships", &e));
                }
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "group sync failed; trying again");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                    attempt += 1;
                }
            }
        }
    }

    async fn converge(
        &self,
        user: &str,
        wanted: &BTreeSet<String>,
    ) -> Result<MembershipChange, crate::authz::AuthzError> {
        let actual: BTreeSet<String> = self
            .authorizer()
            .read_user(user, "member", "group")
            .await?
            .into_iter()
            .map(|t| t.object)
            .collect();
        let tuple = |group: &String| Tuple::new(user, "member", group.as_str());
        let writes: Vec<Tuple> = wanted.difference(&actual).map(tuple).collect();
        let deletes: Vec<Tuple> = actual.difference(wanted).map(tuple).collect();
        if !writes.is_empty() || !deletes.is_empty() {
            self.authorizer().write(&writes, &deletes).await?;
        }
        let name = |t: Tuple| t.object.trim_start_matches("group:").to_owned();
        Ok(MembershipChange {
            added: writes.into_iter().map(name).collect(),
            removed: deletes.into_iter().map(name).collect(),
        })
    }

    /// One pass over every recorded user, syncing each one's memberships to
    /// the groups its provider last gave. Run at start and periodically.
    pub async fn reconcile_memberships(&self) -> Result<Reconciled, Error> {
        let mut done = Reconciled::default();
        for (subject, groups) in users::memberships(self.store().pool()).await? {
            match self.sync_groups(&subject, &groups).await {
                Ok(change) => {
                    done.synced += 1;
                    if change != MembershipChange::default() {
                        done.changed += 1;
                        tracing::info!(
                            subject, added = ?change.added, removed = ?change.removed,
                            "group memberships reconciled"
                        );
                    }
                }
                Err(e) => {
                    done.failed += 1;
                    tracing::warn!(subject, error = %e, "group memberships not reconciled");
                }
            }
        }
        Ok(done)
    }
}

/// `group:<name>` for a provider's group name, when it can be one.
fn group_object(group: &str) -> Option<String> {
    let subject = parse_subject(&format!("group:{group}")).ok()?;
    Some(subject.trim_end_matches("#member").to_owned())
}

fn describe(kind: UserKind) -> &'static str {
    match kind {
        UserKind::Person => "person",
        UserKind::Machine => "machine client",
    }
}
