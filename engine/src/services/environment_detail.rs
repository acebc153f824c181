//! One environment with what its page and the REST API show beyond the
//! summary: its layers, its lock, what the caller may do and its recent jobs.

use domain::{Actions, EnvironmentDetail, EnvironmentName, Limit, Permissions};

use crate::authz::{environment_object, Action};
use crate::queue::{self, JobFilter, Visible};
use crate::{Actor, Engine, Error};

/// How many recent jobs [`Engine::environment_detail`] returns.
pub const RECENT_JOBS: i64 = 10;

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
        let row = self.environment_row(name).await?;
        let filter = JobFilter {
            environment: Some(name.clone()),
            limit: Limit::clamped(RECENT_JOBS),
            ..JobFilter::default()
        };
        let mut recent_jobs = queue::list_jobs(self.store().pool(), &filter, &Visible::All).await?;
        recent_jobs.truncate(filter.limit.get_usize());
        let permissions = Permissions {
            apply: self.may(actor, "can_apply", name).await,
            destroy: self.may(actor, "can_destroy", name).await,
        };
        let actions = Actions::new(permissions, row.summary.status, row.locked_reason.is_some());
        Ok(EnvironmentDetail {
            environment: row.summary,
            layers: row.layers,
            locked_reason: row.locked_reason,
            permissions,
            actions,
            recent_jobs,
        })
    }

    /// Whether `actor` holds `relation` on `env`; false when unsure.
    pub(crate) async fn may(&self, actor: &Actor, relation: &str, env: &EnvironmentName) -> bool {
        self.may_on(actor, relation, &environment_object(env)).await
    }

    /// Whether `actor` holds `relation` on `object` (a hint for what to
    /// offer; every action is authorized again); false when unsure.
    pub(crate) async fn may_on(&self, actor: &Actor, relation: &str, object: &str) -> bool {
        if actor.is_system() {
            return true;
        }
        if actor.is_anonymous() {
            return false;
        }
        matches!(
            self.authorizer()
                .check(&actor.principal, relation, object)
                .await,
            Ok(true)
        )
    }
}
