//! The stages of a promotion, each run by one `promotion.execute` job.

use std::path::Path;

use domain::{
    EnvironmentName, Hold, Manifest, PlanSummary, PromotionId, PromotionState, Warning,
    WarningKind, WorkspacePlan,
};
use serde_json::{Map, Value};

use super::verify::{Outcome, Verification};
use super::{overlay, release_set, sha256, PromotionDeps, PromotionJob, Stage, PLAN_FILE};

/// The check plan of a resumed apply.
const RESUME_FILE: &str = "palette-promotion-resume.tfplan";
use crate::queue::{JobContext, JobError, Phase, StepStatus};
use crate::runner::layer::{LayerRun, LayerSteps};
use crate::runner::workspace;
use crate::runner::LayerSpec;
use crate::store::environments::{self, EnvironmentRow};
use crate::store::promotions::{self, NewDeployment, PromotionRow};
use crate::store::{layer_outputs, now_ms, StoreError};

/// The actor of the transitions a job makes.
const PALETTE: &str = "palette";

#[tracing::instrument(skip_all, fields(job = %ctx.id(), promotion = job.promotion, stage = ?job.stage))]
pub(super) async fn run(
    ctx: &JobContext,
    deps: &PromotionDeps,
    job: &PromotionJob,
) -> Result<(), JobError> {
    let id = PromotionId(job.promotion);
    let row = promotions::get_row(ctx.store().pool(), id)
        .await?
        .ok_or_else(|| JobError::failed(format!("promotion {id} does not exist")))?;
    let env = environments::get_by_name(ctx.store().pool(), &row.promotion.target)
        .await?
        .ok_or_else(|| {
            JobError::failed(format!(
                "environment {} does not exist",
                row.promotion.target
            ))
        })?;
    let stage = Stages {
        ctx,
        deps,
        env: &env,
    };
    let result = match job.stage {
        Stage::Plan => stage.plan(&row).await,
        Stage::Apply => stage.apply(&row).await,
        Stage::Rollback => stage.rollback(&row).await,
        Stage::Verify => stage.reverify(&row).await,
    };
    ctx.flush_logs().await;
    // A write refused because someone moved the promotion first (a cancel
    // while it ran): the job ends as what happened, not as a fault.
    if let Err(JobError::Transient(_)) = &result {
        if let Ok(Some(now)) = promotions::get_row(ctx.store().pool(), id).await {
            if now.promotion.state == PromotionState::Cancelled {
                return Err(JobError::Cancelled { stopped_at: None });
            }
        }
    }
    result
}

struct Stages<'a> {
    ctx: &'a JobContext,
    deps: &'a PromotionDeps,
    env: &'a EnvironmentRow,
}

impl Stages<'_> {
    /// The layers that deploy any of `applications`, in dependency order.
    fn layers(&self, applications: &[String]) -> Vec<LayerSpec> {
        self.deps
            .runner
            .config()
            .blueprint
            .order()
            .iter()
            .filter(|l| self.env.layers.is_empty() || self.env.layers.contains(&l.name))
            .filter(|l| l.applications.iter().any(|a| applications.contains(a)))
            .cloned()
            .collect()
    }

    /// Runs `f` and, when it fails, moves the promotion to `on_error`
    /// (freeing the slot) before passing the error on. Cancellation and
    /// lost leases change nothing: whoever cancelled set the state.
    async fn or_end(
        &self,
        row: &PromotionRow,
        on_error: PromotionState,
        result: Result<(), JobError>,
    ) -> Result<(), JobError> {
        if let Err(JobError::Failed { message, .. }) = &result {
            let state = if message.contains("Saved plan is stale") {
                PromotionState::Superseded
            } else {
                on_error
            };
            let text = if state == PromotionState::Superseded {
                "the target's state changed since the plan (saved plan is stale): re-plan it, \
                 which needs approval again"
                    .to_owned()
            } else {
                message.clone()
            };
            self.finish(
                row.promotion.id,
                &row.promotion.target,
                row.promotion.state,
                state,
                &text,
            )
            .await?;
        }
        result
    }

    /// A fenced transition that frees the slot (and starts the next).
    async fn finish(
        &self,
        id: PromotionId,
        target: &EnvironmentName,
        from: PromotionState,
        state: PromotionState,
        message: &str,
    ) -> Result<(), JobError> {
        let mut tx = self.ctx.begin_fenced().await?;
        promotions::transition(&mut tx, id, from, state, PALETTE, message, now_ms()).await?;
        super::start_next(&mut tx, target).await?;
        tx.commit().await.map_err(StoreError::Database)?;
        Ok(())
    }

    async fn plan(&self, row: &PromotionRow) -> Result<(), JobError> {
        let p = &row.promotion;
        if p.state != PromotionState::Planning {
            self.ctx.log(
                None,
                format!("promotion {} is {}: nothing to plan", p.id, p.state),
            );
            return Ok(());
        }
        let result = self.plan_inner(row).await;
        self.or_end(row, PromotionState::Failed, result).await
    }

    async fn plan_inner(&self, row: &PromotionRow) -> Result<(), JobError> {
        let p = &row.promotion;
        if let Some(reason) = &self.env.locked_reason {
            return Err(JobError::failed(format!(
                "{} is locked: {reason}",
                p.target
            )));
        }
        let layers = self.layers(&p.applications);
        let steps: Vec<(String, Phase)> = layers
            .iter()
            .map(|l| (l.name.clone(), Phase::Plan))
            .collect();
        self.ctx.ensure_steps(&steps).await?;
        let manifest = overlay(&self.env.summary.manifest, &p.incoming.applications);
        let positions = crate::queue::steps(self.ctx.store().pool(), self.ctx.id()).await?;
        let mut plans = Vec::new();
        for layer in &layers {
            let Some(step) = positions
                .iter()
                .find(|s| s.layer == layer.name && s.phase == Phase::Plan)
            else {
                return Err(JobError::failed(format!(
                    "job has no step for layer {}",
                    layer.name
                )));
            };
            let ws = self.workspace(layer, &manifest).await?;
            let run = self.layer_run(layer, &ws, step.position, step.position);
            let planned = run.plan().await?;
            let bytes = std::fs::read(ws.join(PLAN_FILE)).map_err(|e| {
                JobError::failed(format!("reading the saved plan of {}: {e}", layer.name))
            })?;
            plans.push(WorkspacePlan {
                layer: layer.name.clone(),
                summary: planned.summary,
                changes: crate::runner::jsonui::resource_changes(&planned.shown),
                plan_hash: sha256(&bytes),
            });
        }
        let joined: String = plans
            .iter()
            .map(|w| format!("{} {}\n", w.layer, w.plan_hash))
            .collect();
        let plan_hash = sha256(joined.as_bytes());
        let mut warnings: Vec<Warning> = row
            .warnings
            .iter()
            .filter(|w| w.kind == WarningKind::Channel)
            .cloned()
            .collect();
        warnings.extend(plan_warnings(&plans));
        let mut tx = self.ctx.begin_fenced().await?;
        promotions::set_plans(&mut *tx, p.id, &plans, &plan_hash, &warnings).await?;
        let summary = total(&plans);
        let planned = format!(
            "planned {} workspace(s): {} to add, {} to change, {} to destroy",
            plans.len(),
            summary.add,
            summary.change,
            summary.destroy
        );
        let now = now_ms();
        if row.policy.required_approvals == 0 {
            promotions::transition(
                &mut tx,
                p.id,
                PromotionState::Planning,
                PromotionState::Applying,
                PALETTE,
                &format!("{planned}; no approval required, applying"),
                now,
            )
            .await?;
            super::enqueue_stage(&mut tx, p, Stage::Apply, &p.requested_by).await?;
        } else {
            promotions::transition(
                &mut tx,
                p.id,
                PromotionState::Planning,
                PromotionState::AwaitingApproval,
                PALETTE,
                &format!(
                    "{planned}; waiting for {} approval(s)",
                    row.policy.required_approvals
                ),
                now,
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::Database)?;
        Ok(())
    }

    async fn apply(&self, row: &PromotionRow) -> Result<(), JobError> {
        let p = &row.promotion;
        match p.state {
            PromotionState::Applying => {
                let result = self.apply_inner(row).await;
                self.or_end(row, PromotionState::Failed, result).await?;
                let row = self.reload(p.id).await?;
                self.verify_and_decide(&row).await
            }
            // The worker died while verifying: verify again.
            PromotionState::Verifying => self.verify_and_decide(row).await,
            other => {
                self.ctx.log(
                    None,
                    format!("promotion {} is {other}: nothing to apply", p.id),
                );
                Ok(())
            }
        }
    }

    async fn reload(&self, id: PromotionId) -> Result<PromotionRow, JobError> {
        promotions::get_row(self.ctx.store().pool(), id)
            .await?
            .ok_or_else(|| JobError::failed(format!("promotion {id} disappeared")))
    }

    /// Applies each workspace's saved plan, exactly as approved.
    async fn apply_inner(&self, row: &PromotionRow) -> Result<(), JobError> {
        let p = &row.promotion;
        if let Some(reason) = &self.env.locked_reason {
            return Err(JobError::failed(format!(
                "{} is locked: {reason}",
                p.target
            )));
        }
        let layers = self.layers(&p.applications);
        let steps: Vec<(String, Phase)> = layers
            .iter()
            .map(|l| (l.name.clone(), Phase::Apply))
            .collect();
        self.ctx.ensure_steps(&steps).await?;
        let positions = crate::queue::steps(self.ctx.store().pool(), self.ctx.id()).await?;
        let infra = &self.deps.runner.config().infra_dir;
        for layer in &layers {
            let Some(step) = positions
                .iter()
                .find(|s| s.layer == layer.name && s.phase == Phase::Apply)
            else {
                return Err(JobError::failed(format!(
                    "job has no step for layer {}",
                    layer.name
                )));
            };
            if step.status == StepStatus::Succeeded {
                self.ctx.log(
                    Some(step.position),
                    format!("palette: layer {} already applied; skipped", layer.name),
                );
                continue;
            }
            let Some(plan) = row.plans.iter().find(|w| w.layer == layer.name) else {
                return Err(JobError::failed(format!(
                    "no saved plan for layer {}",
                    layer.name
                )));
            };
            let ws = workspace::prepare(
                infra,
                layer,
                self.env.summary.name.as_str(),
                self.env.summary.tier.as_str(),
            )
            .map_err(|e| JobError::failed(format!("workspace: {e}")))?;
            if step.status == StepStatus::Running && self.ctx.attempt() > 1 {
                // A worker died while applying this layer: its process may
                // have finished the apply. When a fresh plan of the same
                // revisions changes nothing, what was approved is in place.
                let manifest = overlay(&self.env.summary.manifest, &p.incoming.applications);
                let ws = self.workspace(layer, &manifest).await?;
                let mut run = self.layer_run(layer, &ws, step.position, step.position);
                run.plan_file = RESUME_FILE;
                let planned = run.plan().await?;
                let s = planned.summary;
                if s.add + s.change + s.destroy == 0 {
                    self.ctx.log(
                        Some(step.position),
                        format!(
                            "palette: the interrupted apply of {} had completed; nothing left to change",
                            layer.name
                        ),
                    );
                    let outputs = run.apply(s).await?;
                    self.store_outputs(&layer.name, &outputs).await?;
                    continue;
                }
            }
            let found = std::fs::read(ws.join(PLAN_FILE))
                .map(|b| sha256(&b))
                .unwrap_or_default();
            if found != plan.plan_hash {
                return Err(JobError::failed(
                    "Saved plan is stale: the plan file is not the one that was approved",
                ));
            }
            let run = self.layer_run(layer, &ws, step.position, step.position);
            let outputs = run.apply(plan.summary).await?;
            self.store_outputs(&layer.name, &outputs).await?;
        }
        let manifest = overlay(&self.env.summary.manifest, &p.incoming.applications);
        let mut tx = self.ctx.begin_fenced().await?;
        environments::set_manifest(&mut *tx, &p.target, &manifest).await?;
        let deployment = promotions::insert_deployment(
            &mut *tx,
            &NewDeployment {
                environment: &p.target,
                release_set: &release_set(manifest),
                at: now_ms(),
                actor: &p.requested_by,
                promotion: Some(p.id),
                job: Some(self.ctx.id()),
                verified: false,
                rollback: false,
            },
        )
        .await?;
        promotions::set_deployment(&mut *tx, p.id, deployment).await?;
        promotions::transition(
            &mut tx,
            p.id,
            PromotionState::Applying,
            PromotionState::Verifying,
            PALETTE,
            &format!(
                "applied; verifying {} until {} check(s) pass",
                self.env.summary.oidc_issuer, row.policy.verify_passes
            ),
            now_ms(),
        )
        .await?;
        tx.commit().await.map_err(StoreError::Database)?;
        Ok(())
    }

    async fn verify(
        &self,
        row: &PromotionRow,
        state: PromotionState,
        rollback: bool,
    ) -> Result<Outcome, JobError> {
        Verification {
            ctx: self.ctx,
            checker: &self.deps.checker,
            promotion: row.promotion.id,
            environment: &row.promotion.target,
            issuer: &self.env.summary.oidc_issuer,
            policy: &row.policy,
            state,
            rollback,
            checks: row.checks.clone(),
        }
        .run()
        .await
    }

    /// Verifies the applied promotion and moves it on: succeeded, rolling
    /// back (a failed rule with auto-rollback on) or awaiting a decision.
    async fn verify_and_decide(&self, row: &PromotionRow) -> Result<(), JobError> {
        let p = &row.promotion;
        if p.state != PromotionState::Verifying {
            return Ok(());
        }
        let outcome = self.verify(row, PromotionState::Verifying, false).await?;
        let mut tx = self.ctx.begin_fenced().await?;
        let now = now_ms();
        match outcome {
            Outcome::Passed => {
                if let Some(d) = row.deployment {
                    promotions::set_verified(&mut *tx, d, true).await?;
                }
                promotions::transition(
                    &mut tx,
                    p.id,
                    PromotionState::Verifying,
                    PromotionState::Succeeded,
                    PALETTE,
                    "verified: the target's OIDC endpoint passed every check",
                    now,
                )
                .await?;
                super::start_next(&mut tx, &p.target).await?;
            }
            Outcome::Failed(rules) if row.policy.auto_rollback => {
                let to = rollback_target(self.ctx.store().pool(), row).await?;
                promotions::set_rollback(&mut *tx, p.id, &to).await?;
                promotions::transition(
                    &mut tx,
                    p.id,
                    PromotionState::Verifying,
                    PromotionState::RollingBack,
                    PALETTE,
                    &format!(
                        "verification failed ({}); rolling back automatically",
                        rules.join(", ")
                    ),
                    now,
                )
                .await?;
                super::enqueue_stage(&mut tx, p, Stage::Rollback, &p.requested_by).await?;
            }
            Outcome::Failed(rules) => {
                promotions::transition(
                    &mut tx,
                    p.id,
                    PromotionState::Verifying,
                    PromotionState::AwaitingDecision,
                    PALETTE,
                    &format!(
                        "verification failed ({}); auto-rollback is off: accept it or roll back",
                        rules.join(", ")
                    ),
                    now,
                )
                .await?;
            }
            Outcome::Undecided(why) => {
                promotions::transition(
                    &mut tx,
                    p.id,
                    PromotionState::Verifying,
                    PromotionState::AwaitingDecision,
                    PALETTE,
                    &format!("verification undecided: {why}; accept it or roll back"),
                    now,
                )
                .await?;
            }
        }
        tx.commit().await.map_err(StoreError::Database)?;
        Ok(())
    }

    /// Plans and applies the revisions to roll back to (no approval: a
    /// rollback goes to what was verified), holds the bad revisions, and
    /// verifies. A rollback is never rolled back.
    async fn rollback(&self, row: &PromotionRow) -> Result<(), JobError> {
        let p = &row.promotion;
        if p.state != PromotionState::RollingBack {
            self.ctx.log(
                None,
                format!("promotion {} is {}: nothing to roll back", p.id, p.state),
            );
            return Ok(());
        }
        let result = self.rollback_inner(row).await;
        self.or_end(row, PromotionState::RollbackFailed, result)
            .await?;
        let row = self.reload(p.id).await?;
        if row.promotion.state != PromotionState::RollingBack {
            return Ok(());
        }
        let outcome = self.verify(&row, PromotionState::RollingBack, true).await?;
        let mut tx = self.ctx.begin_fenced().await?;
        let (state, message) = match outcome {
            Outcome::Passed => {
                if let Some(d) = row.deployment {
                    promotions::set_verified(&mut *tx, d, true).await?;
                }
                (
                    PromotionState::RolledBack,
                    "rolled back and verified".to_owned(),
                )
            }
            Outcome::Failed(rules) => (
                PromotionState::RollbackFailed,
                format!(
                    "the rollback failed verification too ({}); a person must step in",
                    rules.join(", ")
                ),
            ),
            Outcome::Undecided(why) => (
                PromotionState::RollbackFailed,
                format!("the rollback could not be verified: {why}"),
            ),
        };
        promotions::transition(
            &mut tx,
            p.id,
            PromotionState::RollingBack,
            state,
            PALETTE,
            &message,
            now_ms(),
        )
        .await?;
        super::start_next(&mut tx, &p.target).await?;
        tx.commit().await.map_err(StoreError::Database)?;
        Ok(())
    }

    async fn rollback_inner(&self, row: &PromotionRow) -> Result<(), JobError> {
        let p = &row.promotion;
        let Some(to) = &row.rollback_to else {
            return Err(JobError::failed("nothing to roll back to"));
        };
        let applications: Vec<String> = to.0.keys().cloned().collect();
        let layers = self.layers(&applications);
        let steps: Vec<(String, Phase)> = layers
            .iter()
            .flat_map(|l| {
                [
                    (l.name.clone(), Phase::Plan),
                    (l.name.clone(), Phase::Apply),
                ]
            })
            .collect();
        self.ctx.ensure_steps(&steps).await?;
        let positions = crate::queue::steps(self.ctx.store().pool(), self.ctx.id()).await?;
        let manifest = overlay(&self.env.summary.manifest, to);
        for layer in &layers {
            let find = |phase: Phase| {
                positions
                    .iter()
                    .find(|s| s.layer == layer.name && s.phase == phase)
            };
            let (Some(plan), Some(apply)) = (find(Phase::Plan), find(Phase::Apply)) else {
                return Err(JobError::failed(format!(
                    "job has no steps for layer {}",
                    layer.name
                )));
            };
            if apply.status == StepStatus::Succeeded {
                continue;
            }
            let ws = self.workspace(layer, &manifest).await?;
            let run = self.layer_run(layer, &ws, plan.position, apply.position);
            let outputs = run.run().await?;
            self.store_outputs(&layer.name, &outputs).await?;
        }
        let now = now_ms();
        let mut tx = self.ctx.begin_fenced().await?;
        environments::set_manifest(&mut *tx, &p.target, &manifest).await?;
        let deployment = promotions::insert_deployment(
            &mut *tx,
            &NewDeployment {
                environment: &p.target,
                release_set: &release_set(manifest),
                at: now,
                actor: PALETTE,
                promotion: Some(p.id),
                job: Some(self.ctx.id()),
                verified: false,
                rollback: true,
            },
        )
        .await?;
        promotions::set_deployment(&mut *tx, p.id, deployment).await?;
        for (app, entry) in &p.incoming.applications.0 {
            let Some(revision) = entry.revision else {
                continue;
            };
            if to.0.get(app).and_then(|e| e.revision) == Some(revision) {
                continue;
            }
            let hold = Hold {
                environment: p.target.clone(),
                application: app.clone(),
                charm: entry.charm.clone(),
                revision,
                reason: format!("rolled back by promotion {}: {}", p.id, p.message),
                at: now,
                by: PALETTE.to_owned(),
                promotion: Some(p.id),
            };
            promotions::insert_hold(&mut *tx, &hold).await?;
            crate::store::audit::append(
                &mut *tx,
                &crate::store::NewAuditEvent {
                    at: now,
                    actor: PALETTE,
                    action: "hold.create",
                    object: &crate::authz::environment_object(&p.target),
                    allowed: true,
                    reason: Some(&hold.reason),
                    before: None,
                    after: serde_json::to_value(&hold).ok(),
                    request_id: None,
                    client: None,
                },
            )
            .await?;
        }
        promotions::event(
            &mut tx,
            p.id,
            PromotionState::RollingBack,
            PALETTE,
            "rolled back the revisions; the bad ones are held on this environment; verifying",
            now,
        )
        .await?;
        tx.commit().await.map_err(StoreError::Database)?;
        Ok(())
    }

    /// Verifies a succeeded promotion again; a failure un-verifies its
    /// deployment entry.
    async fn reverify(&self, row: &PromotionRow) -> Result<(), JobError> {
        let p = &row.promotion;
        let outcome = self.verify(row, p.state, false).await?;
        let mut tx = self.ctx.begin_fenced().await?;
        let (verified, message) = match &outcome {
            Outcome::Passed => (Some(true), "verified again".to_owned()),
            Outcome::Failed(rules) => (
                Some(false),
                format!(
                    "verification failed again ({}); the deployment is no longer verified",
                    rules.join(", ")
                ),
            ),
            Outcome::Undecided(why) => (None, format!("verification undecided: {why}")),
        };
        if let (Some(verified), Some(d)) = (verified, row.deployment) {
            promotions::set_verified(&mut *tx, d, verified).await?;
        }
        promotions::event(&mut tx, p.id, p.state, PALETTE, &message, now_ms()).await?;
        tx.commit().await.map_err(StoreError::Database)?;
        Ok(())
    }

    /// The layer's workspace with `manifest` in its variables.
    async fn workspace(
        &self,
        layer: &LayerSpec,
        manifest: &Manifest,
    ) -> Result<std::path::PathBuf, JobError> {
        crate::runner::handlers::prepare_workspace(
            self.ctx,
            &self.deps.runner,
            layer,
            &self.env.summary,
            manifest,
        )
        .await
    }

    fn layer_run<'r>(
        &'r self,
        layer: &'r LayerSpec,
        ws: &'r Path,
        plan: i64,
        apply: i64,
    ) -> LayerRun<'r> {
        LayerRun {
            runner: &self.deps.runner,
            ctx: self.ctx,
            layer: &layer.name,
            workspace: ws,
            destroy: false,
            steps: LayerSteps { plan, apply },
            deadline: tokio::time::Instant::now() + layer.timeout,
            timeout: layer.timeout,
            plan_file: PLAN_FILE,
        }
    }

    async fn store_outputs(
        &self,
        layer: &str,
        outputs: &Map<String, Value>,
    ) -> Result<(), JobError> {
        let mut tx = self.ctx.begin_fenced().await?;
        layer_outputs::put(&mut *tx, self.env.summary.name.as_str(), layer, outputs).await?;
        tx.commit().await.map_err(StoreError::Database)?;
        Ok(())
    }
}

/// What a rollback applies for the promoted applications: the last
/// verified entry of the target's history that names them all, else what
/// the target ran before the promotion.
pub(crate) async fn rollback_target(
    pool: &sqlx::AnyPool,
    row: &PromotionRow,
) -> Result<Manifest, StoreError> {
    let p = &row.promotion;
    let verified = promotions::last_verified(pool, &p.target, &p.applications).await?;
    let from = verified
        .filter(|d| Some(d.id) != row.deployment)
        .map_or_else(|| p.previous.clone(), |d| d.release_set.applications);
    Ok(Manifest(
        p.applications
            .iter()
            .filter_map(|a| from.0.get(a).map(|e| (a.clone(), e.clone())))
            .collect(),
    ))
}

fn total(plans: &[WorkspacePlan]) -> PlanSummary {
    plans.iter().fold(PlanSummary::default(), |mut t, w| {
        t.add += w.summary.add;
        t.change += w.summary.change;
        t.destroy += w.summary.destroy;
        t
    })
}

/// A red warning for every destroy and replace in the plans.
fn plan_warnings(plans: &[WorkspacePlan]) -> Vec<Warning> {
    plans
        .iter()
        .flat_map(|w| w.changes.iter().map(move |c| (w, c)))
        .filter_map(|(w, c)| {
            let deletes = c.actions.iter().any(|a| a == "delete");
            let creates = c.actions.iter().any(|a| a == "create");
            match (deletes, creates) {
                (true, true) => Some(Warning {
                    kind: WarningKind::Replace,
                    subject: c.address.clone(),
                    message: format!("{} replaces {} (destroy, then create)", w.layer, c.address),
                }),
                (true, false) => Some(Warning {
                    kind: WarningKind::Destroy,
                    subject: c.address.clone(),
                    message: format!("{} destroys {}", w.layer, c.address),
                }),
                _ => None,
            }
        })
        .collect()
}
