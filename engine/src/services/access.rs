//! Who may do what: grants and revocations on environments, platform
//! admins from configuration, group memberships from logins, and the
//! explanation of a permission.

use domain::access::{AccessList, Explanation, Grant, Permission, Relation, Subject};
use domain::EnvironmentName;

use crate::authz::{environment_object, Action, Tuple, PLATFORM};
use crate::services::identity::MembershipChange;
use crate::store::{audit, now_ms, NewAuditEvent};
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
            .map_err(|e| Error::Unavailable(e.to_string()))?;
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
            .map_err(|e| Error::Unavailable(format!("the grant was not changed: {e}")))?;
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
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        Ok(Explanation {
            subject: subject.clone(),
            permission,
            allowed: path.is_some(),
            path,
        })
    }

    /// Gives the configured principals (`user:<sub>` or `group:<name>`)
    /// `relation` on the platform. Called at start with `PALETTE_ADMINS`
    /// (`admin`) and `PALETTE_RELEASERS` (`releaser`).
    pub async fn bootstrap_platform(
        &self,
        relation: &str,
        principals: &[String],
    ) -> Result<(), Error> {
        let mut tuples = Vec::with_capacity(principals.len());
        for principal in principals {
            tuples.push(Tuple::new(parse_subject(principal)?, relation, PLATFORM));
        }
        self.authorizer().write(&tuples, &[]).await.map_err(|e| {
            Error::Unavailable(format!("cannot record the platform's {relation}s: {e}"))
        })
    }

    /// Mirrors a login's group changes into `group:<g>#member@user:<sub>` tuples.
    pub async fn sync_groups(&self, subject: &str, change: &MembershipChange) -> Result<(), Error> {
        let user = format!("user:{subject}");
        let tuple = |group: &String| -> Result<Tuple, Error> {
            let group = parse_subject(&format!("group:{group}"))?;
            let group = group.trim_end_matches("#member");
            Ok(Tuple::new(user.as_str(), "member", group))
        };
        let writes = change
            .added
            .iter()
            .map(tuple)
            .collect::<Result<Vec<_>, _>>()?;
        let deletes = change
            .removed
            .iter()
            .map(tuple)
            .collect::<Result<Vec<_>, _>>()?;
        self.authorizer()
            .write(&writes, &deletes)
            .await
            .map_err(|e| Error::Unavailable(format!("cannot sync group memberships: {e}")))
    }

    async fn environment_must_exist(&self, env: &EnvironmentName) -> Result<(), Error> {
        self.environment_row(env).await.map(drop)
    }
}
