//! The one place the engine asks the authorizer. Every service calls
//! [`Engine::authorize`] (or [`Engine::visible_environments`] for lists)
//! before it acts; handlers and server functions never decide.

use std::collections::BTreeSet;

use crate::authz::{Action, AuthzError};
use crate::store::{audit, now_ms, NewAuditEvent};
use crate::{Actor, Engine, Error};

impl Action<'_> {
    fn is_mutation(&self) -> bool {
        !matches!(self, Self::ViewEnvironment(_) | Self::ReadAudit)
    }

    fn environment(&self) -> Option<&domain::EnvironmentName> {
        match self {
            Self::ViewEnvironment(e)
            | Self::ApplyEnvironment(e)
            | Self::DestroyEnvironment(e)
            | Self::PromoteTo(e)
            | Self::ApprovePromotion(e)
            | Self::ManageAccess(e) => Some(e),
            Self::CreateEnvironment
            | Self::ReadAudit
            | Self::ManageReleases
            | Self::ManageUsers
            | Self::ManageNotifications => None,
        }
    }
}

impl Engine {
    /// Allows `action` for `actor`, or says why not. A refused mutation is
    /// written to the audit log. An environment the actor may not view is
    /// reported as not found, so its existence does not leak. Authorizer
    /// outages deny.
    pub async fn authorize(&self, actor: &Actor, action: Action<'_>) -> Result<(), Error> {
        if actor.is_system() {
            return Ok(());
        }
        if actor.is_anonymous() {
            return Err(match action.environment() {
                Some(env) if !action.is_mutation() => Error::NotFound(format!("environment {env}")),
                _ => Error::Unauthenticated,
            });
        }
        let object = action.object();
        let refusal = match self
            .authorizer()
            .check(&actor.principal, action.relation(), &object)
            .await
        {
            Ok(true) => return Ok(()),
            Ok(false) => match action.environment() {
                Some(env) if !self.can_view(actor, env).await => (
                    Error::NotFound(format!("environment {env}")),
                    "not visible".to_owned(),
                ),
                _ => (
                    Error::Forbidden(format!(
                        "{} lacks {} on {object}",
                        actor.principal,
                        action.relation()
                    )),
                    format!("lacks {}", action.relation()),
                ),
            },
            Err(e) => (unavailable(&e), e.to_string()),
        };
        if action.is_mutation() {
            self.audit_denial(actor, &action, &refusal.1).await;
        }
        Err(refusal.0)
    }

    async fn can_view(&self, actor: &Actor, env: &domain::EnvironmentName) -> bool {
        let object = crate::authz::environment_object(env);
        matches!(
            self.authorizer()
                .check(&actor.principal, "can_view", &object)
                .await,
            Ok(true)
        )
    }

    /// The names of the environments `actor` may view.
    pub async fn visible_environments(
        &self,
        actor: &Actor,
    ) -> Result<Option<BTreeSet<String>>, Error> {
        if actor.is_system() {
            return Ok(None);
        }
        if actor.is_anonymous() {
            return Ok(Some(BTreeSet::new()));
        }
        let objects = self
            .authorizer()
            .list_objects(&actor.principal, "can_view", "environment")
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(Some(
            objects
                .into_iter()
                .filter_map(|o| o.strip_prefix("environment:").map(str::to_owned))
                .collect(),
        ))
    }

    /// What lists may show `actor`: everything, or the environments it may view.
    pub(crate) async fn visibility(&self, actor: &Actor) -> Result<crate::queue::Visible, Error> {
        Ok(match self.visible_environments(actor).await? {
            None => crate::queue::Visible::All,
            Some(names) => crate::queue::Visible::Only(names.into_iter().collect()),
        })
    }

    pub(crate) async fn audit_denial(&self, actor: &Actor, action: &Action<'_>, reason: &str) {
        let event = NewAuditEvent {
            at: now_ms(),
            actor: &actor.principal,
            action: action.relation(),
            object: &action.object(),
            allowed: false,
            reason: Some(reason),
            before: None,
            after: None,
            request_id: actor.request_id.as_deref(),
            client: actor.client.as_deref(),
        };
        if let Err(e) = audit::append(self.store().pool(), &event).await {
            tracing::error!(error = %e, "cannot audit a denied action");
        }
    }
}

fn unavailable(e: &AuthzError) -> Error {
    Error::unavailable("authorization could not be checked, so nothing was done", e)
}
