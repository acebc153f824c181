//! Creating, reading and listing environments.

use domain::job::JobRef;
use domain::{
    Created, EnvironmentName, EnvironmentStatus, EnvironmentSummary, Manifest, NewEnvironment,
    ValidationError,
};

use crate::authz::{Action, Tuple, PLATFORM};
use crate::queue::{self, JobKind, NewJob};
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

    /// The names of the environments the actor may view, in order: for
    /// the pages' choices of environment, which need nothing else.
    #[tracing::instrument(skip_all, fields(actor = %actor))]
    pub async fn environment_names(&self, actor: &Actor) -> Result<Vec<EnvironmentName>, Error> {
        let visible = self.visible_environments(actor).await?;
        Ok(environments::names(self.store().pool())
            .await?
            .into_iter()
            .filter(|name| visible.as_ref().is_none_or(|v| v.contains(name.as_str())))
            .collect())
    }

    /// A page of the environments the actor may view, by name, after `after`.
    pub async fn environments_page(
        &self,
        actor: &Actor,
        after: Option<&EnvironmentName>,
        limit: domain::Limit,
    ) -> Result<domain::Page<EnvironmentSummary, EnvironmentName>, Error> {
        let items: Vec<_> = self
            .list_environments(actor)
            .await?
            .into_iter()
            .filter(|env| after.is_none_or(|after| env.name > *after))
            .take(limit.get_usize() + 1)
            .collect();
        Ok(domain::Page::from_overfetch(items, limit, |env| {
            env.name.clone()
        }))
    }

    /// One environment by name.
    #[tracing::instrument(skip_all, fields(actor = %actor, environment = %name))]
    pub async fn get_environment(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
    ) -> Result<EnvironmentSummary, Error> {
        self.authorize(actor, Action::ViewEnvironment(name)).await?;
        Ok(self.environment_row(name).await?.summary)
    }

    /// The stored environment, or not found.
    pub(crate) async fn environment_row(
        &self,
        name: &EnvironmentName,
    ) -> Result<environments::EnvironmentRow, Error> {
        environments::get_by_name(self.store().pool(), name)
            .await?
            .ok_or_else(|| Error::NotFound(format!("environment {name}")))
    }

    /// Records a new environment, its audit event and the job that builds
    /// it in one transaction. The manifest (when given) and the layers are
    /// validated here, whoever asks.
    #[tracing::instrument(skip_all, fields(actor = %actor, environment = %new.name))]
    pub async fn create_environment(
        &self,
        actor: &Actor,
        new: NewEnvironment,
    ) -> Result<Created, Error> {
        self.authorize(actor, Action::CreateEnvironment).await?;
        let layers = self
            .blueprint()
            .choose(&new.layers)
            .map_err(Error::invalid)?;
        if let Some(manifest) = &new.manifest {
            manifest.validate().map_err(Error::Invalid)?;
        }
        let now = now_ms();
        let manifest = new
            .manifest
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| Manifest::identity_stack(new.channel.as_str()));
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
                store::StoreError::Conflict => Error::Taken(ValidationError::new(
                    "name",
                    format!(
                        "an environment named {} already exists: pick another colour",
                        row.summary.name
                    ),
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
                client: actor.client.as_deref(),
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
            Error::unavailable(
                "the environment was created but its owner could not be recorded",
                &e,
            )
        })?;
        tracing::info!(job = job.0, "environment created");
        Ok(Created {
            environment: row.summary,
            job: JobRef { id: job },
        })
    }
}
