//! Creating, reading and listing environments.

use domain::{EnvironmentName, EnvironmentStatus, EnvironmentSummary, Manifest, NewEnvironment};

use serde::Serialize;

use crate::authz::{Action, Tuple, PLATFORM};
use crate::queue::{self, JobId, JobKind, NewJob};
use crate::runner::Blueprint;
use crate::store::{self, audit, environments, now_ms, NewAuditEvent};
use crate::{Actor, Engine, Error};

impl Engine {
    /// Every environment the actor may view, by name.
    #[tracing::instrument(skip_all, fields(actor = %actor))]
    pub async fn list_environments(&self, actor: &Actor) -> Result<Vec<EnvironmentSummary>, Error> {
        let visible = self.visible_environments(actor).await?;
        let rows = environments::list(self.store().pool()).await?;
        Ok(rows
            .into_iter()
            .map(|row| row.summary)
            .filter(|env| {
                visible
                    .as_ref()
                    .is_none_or(|v| v.contains(env.name.as_str()))
            })
            .collect())
    }

    /// One environment by name.
    #[tracing::instrument(skip_all, fields(actor = %actor, environment = %name))]
    pub async fn get_environment(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
    ) -> Result<EnvironmentSummary, Error> {
        self.authorize(actor, Action::ViewEnvironment(name)).await?;
        environments::get_by_name(self.store().pool(), name)
            .await?
            .map(|row| row.summary)
            .ok_or_else(|| Error::NotFound(format!("environment {name}")))
    }

    /// Records a new environment and its audit event in one transaction.
    #[tracing::instrument(skip_all, fields(actor = %actor, environment = %new.name))]
    pub async fn create_environment(
        &self,
        actor: &Actor,
        new: NewEnvironment,
        layers: Vec<String>,
        manifest: Option<Manifest>,
    ) -> Result<Created, Error> {
        self.authorize(actor, Action::CreateEnvironment).await?;
        let layers = select_layers(&layers)?;
        let now = now_ms();
        let manifest = manifest.unwrap_or_else(|| Manifest::identity_stack(new.channel.as_str()));
        let row = environments::EnvironmentRow {
            summary: EnvironmentSummary {
                name: new.name,
                tier: new.tier,
                purpose: new.purpose,
                channel: new.channel,
                oidc_issuer: new.oidc_issuer,
                status: EnvironmentStatus::Provisioning,
                manifest,
                created_at: now,
                created_by: actor.principal.clone(),
            },
            layers,
            locked_reason: None,
        };
        let object = format!("environment:{}", row.summary.name);
        let mut tx = self.store().pool().begin().await?;
        environments::insert(&mut *tx, &row)
            .await
            .map_err(|e| match e {
                store::StoreError::Conflict => Error::Conflict(format!(
                    "an environment named {} already exists",
                    row.summary.name
                )),
                other => other.into(),
            })?;
        let payload =
            serde_json::json!({ "environment": row.summary.name.as_str(), "layers": &row.layers });
        let job = queue::enqueue(
            &mut *tx,
            NewJob::new(
                JobKind::EnvironmentCreate,
                payload,
                actor.principal.as_str(),
            )
            .for_environment(row.summary.name.as_str()),
        )
        .await?;
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now,
                actor: &actor.principal,
                action: "environment.create",
                object: &object,
                allowed: true,
                reason: None,
                before: None,
                after: serde_json::to_value(&row.summary).ok(),
                request_id: actor.request_id.as_deref(),
            },
        )
        .await?;
        tx.commit().await?;
        // Relationships after the business transaction commits: the platform
        // link, and the creator (a person or client) as owner.
        let mut grants = vec![Tuple::new(PLATFORM, "platform", object.as_str())];
        if !actor.is_system() {
            grants.push(Tuple::new(
                actor.principal.as_str(),
                "owner",
                object.as_str(),
            ));
        }
        self.authorizer().write(&grants, &[]).await.map_err(|e| {
            Error::Unavailable(format!(
                "the environment was created but its owner could not be recorded: {e}"
            ))
        })?;
        tracing::info!(job = job.0, "environment created");
        Ok(Created {
            environment: row.summary,
            job,
        })
    }
}

/// A new environment and the job that builds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Created {
    pub environment: EnvironmentSummary,
    pub job: JobId,
}

/// The layers to build, in blueprint order: all of them when none are
/// named; otherwise the named ones, which must exist and include what they
/// depend on.
pub fn select_layers(requested: &[String]) -> Result<Vec<String>, Error> {
    let blueprint = Blueprint::default_blueprint().map_err(|e| Error::Internal(Box::new(e)))?;
    if requested.is_empty() {
        return Ok(blueprint.order().iter().map(|l| l.name.clone()).collect());
    }
    let invalid = |m: String| Error::invalid(domain::ValidationError::new("layers", m));
    for name in requested {
        if blueprint.get(name).is_none() {
            let known: Vec<_> = blueprint.order().iter().map(|l| l.name.as_str()).collect();
            return Err(invalid(format!(
                "unknown layer {name:?} (known: {})",
                known.join(", ")
            )));
        }
    }
    for layer in blueprint
        .order()
        .iter()
        .filter(|l| requested.contains(&l.name))
    {
        if let Some(missing) = layer.depends_on.iter().find(|d| !requested.contains(d)) {
            return Err(invalid(format!(
                "{} depends on {missing}, which is not selected",
                layer.name
            )));
        }
    }
    Ok(blueprint
        .order()
        .iter()
        .filter(|l| requested.contains(&l.name))
        .map(|l| l.name.clone())
        .collect())
}
