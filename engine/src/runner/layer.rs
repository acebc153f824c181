//! One layer run: init, plan, show, apply, output — with progress, plan
//! summary and logs written to the job's steps as the commands run.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::time::Instant;

use super::jsonui::{self, UiEvent};
use super::lock::{self, HeldLock, Verdict};
use super::process::{self, Ended, Stopped, Stream};
use super::LayerRunner;
use crate::queue::{
    JobContext, JobError, LeaseError, Phase, PlanSummary, StepStatus, StepUpdate, StopReason,
};
use crate::store::layer_commands::{self, NewCommand};
use crate::store::now_ms;

/// The saved plan of layer jobs; a promotion saves its own beside it.
pub const PLAN_FILE: &str = "palette.tfplan";
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// The two steps of one layer.
#[derive(Debug, Clone, Copy)]
pub struct LayerSteps {
    pub plan: i64,
    pub apply: i64,
}

#[derive(Debug, Default)]
struct Progress {
    /// Whether `planned_change` lines count resources: during `plan` only.
    /// Terraform's `apply -json` of a saved plan repeats the plan's
    /// `planned_change` lines before applying; there the total comes from
    /// the plan.
    count_planned: bool,
    planned: i64,
    done: i64,
    summary: Option<PlanSummary>,
    last_error: Option<String>,
    /// Who holds the state lock, when the command failed for want of it.
    held_lock: Option<HeldLock>,
    dirty: bool,
}

/// How one run of a command ended, short of a stop.
enum Ran {
    /// Its stdout for `show` and `output`, else empty.
    Done(String),
    Failed {
        message: String,
        held_lock: Option<HeldLock>,
    },
}

/// What became of a held state lock.
enum Unlock {
    /// It was this job's own, and is unlocked.
    Done,
    /// It is left, and why (`None`: this job never ran before, so the lock
    /// is someone else's and the error says enough).
    Left(Option<String>),
}

/// One layer of one environment, about to run.
pub struct LayerRun<'a> {
    pub runner: &'a LayerRunner,
    pub ctx: &'a JobContext,
    pub layer: &'a str,
    pub workspace: &'a Path,
    pub destroy: bool,
    pub steps: LayerSteps,
    pub deadline: Instant,
    pub timeout: Duration,
    /// The saved plan's file name in the workspace.
    pub plan_file: &'a str,
}

/// What `plan` saved: the summary and the `show -json` document.
#[derive(Debug, Clone)]
pub struct Planned {
    pub summary: PlanSummary,
    pub shown: String,
}

impl LayerRun<'_> {
    /// Runs the layer; returns its outputs (empty after a destroy).
    pub async fn run(&self) -> Result<Map<String, Value>, JobError> {
        let planned = self.plan().await?;
        self.apply(planned.summary).await
    }

    /// init, plan into the saved plan file, show it; the plan step ends
    /// succeeded with the summary.
    pub async fn plan(&self) -> Result<Planned, JobError> {
        let plan = self.steps.plan;
        self.ctx
            .update_step(
                plan,
                &StepUpdate {
                    status: Some(StepStatus::Running),
                    ..StepUpdate::default()
                },
            )
            .await?;
        let started = std::time::Instant::now();
        self.command(
            plan,
            Phase::Plan,
            &["init", "-input=false", "-no-color"],
            None,
        )
        .await?;
        let out = format!("-out={}", self.plan_file);
        let mut args = vec!["plan", "-input=false", "-json", out.as_str()];
        if self.destroy {
            args.push("-destroy");
        }
        let progress = Arc::new(Mutex::new(Progress {
            count_planned: true,
            ..Progress::default()
        }));
        self.command(plan, Phase::Plan, &args, Some(&progress))
            .await?;
        let shown = self
            .command(plan, Phase::Plan, &["show", "-json", self.plan_file], None)
            .await?;
        let summary = jsonui::summarize_show(&shown)
            .or_else(|| progress.lock().ok().and_then(|p| p.summary))
            .unwrap_or_default();
        let total = summary.add + summary.change + summary.destroy;
        self.ctx
            .update_step(
                plan,
                &StepUpdate {
                    status: Some(StepStatus::Succeeded),
                    resources_planned: Some(total),
                    resources_done: Some(total),
                    summary: Some(summary),
                    message: Some(format!(
                        "{} to add, {} to change, {} to destroy",
                        summary.add, summary.change, summary.destroy
                    )),
                },
            )
            .await?;
        self.ctx
            .observe_step(Phase::Plan, started.elapsed().as_secs_f64());
        Ok(Planned { summary, shown })
    }

    /// Applies the saved plan file and reads the outputs (empty after a
    /// destroy); the apply step ends succeeded.
    pub async fn apply(&self, summary: PlanSummary) -> Result<Map<String, Value>, JobError> {
        let apply = self.steps.apply;
        let total = summary.add + summary.change + summary.destroy;
        let started = std::time::Instant::now();
        self.ctx
            .update_step(
                apply,
                &StepUpdate {
                    status: Some(StepStatus::Running),
                    resources_planned: Some(total),
                    summary: Some(summary),
                    ..StepUpdate::default()
                },
            )
            .await?;
        let progress = Arc::new(Mutex::new(Progress {
            planned: total,
            ..Progress::default()
        }));
        self.command(
            apply,
            Phase::Apply,
            &["apply", "-input=false", "-json", self.plan_file],
            Some(&progress),
        )
        .await?;
        let outputs = self
            .command(apply, Phase::Apply, &["output", "-json"], None)
            .await?;
        let outputs = if self.destroy {
            Map::new()
        } else {
            jsonui::outputs(&outputs).unwrap_or_default()
        };
        let done = progress.lock().map(|p| p.done).unwrap_or(total);
        self.ctx
            .update_step(
                apply,
                &StepUpdate {
                    status: Some(StepStatus::Succeeded),
                    resources_done: Some(done.max(total)),
                    ..StepUpdate::default()
                },
            )
            .await?;
        self.ctx
            .observe_step(Phase::Apply, started.elapsed().as_secs_f64());
        Ok(outputs)
    }

    fn stopped_at(&self, phase: Phase) -> String {
        format!("{}/{}", self.layer, phase)
    }

    /// Runs one command; stdout of `show` and `output` is returned, not
    /// logged. Failures and stops end the step and become the job's error.
    /// A state lock that this job's own earlier run left behind is
    /// unlocked, and the command runs once more ([`lock`]).
    async fn command(
        &self,
        step: i64,
        phase: Phase,
        args: &[&str],
        progress: Option<&Arc<Mutex<Progress>>>,
    ) -> Result<String, JobError> {
        let (message, held_lock) = match self.run_once(step, phase, args, progress).await? {
            Ran::Done(out) => return Ok(out),
            Ran::Failed { message, held_lock } => (message, held_lock),
        };
        let Some(held_lock) = held_lock else {
            return Err(self.fail(step, phase, message).await);
        };
        match self.unlock_if_ours(step, phase, &held_lock).await? {
            Unlock::Done => match self.run_once(step, phase, args, progress).await? {
                Ran::Done(out) => Ok(out),
                Ran::Failed { message, .. } => Err(self.fail(step, phase, message).await),
            },
            Unlock::Left(None) => Err(self.fail(step, phase, message).await),
            Unlock::Left(Some(why)) => Err(self
                .fail(step, phase, format!("{message}; not unlocked: {why}"))
                .await),
        }
    }

    /// Unlocks `held` if this job's own earlier run left it and is gone.
    async fn unlock_if_ours(
        &self,
        step: i64,
        phase: Phase,
        held: &HeldLock,
    ) -> Result<Unlock, JobError> {
        let workspace = self.workspace.to_string_lossy();
        let lease = self.ctx.lease();
        let pool = self.ctx.store().pool();
        let commands = self
            .ctx
            .persist("the layer's earlier commands", || async {
                layer_commands::for_workspace(pool, lease.job.0, &workspace)
                    .await
                    .map_err(LeaseError::from)
            })
            .await?;
        if !commands.iter().any(|c| c.claim < lease.token) {
            return Ok(Unlock::Left(None));
        }
        let here = self.runner.here();
        let verdict = lock::judge(held, &commands, lease.token, here, |pid| {
            lock::runs_in(pid, &workspace)
        });
        let (command, how) = match verdict {
            Verdict::NotOurs(why) => return Ok(Unlock::Left(Some(why))),
            Verdict::Ours { command, how } => (command, how),
        };
        self.ctx.log(
            Some(step),
            format!(
                "palette: the state lock {} was left by this job's own {} started at {} on {}, \
                 {how}; unlocking it",
                held.id,
                command.operation,
                domain::time::format_ms(command.started_at),
                command.host
            ),
        );
        let unlock = ["force-unlock", "-force", held.id.as_str()];
        match self.run_once(step, phase, &unlock, None).await? {
            Ran::Done(_) => Ok(Unlock::Done),
            Ran::Failed { message, .. } => Ok(Unlock::Left(Some(message))),
        }
    }

    /// Records a state-locking command (`plan`, `apply`) about to start;
    /// answers its record's id.
    async fn record_start(&self, args: &[&str]) -> Result<Option<i64>, JobError> {
        let operation = match args.first() {
            Some(&"plan") => "plan",
            Some(&"apply") => "apply",
            _ => return Ok(None),
        };
        let here = self.runner.here();
        let workspace = self.workspace.to_string_lossy();
        let lease = self.ctx.lease();
        let command = NewCommand {
            job: lease.job.0,
            claim: lease.token,
            workspace: &workspace,
            operation,
            who: &here.who,
            host: &here.host,
            started_at: now_ms(),
        };
        let id = self
            .ctx
            .persist("a layer command", || async {
                let mut tx = self.ctx.begin_fenced().await?;
                let id = layer_commands::start(&mut *tx, &command).await?;
                tx.commit().await?;
                Ok(id)
            })
            .await?;
        Ok(Some(id))
    }

    /// Runs one command once; a failure is answered, not yet recorded.
    async fn run_once(
        &self,
        step: i64,
        phase: Phase,
        args: &[&str],
        progress: Option<&Arc<Mutex<Progress>>>,
    ) -> Result<Ran, JobError> {
        let capture = matches!(args.first(), Some(&("show" | "output")));
        let bin = &self.runner.config().bin.path;
        let name = bin
            .file_name()
            .map_or_else(|| "tofu".into(), |n| n.to_string_lossy().into_owned());
        self.ctx.log(
            Some(step),
            format!(
                "$ {name} -chdir={} {}",
                self.workspace.display(),
                args.join(" ")
            ),
        );
        if let Some(reason) = self.ctx.stop_reason() {
            return Err(self.stop(step, phase, Stopped::By(reason)).await);
        }
        let mut argv = vec![format!("-chdir={}", self.workspace.display())];
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        let mut captured = String::new();
        let fallback = Arc::new(Mutex::new(Progress::default()));
        let progress = progress.unwrap_or(&fallback);
        if let Ok(mut p) = progress.lock() {
            p.last_error = None;
            p.held_lock = None;
        }
        let record = self.record_start(args).await?;
        let ctx = self.ctx;
        let redactor = self.runner.redactor();
        let mut on_line = |stream: Stream, text: String| {
            if capture && stream == Stream::Stdout {
                captured.push_str(&text);
                captured.push('\n');
                return;
            }
            if let Ok(mut p) = progress.lock() {
                track(&mut p, stream, &text);
            }
            ctx.log(Some(step), redactor.redact(&text));
        };
        let grace = self.runner.config().cancel_grace;
        let env = self.runner.process_env();
        let (spawned, pid) = tokio::sync::oneshot::channel();
        let run = process::run(
            self.runner.config().exec_wrapper.as_deref(),
            bin,
            &argv,
            &env,
            ctx.stop_signals(),
            self.deadline,
            grace,
            &mut on_line,
            spawned,
        );
        let pool = ctx.store().pool();
        let record_pid = async {
            if let (Some(id), Ok(pid)) = (record, pid.await) {
                let _ = ctx
                    .persist("a layer command's process", || async {
                        layer_commands::set_pid(pool, id, i64::from(pid))
                            .await
                            .map_err(LeaseError::from)
                    })
                    .await;
            }
            std::future::pending::<()>().await;
        };
        let ended = tokio::select! {
            ended = run => ended,
            () = report_progress(ctx, step, progress) => unreachable_progress(),
            () = record_pid => unreachable_progress(),
        };
        if let Some(id) = record {
            let at = now_ms();
            let _ = ctx
                .persist("a layer command's end", || async {
                    layer_commands::end(pool, id, at)
                        .await
                        .map_err(LeaseError::from)
                })
                .await;
        }
        let _ = report_once(ctx, step, progress).await;
        match ended {
            Err(e) => Ok(Ran::Failed {
                message: format!("could not run {}: {e}", bin.display()),
                held_lock: None,
            }),
            Ok(Ended {
                stopped: Some(stopped),
                ..
            }) => Err(self.stop(step, phase, stopped).await),
            Ok(ended) if ended.success() => Ok(Ran::Done(captured)),
            Ok(ended) => {
                let (detail, held_lock) = progress
                    .lock()
                    .map(|p| (p.last_error.clone(), p.held_lock.clone()))
                    .unwrap_or_default();
                let code = ended
                    .code
                    .map_or_else(|| "a signal".to_owned(), |c| c.to_string());
                let mut message = format!(
                    "{} {} exited with {code}",
                    name,
                    args.first().copied().unwrap_or("")
                );
                if let Some(detail) = detail {
                    message = format!("{message}: {}", redactor.redact(&detail));
                }
                Ok(Ran::Failed { message, held_lock })
            }
        }
    }

    async fn fail(&self, step: i64, phase: Phase, message: String) -> JobError {
        self.ctx.log(Some(step), format!("palette: {message}"));
        let update = StepUpdate {
            status: Some(StepStatus::Failed),
            message: Some(message.clone()),
            ..StepUpdate::default()
        };
        if let Err(e) = self.ctx.update_step(step, &update).await {
            return e.into();
        }
        JobError::Failed {
            message,
            stopped_at: Some(self.stopped_at(phase)),
        }
    }

    async fn stop(&self, step: i64, phase: Phase, stopped: Stopped) -> JobError {
        match stopped {
            Stopped::By(StopReason::LeaseLost) => JobError::LeaseLost,
            Stopped::Timeout => {
                let secs = self.timeout.as_secs();
                self.fail(
                    step,
                    phase,
                    format!(
                        "layer {} timed out after {secs} s and was interrupted",
                        self.layer
                    ),
                )
                .await
            }
            Stopped::By(reason) => {
                let (status, message) = match reason {
                    StopReason::Shutdown => (
                        StepStatus::Pending,
                        "interrupted by a worker shutdown; it runs again",
                    ),
                    _ => (StepStatus::Cancelled, "cancelled"),
                };
                self.ctx.log(Some(step), format!("palette: {message}"));
                let update = StepUpdate {
                    status: Some(status),
                    message: Some(message.into()),
                    ..StepUpdate::default()
                };
                if let Err(e) = self.ctx.update_step(step, &update).await {
                    return e.into();
                }
                if reason == StopReason::Shutdown {
                    JobError::Interrupted
                } else {
                    JobError::Cancelled {
                        stopped_at: Some(self.stopped_at(phase)),
                    }
                }
            }
        }
    }
}

fn track(p: &mut Progress, stream: Stream, text: &str) {
    match jsonui::parse(text) {
        Some(UiEvent::PlannedChange { action, .. })
            if p.count_planned && action != "noop" && action != "read" =>
        {
            p.planned += 1;
            p.dirty = true;
        }
        Some(UiEvent::ChangeSummary(summary)) => {
            p.summary = Some(summary);
            p.dirty = true;
        }
        Some(UiEvent::ApplyComplete { .. }) => {
            p.done += 1;
            p.dirty = true;
        }
        Some(UiEvent::Diagnostic {
            severity,
            summary,
            detail,
        }) if severity == "error" => {
            p.last_error = Some(jsonui::error_message(&summary, &detail));
            p.held_lock = lock::held_lock(&detail);
        }
        None if stream == Stream::Stderr && text.trim_start().starts_with("Error:") => {
            p.last_error = Some(
                text.trim_start()
                    .trim_start_matches("Error:")
                    .trim()
                    .to_owned(),
            );
        }
        _ => {}
    }
}

/// Writes progress to the step every half second while a command runs.
async fn report_progress(ctx: &JobContext, step: i64, progress: &Arc<Mutex<Progress>>) {
    loop {
        tokio::time::sleep(PROGRESS_EVERY).await;
        let _ = report_once(ctx, step, progress).await;
    }
}

async fn report_once(
    ctx: &JobContext,
    step: i64,
    progress: &Arc<Mutex<Progress>>,
) -> Result<(), JobError> {
    let update = match progress.lock() {
        Ok(mut p) if p.dirty => {
            p.dirty = false;
            StepUpdate {
                resources_done: Some(p.done),
                resources_planned: (p.planned > 0).then_some(p.planned),
                summary: p.summary,
                ..StepUpdate::default()
            }
        }
        _ => return Ok(()),
    };
    ctx.update_step(step, &update).await.map_err(JobError::from)
}

fn unreachable_progress() -> std::io::Result<Ended> {
    Err(std::io::Error::other("progress reporting ended"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `terraform apply -json palette.tfplan` (1.11) of a replace, as it
    /// prints it: the plan's `planned_change` line comes first again.
    const APPLY_OF_A_REPLACE: &[&str] = &[
        r#"{"@level":"info","@message":"Terraform 1.11.4","@module":"terraform.ui","terraform":"1.11.4","type":"version","ui":"1.2"}"#,
        r#"{"@level":"info","@message":"terraform_data.x: Plan to replace","@module":"terraform.ui","change":{"resource":{"addr":"terraform_data.x","module":"","resource":"terraform_data.x","implied_provider":"terraform","resource_type":"terraform_data","resource_name":"x","resource_key":null},"action":"replace","reason":"requested"},"type":"planned_change"}"#,
        r#"{"@level":"info","@message":"terraform_data.x: Destroying... [id=362fa682]","@module":"terraform.ui","hook":{"resource":{"addr":"terraform_data.x"},"action":"delete","id_key":"id","id_value":"362fa682"},"type":"apply_start"}"#,
        r#"{"@level":"info","@message":"terraform_data.x: Destruction complete after 0s","@module":"terraform.ui","hook":{"resource":{"addr":"terraform_data.x"},"action":"delete","elapsed_seconds":0},"type":"apply_complete"}"#,
        r#"{"@level":"info","@message":"terraform_data.x: Creating...","@module":"terraform.ui","hook":{"resource":{"addr":"terraform_data.x"},"action":"create"},"type":"apply_start"}"#,
        r#"{"@level":"info","@message":"terraform_data.x: Creation complete after 0s [id=8c24ffc5]","@module":"terraform.ui","hook":{"resource":{"addr":"terraform_data.x"},"action":"create","id_key":"id","id_value":"8c24ffc5","elapsed_seconds":0},"type":"apply_complete"}"#,
        r#"{"@level":"info","@message":"Apply complete! Resources: 1 added, 0 changed, 1 destroyed.","@module":"terraform.ui","changes":{"add":1,"change":0,"import":0,"remove":1,"operation":"apply"},"type":"change_summary"}"#,
    ];

    #[test]
    fn an_applys_repeated_planned_changes_do_not_raise_the_total() {
        // The plan said 1 to add and 1 to destroy: 2 of 2 when done.
        let mut p = Progress {
            planned: 2,
            ..Progress::default()
        };
        for line in APPLY_OF_A_REPLACE {
            track(&mut p, Stream::Stdout, line);
        }
        assert_eq!((p.done, p.planned), (2, 2));
    }

    #[test]
    fn a_plans_planned_changes_count_resources() {
        let mut p = Progress {
            count_planned: true,
            ..Progress::default()
        };
        track(&mut p, Stream::Stdout, APPLY_OF_A_REPLACE[1]);
        assert_eq!(p.planned, 1);
    }
}
