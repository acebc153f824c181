//! The `promotion.execute` job: one stage of a promotion per job (plan,
//! apply and verify, roll back and verify, verify again), in the target's
//! workspaces and under the target's concurrency key, so promotions and
//! layer jobs of one environment never run at once.
//!
//! Every write a stage makes goes through a fenced transaction: a worker
//! that lost its lease changes nothing, and the worker that took the job
//! over resumes it (applied layers are not applied twice).

mod stages;
mod verify;

use std::sync::Arc;

use domain::{EnvironmentName, JobId, Manifest, Promotion, PromotionState, ReleaseSet};
use palette_oidc_check::Checker;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Any;

use crate::queue::{self, BackgroundJob, JobContext, JobError, JobKind, NewJob};
use crate::runner::LayerRunner;
use crate::store::{promotions, StoreError};

pub(crate) use stages::rollback_target;
pub use verify::Outcome;

/// The saved plan a promotion applies, beside the layer jobs' own.
pub const PLAN_FILE: &str = "palette-promotion.tfplan";

/// Which part of a promotion a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Plan the incoming revisions in every affected workspace.
    Plan,
    /// Apply the approved plan, then verify.
    Apply,
    /// Plan and apply the last verified revisions, then verify.
    Rollback,
    /// Verify a succeeded promotion again.
    Verify,
}

/// The payload of a `promotion.execute` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionJob {
    pub promotion: i64,
    pub stage: Stage,
}

/// What the stages run: layers and OIDC checks.
#[derive(Clone, Debug)]
pub struct PromotionDeps {
    pub runner: Arc<LayerRunner>,
    pub checker: Checker,
}

impl BackgroundJob for PromotionJob {
    const KIND: JobKind = JobKind::PromotionExecute;
    type Context = PromotionDeps;

    async fn run(self, ctx: JobContext, deps: PromotionDeps) -> Result<(), JobError> {
        stages::run(&ctx, &deps, &self).await
    }
}

/// The registry with the `promotion.execute` handler.
pub fn register(
    registry: queue::Registry,
    runner: Arc<LayerRunner>,
    checker: Checker,
) -> queue::Registry {
    registry.register::<PromotionJob>(PromotionDeps { runner, checker })
}

/// `sha256:` and the hex digest of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// The release set of `applications`, its id the hash of its canonical JSON.
pub fn release_set(applications: Manifest) -> ReleaseSet {
    let id = sha256(ReleaseSet::canonical(&applications).as_bytes());
    ReleaseSet { id, applications }
}

/// `base` with `overlay`'s applications replacing or joining its own.
pub fn overlay(base: &Manifest, overlay: &Manifest) -> Manifest {
    let mut out = base.clone();
    for (app, entry) in &overlay.0 {
        out.0.insert(app.clone(), entry.clone());
    }
    out
}

/// Queues `stage` of `promotion` and records the job on it.
pub(crate) async fn enqueue_stage(
    tx: &mut sqlx::Transaction<'_, Any>,
    promotion: &Promotion,
    stage: Stage,
    actor: &str,
) -> Result<JobId, StoreError> {
    let payload = serde_json::to_value(PromotionJob {
        promotion: promotion.id.0,
        stage,
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let job = queue::enqueue(
        &mut **tx,
        NewJob::new(JobKind::PromotionExecute, payload, actor)
            .for_environment(promotion.target.as_str()),
    )
    .await?;
    promotions::set_job(&mut **tx, promotion.id, job).await?;
    Ok(job)
}

/// After a promotion of `target` left its slot: starts planning the
/// oldest waiting one (first in, first out), unless one still holds it.
pub(crate) async fn start_next(
    tx: &mut sqlx::Transaction<'_, Any>,
    target: &EnvironmentName,
) -> Result<Option<JobId>, StoreError> {
    let flight = promotions::in_flight(&mut **tx, target).await?;
    if flight.iter().any(|p| p.job.is_some()) {
        return Ok(None);
    }
    let Some(next) = flight
        .iter()
        .find(|p| p.state == PromotionState::Planning && p.job.is_none())
    else {
        return Ok(None);
    };
    let job = enqueue_stage(tx, next, Stage::Plan, &next.requested_by).await?;
    promotions::event(
        tx,
        next.id,
        PromotionState::Planning,
        "palette",
        "its turn came: planning",
        crate::store::now_ms(),
    )
    .await?;
    Ok(Some(job))
}

/// The earlier promotion of the same target that `promotion` waits for.
pub(crate) fn waiting_for(
    flight: &[Promotion],
    promotion: &Promotion,
) -> Option<domain::PromotionId> {
    if promotion.state != PromotionState::Planning || promotion.job.is_some() {
        return None;
    }
    flight
        .iter()
        .find(|p| p.id < promotion.id && p.job.is_some())
        .or_else(|| flight.iter().find(|p| p.id < promotion.id))
        .map(|p| p.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ManifestEntry;

    fn entry(revision: u32) -> ManifestEntry {
        ManifestEntry {
            charm: "hydra".into(),
            channel: "edge".into(),
            revision: Some(revision),
        }
    }

    #[test]
    fn a_release_set_id_depends_on_its_content_only() {
        let a = Manifest([("hydra".to_owned(), entry(1))].into());
        let b = Manifest([("hydra".to_owned(), entry(1))].into());
        let c = Manifest([("hydra".to_owned(), entry(2))].into());
        assert_eq!(release_set(a.clone()).id, release_set(b).id);
        assert_ne!(release_set(a.clone()).id, release_set(c).id);
        assert!(release_set(a).id.starts_with("sha256:"));
    }

    #[test]
    fn overlay_replaces_and_keeps() {
        let base = Manifest(
            [
                ("hydra".to_owned(), entry(1)),
                ("kratos".to_owned(), entry(5)),
            ]
            .into(),
        );
        let incoming = Manifest([("hydra".to_owned(), entry(2))].into());
        let out = overlay(&base, &incoming);
        assert_eq!(out.0["hydra"].revision, Some(2));
        assert_eq!(out.0["kratos"].revision, Some(5));
    }
}
