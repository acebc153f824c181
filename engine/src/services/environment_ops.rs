//! Operating an environment: apply layers again, destroy, lock and unlock.

use domain::{EnvironmentName, EnvironmentStatus, Lock, LockRequest};

use crate::authz::Action;
use crate::queue::{self, JobId, JobKind, NewJob};
use crate::store::{audit, environments, now_ms, NewAuditEvent};
use crate::{Actor, Engine, Error};

impl Engine {
    /// Queues an apply of `layers` (all of the environment's when empty).
    /// A locked or destroyed environment runs no infrastructure job.
    #[tracing::instrument(skip_all, fields(actor = %actor, environment = %name))]
    pub async fn apply_environment(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
        layers: &[String],
    ) -> Result<JobId, Error> {
        self.authorize(actor, Action::ApplyEnvironment(name))
            .await?;
        let env = self.operable(name).await?;
        let layers = if layers.is_empty() {
            env.layers.clone()
        } else {
            self.blueprint().choose(layers).map_err(Error::invalid)?
        };
        // A layer of the blueprint that this environment was not built
        // with: the request is well-formed; the environment's state refuses it.
        if let Some(extra) = layers.iter().find(|l| !env.layers.contains(l)) {
            return Err(Error::Conflict(format!(
                "{name} does not include the layer {extra}"
            )));
        }
        let payload = serde_json::json!({ "environment": name.as_str(), "layers": layers });
        self.enqueue_audited(
            actor,
            name,
            JobKind::EnvironmentApply,
            payload,
            "environment.apply",
            None,
        )
        .await
    }

    /// Queues the destroy of every layer, in reverse dependency order.
    #[tracing::instrument(skip_all, fields(actor = %actor, environment = %name))]
    pub async fn destroy_environment(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
    ) -> Result<JobId, Error> {
        self.authorize(actor, Action::DestroyEnvironment(name))
            .await?;
        self.operable(name).await?;
        let payload = serde_json::json!({ "environment": name.as_str() });
        self.enqueue_audited(
            actor,
            name,
            JobKind::EnvironmentDestroy,
            payload,
            "environment.destroy",
            Some(EnvironmentStatus::Destroying),
        )
        .await
    }

    /// Locks an environment: no infrastructure job runs until unlocked.
    pub async fn lock_environment(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
        request: &LockRequest,
    ) -> Result<Lock, Error> {
        let reason = request.parse().map_err(Error::invalid)?;
        self.set_lock(actor, name, Some(&reason)).await?;
        Ok(Lock {
            name: name.clone(),
            locked_reason: Some(reason),
        })
    }

    pub async fn unlock_environment(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
    ) -> Result<Lock, Error> {
        self.set_lock(actor, name, None).await?;
        Ok(Lock {
            name: name.clone(),
            locked_reason: None,
        })
    }

    async fn set_lock(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
        reason: Option<&str>,
    ) -> Result<(), Error> {
        self.authorize(actor, Action::ApplyEnvironment(name))
            .await?;
        let mut tx = self.store().pool().begin().await?;
        environments::set_lock(&mut *tx, name, reason)
            .await
            .map_err(|e| match e {
                crate::StoreError::NotFound => Error::NotFound(format!("environment {name}")),
                other => other.into(),
            })?;
        let object = crate::authz::environment_object(name);
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action: if reason.is_some() {
                    "environment.lock"
                } else {
                    "environment.unlock"
                },
                object: &object,
                allowed: true,
                reason,
                before: None,
                after: None,
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The environment when it may run infrastructure jobs.
    async fn operable(
        &self,
        name: &EnvironmentName,
    ) -> Result<environments::EnvironmentRow, Error> {
        let env = self.environment_row(name).await?;
        if let Some(reason) = &env.locked_reason {
            return Err(Error::Conflict(format!("{name} is locked: {reason}")));
        }
        if env.summary.status == EnvironmentStatus::Destroyed {
            return Err(Error::Conflict(format!("{name} has been destroyed")));
        }
        Ok(env)
    }

    async fn enqueue_audited(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
        kind: JobKind,
        payload: serde_json::Value,
        action: &str,
        status: Option<EnvironmentStatus>,
    ) -> Result<JobId, Error> {
        let mut tx = self.store().pool().begin().await?;
        let job = queue::enqueue(
            &mut *tx,
            NewJob::new(kind, payload.clone(), actor.principal.as_str())
                .for_environment(name.as_str()),
        )
        .await?;
        if let Some(status) = status {
            environments::set_status(&mut *tx, name, status).await?;
        }
        let object = crate::authz::environment_object(name);
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action,
                object: &object,
                allowed: true,
                reason: None,
                before: None,
                after: Some(serde_json::json!({ "job": job.0, "payload": payload })),
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(job)
    }
}
