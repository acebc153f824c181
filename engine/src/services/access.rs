//! Who may do what: grants and revocations on environments, platform
//! admins from configuration, group memberships from logins, and the
//! explanation of a permission.

use domain::EnvironmentName;
use serde::{Deserialize, Serialize};

use crate::authz::{environment_object, Action, Tuple, PLATFORM};
use crate::services::identity::MembershipChange;
use crate::store::{audit, now_ms, NewAuditEvent};
use crate::{Actor, Engine, Error};

/// Relations a person or group can be granted on an environment.
pub const GRANTABLE: &[&str] = &["owner", "operator", "approver", "viewer"];

/// Permissions the access page can explain.
pub const PERMISSIONS: &[&str] = &[
    "can_view",
    "can_apply",
    "can_destroy",
    "can_promote_to",
    "can_approve_promotion",
    "can_manage_access",
];

/// One direct grant on an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub relation: String,
    /// `user:anne` or `group:sre#member`.
    pub subject: String,
}

/// Parses `user:<id>` or `group:<name>` (or `group:<name>#member`) into the
/// subject form tuples use; anything else is refused.
pub fn parse_subject(input: &str) -> Result<String, Error> {
    let invalid = || {
        Error::invalid(domain::ValidationError::new(
            "subject",
            "must be user:<id> or group:<name> (letters, digits, . _ @ -)",
        ))
    };
    let input = input.trim();
    let (kind, rest) = input.split_once(':').ok_or_else(invalid)?;
    let id = rest.strip_suffix("#member").unwrap_or(rest);
    let valid_id = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
    match kind {
        "user" if valid_id && !rest.contains('#') => Ok(format!("user:{id}")),
        "group" if valid_id => Ok(format!("group:{id}#member")),
        _ => Err(invalid()),
    }
}

impl Engine {
    /// The direct grants on an environment (for those who may view it).
    pub async fn list_access(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
    ) -> Result<Vec<Grant>, Error> {
        self.authorize(actor, Action::ViewEnvironment(env)).await?;
        self.environment_must_exist(env).await?;
        let tuples = self
            .authorizer()
            .read_object(&environment_object(env))
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        Ok(tuples
            .into_iter()
            .filter(|t| GRANTABLE.contains(&t.relation.as_str()))
            .map(|t| Grant {
                relation: t.relation,
                subject: t.user,
            })
            .collect())
    }

    /// Grants `relation` on `env` to `subject`; owners and admins only.
    pub async fn grant(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        relation: &str,
        subject: &str,
    ) -> Result<Grant, Error> {
        self.change_access(actor, env, relation, subject, true)
            .await
    }

    /// Revokes a direct grant; owners and admins only.
    pub async fn revoke(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        relation: &str,
        subject: &str,
    ) -> Result<Grant, Error> {
        self.change_access(actor, env, relation, subject, false)
            .await
    }

    async fn change_access(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        relation: &str,
        subject: &str,
        grant: bool,
    ) -> Result<Grant, Error> {
        let subject = parse_subject(subject)?;
        if !GRANTABLE.contains(&relation) {
            return Err(Error::invalid(domain::ValidationError::new(
                "relation",
                format!("must be one of: {}", GRANTABLE.join(", ")),
            )));
        }
        self.authorize(actor, Action::ManageAccess(env)).await?;
        self.environment_must_exist(env).await?;
        let object = environment_object(env);
        let tuple = Tuple::new(subject.as_str(), relation, object.as_str());
        let (writes, deletes) = if grant {
            (vec![tuple], vec![])
        } else {
            (vec![], vec![tuple])
        };
        self.authorizer()
            .write(&writes, &deletes)
            .await
            .map_err(|e| Error::Unavailable(format!("the grant was not changed: {e}")))?;
        let change = Grant {
            relation: relation.to_owned(),
            subject,
        };
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
    /// the model, one line, or `None` when it is not granted.
    pub async fn explain_access(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        subject: &str,
        permission: &str,
    ) -> Result<Option<String>, Error> {
        self.authorize(actor, Action::ViewEnvironment(env)).await?;
        let subject = parse_subject(subject)?;
        if !PERMISSIONS.contains(&permission) {
            return Err(Error::invalid(domain::ValidationError::new(
                "permission",
                format!("must be one of: {}", PERMISSIONS.join(", ")),
            )));
        }
        self.authorizer()
            .explain(&subject, permission, &environment_object(env))
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))
    }

    /// Makes the configured principals (`user:<sub>` or `group:<name>`)
    /// platform admins. Called at start with `PALETTE_ADMINS`.
    pub async fn bootstrap_admins(&self, admins: &[String]) -> Result<(), Error> {
        let mut tuples = Vec::with_capacity(admins.len());
        for admin in admins {
            tuples.push(Tuple::new(parse_subject(admin)?, "admin", PLATFORM));
        }
        self.authorizer()
            .write(&tuples, &[])
            .await
            .map_err(|e| Error::Unavailable(format!("cannot record the platform admins: {e}")))
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
        crate::store::environments::get_by_name(self.store().pool(), env)
            .await?
            .map(drop)
            .ok_or_else(|| Error::NotFound(format!("environment {env}")))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_subject;

    #[test]
    fn subjects_are_users_or_groups_and_nothing_else() {
        assert_eq!(
            parse_subject("user:anne").ok().as_deref(),
            Some("user:anne")
        );
        assert_eq!(
            parse_subject("group:sre").ok().as_deref(),
            Some("group:sre#member")
        );
        assert_eq!(
            parse_subject("group:sre#member").ok().as_deref(),
            Some("group:sre#member")
        );
        for bad in [
            "anne",
            "user:",
            "user:*",
            "platform:default",
            "user:a#member",
            "group:a b",
            "environment:blue",
        ] {
            assert!(parse_subject(bad).is_err(), "{bad:?} accepted");
        }
    }
}
