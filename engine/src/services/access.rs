//! Who may do what: grants and revocations on environments, platform
//! admins and releasers from configuration, and the explanation of a
//! permission.

use std::collections::BTreeSet;

use domain::access::{AccessList, Explanation, Grant, Permission, Relation, Subject};
use domain::EnvironmentName;

use crate::authz::{environment_object, Action, Tuple, PLATFORM};
use crate::store::{audit, now_ms, settings, NewAuditEvent};
use crate::{Actor, Engine, Error};

/// Parses `user:<id>` or `group:<name>` (or `group:<name>#member`) into the
/// subject form tuples use; anything else is refused.
pub fn parse_subject(input: &str) -> Result<String, Error> {
    Subject::parse(input)
        .map(String::from)
        .map_err(Error::invalid)
}

impl Engine {
    /// The direct grants on an environment (for those who may view it).
    pub async fn list_access(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
    ) -> Result<AccessList, Error> {
        self.authorize(actor, Action::ViewEnvironment(env)).await?;
        self.environment_must_exist(env).await?;
        let tuples = self
            .authorizer()
            .read_object(&environment_object(env))
            .await
            .map_err(|e| Error::unavailable("the grants could not be read", &e))?;
        let items = tuples
            .into_iter()
            .filter_map(|t| {
                let relation = Relation::parse(&t.relation).ok()?;
                let subject = Subject::parse(&t.user).ok()?;
                Some(Grant { relation, subject })
            })
            .collect();
        Ok(AccessList { items })
    }

    /// Grants a relation on `env`; owners and admins only.
    pub async fn grant(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        grant: &Grant,
    ) -> Result<Grant, Error> {
        self.change_access(actor, env, grant, true).await
    }

    /// Revokes a direct grant; owners and admins only.
    pub async fn revoke(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        grant: &Grant,
    ) -> Result<Grant, Error> {
        self.change_access(actor, env, grant, false).await
    }

    async fn change_access(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        change: &Grant,
        grant: bool,
    ) -> Result<Grant, Error> {
        self.authorize(actor, Action::ManageAccess(env)).await?;
        self.environment_must_exist(env).await?;
        let object = environment_object(env);
        let tuple = Tuple::new(
            change.subject.as_str(),
            change.relation.as_str(),
            object.as_str(),
        );
        let (writes, deletes) = if grant {
            (vec![tuple], vec![])
        } else {
            (vec![], vec![tuple])
        };
        self.authorizer()
            .write(&writes, &deletes)
            .await
            .map_err(|e| Error::unavailable("the grant was not changed", &e))?;
        let change = change.clone();
        let action = if grant {
            "access.grant"
        } else {
            "access.revoke"
        };
        let value = serde_json::to_value(&change).ok();
        let (before, after) = if grant { (None, value) } else { (value, None) };
        audit::append(
            self.store().pool(),
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
        Ok(change)
    }

    /// Why `subject` has (or lacks) `permission` on `env`: the path through
    /// the model, one line, when it is granted.
    pub async fn explain_access(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        subject: &Subject,
        permission: Permission,
    ) -> Result<Explanation, Error> {
        self.authorize(actor, Action::ViewEnvironment(env)).await?;
        let path = self
            .authorizer()
            .explain(
                subject.as_str(),
                permission.as_str(),
                &environment_object(env),
            )
            .await
            .map_err(|e| Error::unavailable("the permission could not be explained", &e))?;
        Ok(Explanation {
            subject: subject.clone(),
            permission,
            allowed: path.is_some(),
            path,
        })
    }

    /// Makes the configured principals (`user:<sub>` or `group:<name>`)
    /// exactly the ones holding `relation` on the platform through the
    /// configuration: adds the new ones and removes those configured at the
    /// previous start but no longer, leaving grants made otherwise (the
    /// demo's seed) alone. Called at start with `PALETTE_ADMINS` (`admin`)
    /// and `PALETTE_RELEASERS` (`releaser`); idempotent, so a restart with
    /// the same list writes nothing new and deletes nothing.
    pub async fn bootstrap_platform(
        &self,
        relation: &str,
        principals: &[String],
    ) -> Result<(), Error> {
        let wanted = principals
            .iter()
            .map(|p| parse_subject(p))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let key = format!("bootstrap.platform.{relation}");
        let pool = self.store().pool();
        let before: BTreeSet<String> = match settings::get(pool, &key).await? {
            Some(json) => serde_json::from_str(&json).map_err(|e| Error::Internal(Box::new(e)))?,
            None => BTreeSet::new(),
        };
        let tuple = |subject: &String| Tuple::new(subject.as_str(), relation, PLATFORM);
        let writes: Vec<Tuple> = wanted.iter().map(tuple).collect();
        let deletes: Vec<Tuple> = before.difference(&wanted).map(tuple).collect();
        self.authorizer()
            .write(&writes, &deletes)
            .await
            .map_err(|e| {
                Error::Unavailable(format!("cannot record the platform's {relation}s: {e}"))
            })?;
        if before == wanted {
            return Ok(());
        }
        let mut tx = pool.begin().await?;
        let value = serde_json::to_string(&wanted).map_err(|e| Error::Internal(Box::new(e)))?;
        settings::put(&mut *tx, &key, &value).await?;
        let action = format!("platform.{relation}.configure");
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: "system:config",
                action: &action,
                object: PLATFORM,
                allowed: true,
                reason: None,
                before: Some(serde_json::json!(before)),
                after: Some(serde_json::json!(wanted)),
                request_id: None,
                client: None,
            },
        )
        .await?;
        tx.commit().await?;
        if !deletes.is_empty() {
            tracing::info!(
                relation,
                removed = ?deletes.iter().map(|t| &t.user).collect::<Vec<_>>(),
                "no longer configured: removed from the platform"
            );
        }
        Ok(())
    }

    async fn environment_must_exist(&self, env: &EnvironmentName) -> Result<(), Error> {
        self.environment_row(env).await.map(drop)
    }
}
