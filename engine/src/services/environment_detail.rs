//! One environment with what its page and the REST API show beyond the
//! summary: its layers, its lock, what the caller may do and its recent jobs.

use domain::{EnvironmentName, EnvironmentSummary};
use serde::Serialize;

use crate::authz::{environment_object, Action};
use crate::queue::{self, Job, JobFilter};
use crate::store::environments;
use crate::{Actor, Engine, Error};

/// How many recent jobs [`Engine::environment_detail`] returns.
pub const RECENT_JOBS: i64 = 10;

/// An environment in detail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvironmentDetail {
    pub environment: EnvironmentSummary,
    /// The enabled layers, in blueprint order.
    pub layers: Vec<String>,
    /// Why no infrastructure job may run, when locked.
    pub locked_reason: Option<String>,
    /// Whether the caller may apply (and lock, cancel, retry) here.
    pub can_apply: bool,
    /// Whether the caller may destroy it.
    pub can_destroy: bool,
    /// Newest first, at most [`RECENT_JOBS`].
    pub recent_jobs: Vec<Job>,
}

impl Engine {
    /// One environment in detail; not found when it does not exist or the
    /// actor may not view it. The permissions are hints for the UI: every
    /// action is authorized again when it is asked for.
    #[tracing::instrument(skip_all, fields(actor = %actor, environment = %name))]
    pub async fn environment_detail(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
    ) -> Result<EnvironmentDetail, Error> {
        self.authorize(actor, Action::ViewEnvironment(name)).await?;
        let row = environments::get_by_name(self.store().pool(), name)
            .await?
            .ok_or_else(|| Error::NotFound(format!("environment {name}")))?;
        let filter = JobFilter {
            environment: Some(name.as_str().to_owned()),
            limit: RECENT_JOBS,
            ..JobFilter::default()
        };
        let recent_jobs = queue::list_jobs(self.store().pool(), &filter).await?;
        Ok(EnvironmentDetail {
            environment: row.summary,
            layers: row.layers,
            locked_reason: row.locked_reason,
            can_apply: self.may(actor, "can_apply", name).await,
            can_destroy: self.may(actor, "can_destroy", name).await,
            recent_jobs,
        })
    }

    /// Whether `actor` holds `relation` on `env`; false when unsure.
    async fn may(&self, actor: &Actor, relation: &str, env: &EnvironmentName) -> bool {
        if actor.is_system() {
            return true;
        }
        if actor.is_anonymous() {
            return false;
        }
        let object = environment_object(env);
        matches!(
            self.authorizer()
                .check(&actor.principal, relation, &object)
                .await,
            Ok(true)
        )
    }
}
