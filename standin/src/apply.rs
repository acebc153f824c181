//! `apply`: carry out a saved plan one resource at a time, saving the state
//! after each, with scripted delays, failures and hangs.

use crate::cli::{usage_error, Flags, Spec};
use crate::plan::{counts, diag, Ctx, Diag};
use crate::signals::{self, Interrupt};
use crate::state::{self, Action, Change, OutputState, PlanFile, StateResource};
use crate::ui::{resource_addr, Ui};
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

const SPEC: &[Spec] = &[
    ("input", true),
    ("json", true),
    ("no-color", true),
    ("lock", true),
    ("lock-timeout", false),
    ("auto-approve", true),
    ("destroy", true),
    ("parallelism", false),
    ("compact-warnings", true),
];

pub fn run(argv: &[String]) -> i32 {
    let flags = match Flags::parse(argv, SPEC) {
        Ok(f) => f,
        Err(e) => return usage_error("apply", &e),
    };
    if flags.args.len() > 1 {
        return usage_error("apply", "Too many command line arguments.");
    }
    let ui = Ui {
        json: flags.bool("json", false),
    };
    let interrupt = match Interrupt::install() {
        Ok(i) => i,
        Err(e) => return crate::fatal(&e),
    };
    ui.version();
    match apply(&flags, ui, &interrupt) {
        Ok(code) => code,
        Err(d) => {
            ui.error(&d.summary, &d.detail, None);
            1
        }
    }
}

fn apply(flags: &Flags, ui: Ui, interrupt: &Interrupt) -> Result<i32, Diag> {
    let mut ctx = Ctx::open(flags)?;
    let plan = match flags.args.first() {
        Some(path) => {
            let plan = PlanFile::load(path).map_err(|e| diag("Failed to load plan file", e))?;
            check_fresh(&ctx, &plan)?;
            plan
        }
        None if flags.bool("auto-approve", false) => ctx.compute(flags.bool("destroy", false)),
        None => return Err(diag(
            "No saved plan",
            "This stand-in applies saved plans (tofu plan -out=FILE) or runs with -auto-approve.",
        )),
    };
    let operation = if plan.destroy { "destroy" } else { "apply" };
    for change in plan.changes.iter().filter(|c| c.action != Action::Noop) {
        if interrupt.is_set() {
            return halted(&mut ctx, ui, None);
        }
        match apply_one(&mut ctx, ui, interrupt, change, plan.destroy)? {
            Step::Done => {}
            Step::Failed => return Ok(1),
            Step::Interrupted => return halted(&mut ctx, ui, Some(&change.address)),
        }
    }
    ctx.state.outputs = plan
        .outputs
        .iter()
        .filter_map(|(name, o)| {
            let value = o.after.clone()?;
            let ty = state::type_of(&value);
            Some((
                name.clone(),
                OutputState {
                    value,
                    ty,
                    sensitive: false,
                },
            ))
        })
        .collect();
    save(&mut ctx)?;
    let (add, change, remove) = counts(&plan);
    ui.change_summary(operation, add, change, remove);
    // Like `tofu apply PLANFILE`, also after a destroy plan (then empty).
    let outputs: Map<String, Value> = ctx
        .state
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                json!({"sensitive": o.sensitive, "type": o.ty, "value": o.value}),
            )
        })
        .collect();
    let message = format!("Outputs: {}", outputs.len());
    ui.emit("info", "outputs", &message, json!({ "outputs": outputs }));
    Ok(0)
}

/// Terraform refuses a saved plan once the state moved on; the stand-in also
/// refuses it when the variables file changed.
fn check_fresh(ctx: &Ctx, plan: &PlanFile) -> Result<(), Diag> {
    if plan.state_lineage != ctx.state.lineage || plan.state_serial != ctx.state.serial {
        return Err(diag(
            "Saved plan is stale",
            "The given plan file can no longer be applied because the state was changed by \
             another operation after the plan was created.",
        ));
    }
    if plan.tfvars_hash != ctx.tfvars.hash {
        return Err(diag(
            "Saved plan is stale",
            format!(
                "The given plan file can no longer be applied because {} changed after the \
                 plan was created.",
                state::TFVARS_FILE
            ),
        ));
    }
    Ok(())
}

enum Step {
    Done,
    Failed,
    Interrupted,
}

fn apply_one(
    ctx: &mut Ctx,
    ui: Ui,
    interrupt: &Interrupt,
    change: &Change,
    destroy: bool,
) -> Result<Step, Diag> {
    let addr = &change.address;
    let action = change.action.ui_name();
    let (ing, done) = match change.action {
        Action::Create => ("Creating", "Creation"),
        Action::Update => ("Modifying", "Modifications"),
        _ => ("Destroying", "Destruction"),
    };
    let mut hook = json!({"resource": resource_addr(addr), "action": action});
    let mut start_msg = format!("{addr}: {ing}...");
    if let Some(id) = &change.prior_id {
        hook["id_key"] = json!("id");
        hook["id_value"] = json!(id);
        start_msg.push_str(&format!(" [id={id}]"));
    }
    ui.emit("info", "apply_start", &start_msg, json!({ "hook": hook }));

    let started = Instant::now();
    let hang = ctx.knobs.hang.as_deref() == Some("apply");
    let delay = (!hang).then(|| Duration::from_millis(ctx.knobs.delay_for(addr)));
    let still = ing.to_lowercase();
    let finished = interrupt.wait(delay, |elapsed| {
        let secs = elapsed.as_secs();
        let hook =
            json!({"resource": resource_addr(addr), "action": action, "elapsed_seconds": secs});
        let message = format!("{addr}: Still {still}... [{secs}s elapsed]");
        ui.emit("info", "apply_progress", &message, json!({ "hook": hook }));
    });
    let secs = started.elapsed().as_secs();
    let errored = |ui: Ui| {
        let hook =
            json!({"resource": resource_addr(addr), "action": action, "elapsed_seconds": secs});
        let message = format!("{addr}: {done} errored after {secs}s");
        ui.emit("error", "apply_errored", &message, json!({ "hook": hook }));
    };
    if !finished {
        signals::report(&ui);
        errored(ui);
        return Ok(Step::Interrupted);
    }
    if let Some(detail) = injected_failure(ctx, addr, destroy) {
        errored(ui);
        ui.error("Simulated failure (tofu stand-in)", &detail, Some(addr));
        ctx.state.standin_failed_applies += 1;
        save(ctx)?;
        return Ok(Step::Failed);
    }
    let id = change.prior_id.clone().unwrap_or_else(|| new_id(ctx, addr));
    match change.action {
        Action::Delete => ctx.state.resources.retain(|r| &r.address != addr),
        _ => {
            let fingerprint = ctx.tfvars.hash.clone();
            let entry = StateResource {
                address: addr.clone(),
                id: id.clone(),
                fingerprint,
            };
            match ctx.state.resources.iter_mut().find(|r| &r.address == addr) {
                Some(r) => *r = entry,
                None => ctx.state.resources.push(entry),
            }
        }
    }
    save(ctx)?;
    let mut hook =
        json!({"resource": resource_addr(addr), "action": action, "elapsed_seconds": secs});
    let mut message = format!("{addr}: {done} complete after {secs}s");
    if change.action != Action::Delete {
        hook["id_key"] = json!("id");
        hook["id_value"] = json!(id);
        message.push_str(&format!(" [id={id}]"));
    }
    ui.emit("info", "apply_complete", &message, json!({ "hook": hook }));
    Ok(Step::Done)
}

/// The detail of the injected failure, when `fail` applies to this resource.
fn injected_failure(ctx: &Ctx, addr: &str, destroy: bool) -> Option<String> {
    let fail = ctx.knobs.fail.as_ref().filter(|f| f.resource == addr)?;
    let phase_ok = match fail.during.as_deref().unwrap_or("apply") {
        "both" => true,
        "destroy" => destroy,
        _ => !destroy,
    };
    let env = ctx.tfvars.str("environment");
    let env_ok = fail
        .env_prefix
        .as_deref()
        .is_none_or(|p| env.starts_with(p));
    let so_far = ctx.state.standin_failed_applies;
    let count_ok = fail.times.is_none_or(|t| so_far < t);
    if !(phase_ok && env_ok && count_ok) {
        return None;
    }
    let times = fail
        .times
        .map_or("unbounded".to_string(), |t| t.to_string());
    Some(format!(
        "The stand-in was asked to fail {addr} (environment {env:?}; failure {} of {times}).",
        so_far + 1
    ))
}

fn new_id(ctx: &Ctx, addr: &str) -> String {
    let name = crate::addr::parse(addr).name;
    let env = ctx.tfvars.str("environment");
    let seed = format!("{addr}/{env}/{}/{}", ctx.state.lineage, ctx.state.serial);
    let suffix = &state::hash_hex(seed.as_bytes())[..8];
    if env.is_empty() {
        format!("{name}-{suffix}")
    } else {
        format!("{env}-{name}-{suffix}")
    }
}

fn save(ctx: &mut Ctx) -> Result<(), Diag> {
    ctx.state
        .save()
        .map_err(|e| diag("Failed to persist state", e))
}

/// Stop after an interrupt: state holds what finished; exit status 1.
fn halted(ctx: &mut Ctx, ui: Ui, abandoned: Option<&str>) -> Result<i32, Diag> {
    if abandoned.is_none() {
        signals::report(&ui);
    }
    save(ctx)?;
    let detail = match abandoned {
        Some(addr) => {
            format!("The operation was interrupted; {addr} was abandoned and is not in the state.")
        }
        None => "The operation was interrupted before the next resource started.".to_string(),
    };
    ui.error("execution halted", &detail, abandoned);
    Ok(1)
}
