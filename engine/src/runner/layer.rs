//! One layer run: init, plan, show, apply, output — with progress, plan
//! summary and logs written to the job's steps as the commands run.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::time::Instant;

use super::jsonui::{self, UiEvent};
use super::process::{self, Ended, Stopped, Stream};
use super::LayerRunner;
use crate::queue::{JobContext, JobError, Phase, PlanSummary, StepStatus, StepUpdate, StopReason};

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
    dirty: bool,
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
    async fn command(
        &self,
        step: i64,
        phase: Phase,
        args: &[&str],
        progress: Option<&Arc<Mutex<Progress>>>,
    ) -> Result<String, JobError> {
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
        let run = process::run(
            self.runner.config().exec_wrapper.as_deref(),
            bin,
            &argv,
            &env,
            ctx.stop_signals(),
            self.deadline,
            grace,
            &mut on_line,
        );
        let ended = tokio::select! {
            ended = run => ended,
            () = report_progress(ctx, step, progress) => unreachable_progress(),
        };
        let _ = report_once(ctx, step, progress).await;
        match ended {
            Err(e) => Err(self
                .fail(step, phase, format!("could not run {}: {e}", bin.display()))
                .await),
            Ok(Ended {
                stopped: Some(stopped),
                ..
            }) => Err(self.stop(step, phase, stopped).await),
            Ok(ended) if ended.success() => Ok(captured),
            Ok(ended) => {
                let detail = progress.lock().ok().and_then(|p| p.last_error.clone());
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
                Err(self.fail(step, phase, message).await)
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
        }) if severity == "error" => p.last_error = Some(jsonui::error_message(&summary, &detail)),
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
