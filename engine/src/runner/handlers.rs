//! The environment jobs: create, apply and destroy run an environment's
//! layers along the dependency graph (destroy in reverse), those that do not
//! wait for each other at once (up to `PALETTE_LAYER_PARALLELISM`),
//! skipping layers whose apply has succeeded (a resumed or retried job),
//! and set the environment's status.

use std::sync::Arc;

use domain::{EnvironmentName, EnvironmentStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use futures::stream::{FuturesUnordered, StreamExt};

use super::graph::Schedule;
use super::layer::{LayerRun, LayerSteps};
use super::workspace::{self, RunVars};
use super::LayerRunner;
use crate::queue::{
    self, fence, BackgroundJob, JobContext, JobError, JobKind, LeaseError, Phase, StepStatus,
};
use crate::store::{environments, layer_outputs};

/// The payload of the environment jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentPayload {
    pub environment: String,
    /// Layers to run; absent: the environment's layers (all of the
    /// blueprint when it lists none).
    #[serde(default)]
    pub layers: Option<Vec<String>>,
}

macro_rules! environment_job {
    ($(#[$meta:meta])* $name:ident, $kind:expr, $destroy:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub EnvironmentPayload);

        impl BackgroundJob for $name {
            const KIND: JobKind = $kind;
            type Context = Arc<LayerRunner>;

            async fn run(self, ctx: JobContext, runner: Self::Context) -> Result<(), JobError> {
                run_environment(&ctx, &runner, &self.0, $destroy).await
            }
        }
    };
}

environment_job!(
    /// `environment.create`: every layer of a new environment.
    CreateEnvironment, JobKind::EnvironmentCreate, false
);
environment_job!(
    /// `environment.apply`: the given layers (or all) of an environment.
    ApplyEnvironment, JobKind::EnvironmentApply, false
);
environment_job!(
    /// `environment.destroy`: the layers in reverse dependency order.
    DestroyEnvironment, JobKind::EnvironmentDestroy, true
);

/// The registry with the three environment handlers.
pub fn register(registry: queue::Registry, runner: Arc<LayerRunner>) -> queue::Registry {
    registry
        .register::<CreateEnvironment>(Arc::clone(&runner))
        .register::<ApplyEnvironment>(Arc::clone(&runner))
        .register::<DestroyEnvironment>(runner)
}

#[tracing::instrument(skip_all, fields(job = %ctx.id(), environment = %payload.environment, destroy))]
async fn run_environment(
    ctx: &JobContext,
    runner: &LayerRunner,
    payload: &EnvironmentPayload,
    destroy: bool,
) -> Result<(), JobError> {
    let name = EnvironmentName::parse(&payload.environment)
        .map_err(|e| JobError::failed(e.to_string()))?;
    let env = ctx
        .persist("the environment", || async {
            Ok(environments::get_by_name(ctx.store().pool(), &name).await?)
        })
        .await?
        .ok_or_else(|| JobError::failed(format!("environment {name} does not exist")))?;
    let wanted = payload.layers.clone().unwrap_or_else(|| env.layers.clone());
    let wanted = if wanted.is_empty() {
        runner
            .config()
            .blueprint
            .order()
            .iter()
            .map(|l| l.name.clone())
            .collect()
    } else {
        wanted
    };
    let layers = runner
        .config()
        .blueprint
        .select(&wanted, destroy)
        .map_err(|e| JobError::failed(e.to_string()))?;
    let plan: Vec<(String, Phase)> = layers
        .iter()
        .flat_map(|l| {
            [
                (l.name.clone(), Phase::Plan),
                (l.name.clone(), Phase::Apply),
            ]
        })
        .collect();
    ctx.ensure_steps(&plan).await?;
    if destroy {
        set_status(ctx, &name, EnvironmentStatus::Destroying).await?;
    }
    let steps = ctx
        .persist("the job's steps", || async {
            Ok(queue::steps(ctx.store().pool(), ctx.id()).await?)
        })
        .await?;
    let summary = &env.summary;
    let mut positions = Vec::with_capacity(layers.len());
    for layer in &layers {
        let position = |phase: Phase| {
            steps
                .iter()
                .find(|s| s.layer == layer.name && s.phase == phase)
        };
        let (Some(plan_step), Some(apply_step)) = (position(Phase::Plan), position(Phase::Apply))
        else {
            return Err(JobError::failed(format!(
                "job has no steps for layer {}",
                layer.name
            )));
        };
        positions.push((plan_step, apply_step));
    }
    let mut schedule = Schedule::new(&layers, destroy, runner.config().layer_parallelism);
    for (i, (layer, (_, apply_step))) in layers.iter().zip(&positions).enumerate() {
        if apply_step.status == StepStatus::Succeeded {
            ctx.log(
                Some(apply_step.position),
                format!("palette: layer {} already done; skipped", layer.name),
            );
            schedule.done(i);
        }
    }
    let run_layer = |i: usize| {
        let layer = layers[i];
        let (plan_step, apply_step) = positions[i];
        async move {
            let ws = prepare_workspace(ctx, runner, layer, summary, &summary.manifest).await?;
            let run = LayerRun {
                runner,
                ctx,
                layer: &layer.name,
                workspace: &ws,
                destroy,
                steps: LayerSteps {
                    plan: plan_step.position,
                    apply: apply_step.position,
                },
                deadline: tokio::time::Instant::now() + layer.timeout,
                timeout: layer.timeout,
                plan_file: super::layer::PLAN_FILE,
            };
            let outputs = run.run().await?;
            ctx.persist("the layer's outputs", || {
                store_outputs(ctx, summary.name.as_str(), &layer.name, &outputs, destroy)
            })
            .await?;
            Ok::<(), JobError>(())
        }
    };
    // Layers that do not wait for each other run at once; a failure holds
    // back only the layers that need the failed one, and a stop (cancel,
    // shutdown, lease lost) starts nothing more.
    let mut result = Ok(());
    let mut running = FuturesUnordered::new();
    loop {
        if !stops_everything(&result) {
            for i in schedule.start() {
                let run = run_layer(i);
                running.push(async move { (i, run.await) });
            }
        }
        let Some((i, outcome)) = running.next().await else {
            break;
        };
        match outcome {
            Ok(()) => schedule.done(i),
            Err(e) => {
                schedule.failed(i);
                result = Err(worse(result.err(), e));
            }
        }
    }
    for (held, failed) in schedule.held_back() {
        ctx.log(
            Some(positions[held].0.position),
            format!(
                "palette: layer {} not run: it needs {}, which failed",
                layers[held].name, layers[failed].name
            ),
        );
    }
    ctx.flush_logs().await;
    match &result {
        Ok(()) => {
            let done = if destroy {
                EnvironmentStatus::Destroyed
            } else {
                ctx.persist("the deployment", || {
                    record_deployment(ctx, &name, &env.summary.manifest)
                })
                .await?;
                EnvironmentStatus::Ready
            };
            set_status(ctx, &name, done).await?;
        }
        Err(JobError::Failed { .. } | JobError::Cancelled { .. } | JobError::Transient(_)) => {
            set_status(ctx, &name, EnvironmentStatus::Failed).await?;
        }
        Err(JobError::Interrupted | JobError::LeaseLost) => {}
    }
    result
}

/// Whether `result` means no layer may start any more.
fn stops_everything(result: &Result<(), JobError>) -> bool {
    matches!(
        result,
        Err(JobError::Cancelled { .. } | JobError::Interrupted | JobError::LeaseLost)
    )
}

/// Of two layers' errors, the one the job ends with: a lost lease (nothing
/// may be written), then a cancel, then a failure, then a shutdown (the job
/// would resume, and run the failed layer again unasked); the first of
/// equals.
fn worse(earlier: Option<JobError>, later: JobError) -> JobError {
    let rank = |e: &JobError| match e {
        JobError::LeaseLost => 4,
        JobError::Cancelled { .. } => 3,
        JobError::Failed { .. } | JobError::Transient(_) => 2,
        JobError::Interrupted => 1,
    };
    match earlier {
        Some(earlier) if rank(&earlier) >= rank(&later) => earlier,
        _ => later,
    }
}

/// Outputs and status are written only while the lease holds.
async fn store_outputs(
    ctx: &JobContext,
    env: &str,
    layer: &str,
    outputs: &Map<String, Value>,
    destroy: bool,
) -> Result<(), LeaseError> {
    let mut tx = fence::fenced(ctx.store(), ctx.lease()).await?;
    if destroy {
        layer_outputs::delete(&mut *tx, env, layer).await?;
    } else {
        layer_outputs::put(&mut *tx, env, layer, outputs).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets the environment's status (fenced), riding out a database outage.
async fn set_status(
    ctx: &JobContext,
    name: &EnvironmentName,
    status: EnvironmentStatus,
) -> Result<(), JobError> {
    ctx.persist("the environment's status", || async {
        let mut tx = fence::fenced(ctx.store(), ctx.lease()).await?;
        environments::set_status(&mut *tx, name, status).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    Ok(())
}

/// The manifest a successful apply put in place, in the deployment history
/// (verified once a check of the endpoint passes).
async fn record_deployment(
    ctx: &JobContext,
    name: &EnvironmentName,
    manifest: &domain::Manifest,
) -> Result<(), LeaseError> {
    let mut tx = fence::fenced(ctx.store(), ctx.lease()).await?;
    crate::store::promotions::insert_deployment(
        &mut *tx,
        &crate::store::promotions::NewDeployment {
            environment: name,
            release_set: &crate::promotion::release_set(manifest.clone()),
            at: crate::store::now_ms(),
            actor: ctx.actor(),
            promotion: None,
            job: Some(ctx.id()),
            verified: false,
            rollback: false,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The workspace of `layer` for the environment, with `manifest` and the
/// outputs of the layers it depends on in its variables.
pub(crate) async fn prepare_workspace(
    ctx: &JobContext,
    runner: &LayerRunner,
    layer: &super::LayerSpec,
    summary: &domain::EnvironmentSummary,
    manifest: &domain::Manifest,
) -> Result<std::path::PathBuf, JobError> {
    let infra = &runner.config().infra_dir;
    let ws = workspace::prepare(infra, layer, summary.name.as_str(), summary.tier.as_str())
        .map_err(|e| JobError::Failed {
            message: format!("workspace: {e}"),
            stopped_at: Some(format!("{}/plan", layer.name)),
        })?;
    let all = ctx
        .persist("the outputs of earlier layers", || async {
            Ok(layer_outputs::for_environment(ctx.store().pool(), summary.name.as_str()).await?)
        })
        .await?;
    let upstream: Map<String, Value> = layer
        .depends_on
        .iter()
        .filter_map(|d| all.get(d).map(|o| (d.clone(), o.clone())))
        .collect();
    let vars = RunVars {
        environment: summary.name.as_str(),
        tier: summary.tier.as_str(),
        channel: summary.channel.as_str(),
        manifest: serde_json::to_value(manifest).unwrap_or(Value::Null),
        upstream,
    };
    workspace::write_vars(&ws, &vars)
        .map_err(|e| JobError::failed(format!("writing variables: {e}")))?;
    Ok(ws)
}
