//! Stale state locks: whether a lock that stops a layer was left by this
//! job's own earlier run, whose process is gone — the one case in which
//! Palette runs `force-unlock`.
//!
//! Terraform never says which lock it holds; it only describes the holder
//! of a lock it could not take (`Lock Info:` in the diagnostic). So every
//! `plan` and `apply` is recorded before it starts
//! ([`crate::store::layer_commands`]): the claim that ran it, `user@host`
//! as Terraform writes it in `Who`, the process id, and when it started and
//! ended. A lock is this job's own when an earlier claim of the job ran
//! that operation as that `Who`, and the lock was created while it ran. It
//! may be unlocked only once that process is known to be gone: Palette saw
//! it end, or it ran on this host and no longer does. A process on another
//! host that Palette never saw end may still be applying, so its lock is
//! left alone, and the error says how to unlock it by hand.

use crate::store::layer_commands::Command;

/// Slack around a command's start and end when placing a lock's creation
/// time: Terraform and Palette read the same host's clock, Palette before
/// it starts the process and after it ends, so this only absorbs rounding.
const SLACK_MS: i64 = 100;

/// A state lock as Terraform describes it when it cannot take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLock {
    pub id: String,
    pub who: Option<String>,
    /// `OperationTypePlan`, `OperationTypeApply`, …
    pub operation: Option<String>,
    /// Unix ms, from `Created:` (`2026-12-01 19:40:38.723763391 +0000 UTC`).
    pub created: Option<i64>,
}

/// The holder of a lock from an error diagnostic's detail, if it has a
/// `Lock Info:` with an ID.
///
/// Most backends (S3, GCS, azurerm, consul, kubernetes) describe the holder
/// there. The `http` backend describes the lock it asked for instead, and
/// names the holder's ID only in its message (`HTTP remote state already
/// locked: ID=…`): then only that ID is known, and nothing of who holds it.
pub fn held_lock(detail: &str) -> Option<HeldLock> {
    let (message, info) = detail.split_once("Lock Info:")?;
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let id = field("ID:")?;
    let named = message
        .split_once("ID=")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .filter(|named| *named != id);
    if let Some(holder) = named {
        return Some(HeldLock {
            id: holder.to_owned(),
            who: None,
            operation: None,
            created: None,
        });
    }
    Some(HeldLock {
        id,
        who: field("Who:"),
        operation: field("Operation:"),
        created: field("Created:").and_then(|c| go_utc_time(&c)),
    })
}

/// Go's `time.Time.String()` of a UTC time as Unix ms.
fn go_utc_time(text: &str) -> Option<i64> {
    let text = text.strip_suffix(" +0000 UTC")?;
    domain::time::parse_time("created", &format!("{text}Z")).ok()
}

/// Who this process is to Terraform: `user@host`, and the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Here {
    pub who: String,
    pub host: String,
}

impl Here {
    /// This process's user and host, as Terraform's `Who` would name them.
    pub fn now() -> Self {
        let host = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_default();
        let user = nix::unistd::User::from_uid(nix::unistd::getuid())
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_default();
        Self {
            who: format!("{user}@{host}"),
            host,
        }
    }
}

/// What to do about a held lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The lock is the job's own, left by `command`, whose process is gone.
    Ours { command: Command, how: &'static str },
    /// Leave it: why.
    NotOurs(String),
}

/// Judges `lock` against the commands this job ran in the workspace, as
/// the claim `claim` running on `here`; `alive(pid)` tells whether a
/// process of this host still runs that command.
pub fn judge(
    lock: &HeldLock,
    commands: &[Command],
    claim: i64,
    here: &Here,
    alive: impl Fn(i64) -> bool,
) -> Verdict {
    let operation = lock
        .operation
        .as_deref()
        .and_then(|o| o.strip_prefix("OperationType"))
        .map(str::to_ascii_lowercase);
    let (Some(who), Some(operation), Some(created)) = (&lock.who, operation, lock.created) else {
        return Verdict::NotOurs("the backend does not say who holds it".into());
    };
    let Some(command) = commands.iter().rev().find(|c| {
        c.claim < claim
            && &c.who == who
            && c.operation == operation
            && created >= c.started_at - SLACK_MS
            && c.ended_at.is_none_or(|end| created <= end + SLACK_MS)
    }) else {
        return Verdict::NotOurs(format!(
            "no earlier run of this job took it (it is held by {who} for {operation})"
        ));
    };
    let gone = if command.ended_at.is_some() {
        Some("which Palette saw end")
    } else if command.host == here.host && command.pid.is_some_and(|pid| !alive(pid)) {
        Some("which no longer runs on this host")
    } else {
        None
    };
    match gone {
        Some(how) => Verdict::Ours {
            command: command.clone(),
            how,
        },
        None => Verdict::NotOurs(format!(
            "this job's earlier {operation} on {} (pid {}) took it and may still run",
            command.host,
            command
                .pid
                .map_or_else(|| "unknown".into(), |p| p.to_string())
        )),
    }
}

/// Whether process `pid` of this host still runs a command in `workspace`
/// (a reused pid running something else does not count). Where `/proc`
/// cannot tell (no `/proc`, or an empty command line, as while a process
/// execs or after it exits unreaped), a live pid counts as running.
pub fn runs_in(pid: i64, workspace: &str) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    let target = nix::unistd::Pid::from_raw(raw);
    if let Err(nix::errno::Errno::ESRCH) = nix::sys::signal::kill(target, None) {
        return false;
    }
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) if !cmdline.is_empty() => {
            let wanted = format!("-chdir={workspace}");
            cmdline
                .split(|b| *b == 0)
                .any(|arg| arg == wanted.as_bytes())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        _ => true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // As terraform 1.11 describes a lock it could not take.
    const DETAIL: &str = "Error message: HTTP remote state already locked\nLock Info:\n  ID:        d01d6a66-9156-9e43-a9f9-c0e4b706f1ae\n  Path:      \n  Operation: OperationTypeApply\n  Who:       root@vm\n  Version:   1.11.4\n  Created:   2026-12-01 19:40:38.723763391 +0000 UTC\n  Info:      \n\n\nTerraform acquires a state lock to protect the state from being written\nby multiple users at the same time.";
    // 2026-12-01T19:40:38.723Z
    const CREATED: i64 = 1_796_154_038_723;

    fn here() -> Here {
        Here {
            who: "root@vm".into(),
            host: "vm".into(),
        }
    }

    fn apply(claim: i64, ended_at: Option<i64>) -> Command {
        Command {
            claim,
            operation: "apply".into(),
            who: "root@vm".into(),
            host: "vm".into(),
            pid: Some(4242),
            started_at: CREATED - 300,
            ended_at,
        }
    }

    fn lock() -> HeldLock {
        held_lock(DETAIL).unwrap()
    }

    #[test]
    fn the_holder_is_read_from_the_lock_info() {
        assert_eq!(
            lock(),
            HeldLock {
                id: "d01d6a66-9156-9e43-a9f9-c0e4b706f1ae".into(),
                who: Some("root@vm".into()),
                operation: Some("OperationTypeApply".into()),
                created: Some(CREATED),
            }
        );
        assert_eq!(held_lock("Error message: no such file"), None);
    }

    #[test]
    fn a_lock_an_earlier_claim_took_and_that_ended_is_ours() {
        let verdict = judge(
            &lock(),
            &[apply(3, Some(CREATED + 5_000))],
            4,
            &here(),
            |_| true,
        );
        assert!(
            matches!(
                verdict,
                Verdict::Ours {
                    how: "which Palette saw end",
                    ..
                }
            ),
            "{verdict:?}"
        );
    }

    #[test]
    fn a_lock_of_a_process_gone_from_this_host_is_ours_and_of_a_live_one_is_not() {
        let gone = judge(&lock(), &[apply(3, None)], 4, &here(), |_| false);
        assert!(
            matches!(
                gone,
                Verdict::Ours {
                    how: "which no longer runs on this host",
                    ..
                }
            ),
            "{gone:?}"
        );
        let alive = judge(&lock(), &[apply(3, None)], 4, &here(), |_| true);
        assert_eq!(
            alive,
            Verdict::NotOurs(
                "this job's earlier apply on vm (pid 4242) took it and may still run".into()
            )
        );
    }

    #[test]
    fn a_process_on_another_host_that_never_ended_keeps_its_lock() {
        let elsewhere = Here {
            who: "root@other".into(),
            host: "other".into(),
        };
        let verdict = judge(&lock(), &[apply(3, None)], 4, &elsewhere, |_| false);
        assert!(matches!(verdict, Verdict::NotOurs(_)), "{verdict:?}");
    }

    #[test]
    fn a_lock_taken_outside_the_commands_window_or_by_another_operation_or_claim_is_not_ours() {
        let before = Command {
            started_at: CREATED + 2_000,
            ..apply(3, Some(CREATED + 9_000))
        };
        let after = apply(3, Some(CREATED - 2_000));
        let plan = Command {
            operation: "plan".into(),
            ..apply(3, Some(CREATED + 5_000))
        };
        let someone = Command {
            who: "anne@vm".into(),
            ..apply(3, Some(CREATED + 5_000))
        };
        let this_claim = apply(4, Some(CREATED + 5_000));
        for command in [before, after, plan, someone, this_claim] {
            let verdict = judge(&lock(), std::slice::from_ref(&command), 4, &here(), |_| {
                false
            });
            assert_eq!(
                verdict,
                Verdict::NotOurs(
                    "no earlier run of this job took it (it is held by root@vm for apply)".into()
                ),
                "{command:?}"
            );
        }
    }

    #[test]
    fn the_http_backend_names_only_the_holders_id_and_that_lock_is_not_ours() {
        // As terraform 1.11's http backend says it: the Lock Info is the
        // lock it asked for, the holder is only the ID in the message.
        let detail = "Error message: HTTP remote state already locked: ID=1bf09a60-a2e4-212d-196b-586ecc11f456\nLock Info:\n  ID:        6759e6c2-cd57-38c8-4ed7-d6ab53f30cd4\n  Path:      \n  Operation: OperationTypePlan\n  Who:       root@vm\n  Version:   1.11.4\n  Created:   2026-12-02 05:20:06.900935321 +0000 UTC\n  Info:      \n";
        let held = held_lock(detail).unwrap();
        assert_eq!(
            held,
            HeldLock {
                id: "1bf09a60-a2e4-212d-196b-586ecc11f456".into(),
                who: None,
                operation: None,
                created: None,
            }
        );
        let plan = Command {
            operation: "plan".into(),
            started_at: 1_796_188_806_000,
            ..apply(3, Some(1_796_188_807_000))
        };
        assert_eq!(
            judge(&held, &[plan], 4, &here(), |_| false),
            Verdict::NotOurs("the backend does not say who holds it".into())
        );
    }

    #[test]
    fn a_lock_whose_info_lacks_its_holder_is_not_ours() {
        let mut lock = lock();
        lock.created = None;
        let verdict = judge(&lock, &[apply(3, Some(CREATED))], 4, &here(), |_| false);
        assert!(matches!(verdict, Verdict::NotOurs(_)), "{verdict:?}");
    }

    #[test]
    fn only_a_process_still_running_in_the_workspace_counts_as_alive() {
        let ws = std::env::temp_dir();
        let ws = ws.to_string_lossy();
        // `sh` forks for a command that is not its last, and keeps the
        // argument in its command line.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30; true", &format!("-chdir={ws}")])
            .spawn()
            .unwrap();
        let pid = i64::from(child.id());
        // While other tests spawn processes, the command line can still be
        // empty for a moment (which counts as running: it cannot tell).
        let start = std::time::Instant::now();
        while std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.is_empty()) {
            assert!(start.elapsed() < std::time::Duration::from_secs(10));
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let running = runs_in(pid, &ws);
        let elsewhere = runs_in(pid, "/nowhere");
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(running);
        assert!(!elsewhere, "a process in another workspace");
        assert!(!runs_in(pid, &ws), "a reaped process is gone");
    }
}
