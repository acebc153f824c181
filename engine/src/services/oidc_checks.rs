//! OIDC endpoint checks: requesting one, reading results, history, latency
//! series and comparisons. A check is a machine action that anyone who may
//! view the environment may ask for; results are as visible as the
//! environment.

use domain::oidc::{LatencySeries, MatrixRow, OidcCheck, OidcMatrix};
use domain::{EnvironmentName, EnvironmentStatus};

use crate::authz::{environment_object, Action};
use crate::oidc::{compare, Comparison, LatencyPoint, OidcCheckJob, Trigger};
use crate::queue::{self, JobId};
use crate::store::{audit, environments, now_ms, oidc_checks, NewAuditEvent};
use crate::{Actor, Engine, Error};

/// Most results one history call returns.
pub const MAX_HISTORY: i64 = 500;

impl Engine {
    /// Queues a check of `env`'s issuer (or returns the one already queued
    /// or running), audited, in one transaction.
    #[tracing::instrument(skip_all, fields(actor = %actor, environment = %env))]
    pub async fn request_oidc_check(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
    ) -> Result<JobId, Error> {
        self.authorize(actor, Action::ViewEnvironment(env)).await?;
        let row = self.environment_row(env).await?;
        if row.summary.status == EnvironmentStatus::Destroyed {
            return Err(Error::Conflict(format!("environment {env} is destroyed")));
        }
        let mut tx = self.store().pool().begin().await?;
        let job = OidcCheckJob::new_job(env.as_str(), Trigger::Manual, &actor.principal);
        let (id, deduplicated) = match queue::enqueue_unless_pending(&mut *tx, job).await? {
            Some(id) => (id, false),
            None => {
                let id = oidc_checks::pending_job(&mut *tx, env.as_str())
                    .await?
                    .ok_or_else(|| {
                        Error::Conflict("a check was finishing just now; ask again".to_owned())
                    })?;
                (JobId(id), true)
            }
        };
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action: "oidc.check.request",
                object: &environment_object(env),
                allowed: true,
                reason: None,
                before: None,
                after: Some(serde_json::json!({ "job": id, "already_pending": deduplicated })),
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// `env`'s results, newest first, at most `limit` (1 to [`MAX_HISTORY`]).
    pub async fn oidc_check_history(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        limit: i64,
    ) -> Result<Vec<OidcCheck>, Error> {
        self.authorize(actor, Action::ViewEnvironment(env)).await?;
        let limit = limit.clamp(1, MAX_HISTORY);
        let records = oidc_checks::history(self.store().pool(), env.as_str(), limit).await?;
        Ok(records.iter().map(|r| r.to_check()).collect())
    }

    /// The matrix: every environment the actor may view (destroyed ones
    /// left out), by name, with its newest result.
    pub async fn latest_oidc_checks(&self, actor: &Actor) -> Result<OidcMatrix, Error> {
        let visible = self.visible_environments(actor).await?;
        let pool = self.store().pool();
        let mut latest = oidc_checks::latest_per_environment(pool).await?;
        let rows = environments::list(pool)
            .await?
            .into_iter()
            .map(|row| row.summary)
            .filter(|env| env.status != EnvironmentStatus::Destroyed)
            .filter(|env| {
                visible
                    .as_ref()
                    .is_none_or(|v| v.contains(env.name.as_str()))
            })
            .map(|env| {
                let found = latest
                    .iter()
                    .position(|r| r.environment == env.name.as_str());
                MatrixRow {
                    environment: env.name,
                    check: found.map(|i| latest.swap_remove(i).to_check()),
                }
            })
            .collect();
        Ok(OidcMatrix {
            rules: crate::oidc::rule_columns(),
            rows,
        })
    }

    /// `env`'s timings over the last `window_ms`, oldest first, with the
    /// engine's clock.
    pub async fn oidc_latency(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        window_ms: i64,
    ) -> Result<LatencySeries, Error> {
        let now = now_ms();
        let points = self.oidc_check_series(actor, env, now - window_ms).await?;
        Ok(LatencySeries { now, points })
    }

    /// `env`'s timings since `since_ms`, oldest first, for charts.
    pub async fn oidc_check_series(
        &self,
        actor: &Actor,
        env: &EnvironmentName,
        since_ms: i64,
    ) -> Result<Vec<LatencyPoint>, Error> {
        self.authorize(actor, Action::ViewEnvironment(env)).await?;
        Ok(oidc_checks::series(self.store().pool(), env.as_str(), since_ms).await?)
    }

    /// What differs between the discovery documents and keys of `a` and
    /// `b`, from their newest results.
    pub async fn compare_oidc(
        &self,
        actor: &Actor,
        a: &EnvironmentName,
        b: &EnvironmentName,
    ) -> Result<Comparison, Error> {
        self.authorize(actor, Action::ViewEnvironment(a)).await?;
        self.authorize(actor, Action::ViewEnvironment(b)).await?;
        let pool = self.store().pool();
        let missing = |env: &EnvironmentName| Error::NotFound(format!("an OIDC check of {env}"));
        let left = oidc_checks::latest(pool, a.as_str())
            .await?
            .ok_or_else(|| missing(a))?;
        let right = oidc_checks::latest(pool, b.as_str())
            .await?
            .ok_or_else(|| missing(b))?;
        Ok(compare(&left.report, &right.report))
    }
}
