//! One child process in its own process group: its output as lines, and
//! stopping it like a terminal would (SIGINT to the group, SIGKILL after a
//! grace period).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::queue::{StopReason, StopSignals};

/// Which stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Why a command was stopped before it ended by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    By(StopReason),
    Timeout,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    pub stopped: Option<Stopped>,
}

impl Ended {
    pub fn success(&self) -> bool {
        self.code == Some(0) && self.stopped.is_none()
    }
}

/// Runs `bin args…` to its end with exactly the environment `env` (plus
/// `TF_IN_AUTOMATION=1`), passing each output line to `on_line`.
/// When `stop` is raised or `deadline` passes, the whole process group gets
/// SIGINT, and SIGKILL `grace` later if it is still there. With a
/// `wrapper` ([`super::exec`]) the process also gets SIGINT when this one
/// dies. `spawned` gets the process id once it runs.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    wrapper: Option<&Path>,
    bin: &Path,
    args: &[String],
    env: &[(String, String)],
    stop: &StopSignals,
    deadline: Instant,
    grace: Duration,
    on_line: &mut (dyn FnMut(Stream, String) + Send),
    spawned: tokio::sync::oneshot::Sender<u32>,
) -> std::io::Result<Ended> {
    let mut command = match wrapper {
        Some(wrapper) => {
            let mut command = tokio::process::Command::new(wrapper);
            command
                .arg(super::exec::SUBCOMMAND)
                .arg(std::process::id().to_string())
                .arg(bin);
            command
        }
        None => tokio::process::Command::new(bin),
    };
    let mut child = command
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("TF_IN_AUTOMATION", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()?;
    if let Some(id) = child.id() {
        let _ = spawned.send(id);
    }
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    let (tx, mut rx) = mpsc::unbounded_channel();
    if let Some(out) = child.stdout.take() {
        tokio::spawn(read_lines(out, Stream::Stdout, tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(read_lines(err, Stream::Stderr, tx));
    }
    let mut stopped: Option<Stopped> = None;
    let mut kill_at: Option<Instant> = None;
    let mut streams_open = true;
    let status = loop {
        tokio::select! {
            line = rx.recv(), if streams_open => match line {
                Some((stream, text)) => on_line(stream, text),
                None => streams_open = false,
            },
            status = child.wait(), if !streams_open => break status?,
            reason = stop.stopped(), if stopped.is_none() => {
                stopped = Some(Stopped::By(reason));
                kill_at = Some(signal_group(group, Signal::SIGINT, grace));
            }
            () = tokio::time::sleep_until(deadline), if stopped.is_none() => {
                stopped = Some(Stopped::Timeout);
                kill_at = Some(signal_group(group, Signal::SIGINT, grace));
            }
            () = sleep_until_opt(kill_at) => {
                kill_at = None;
                signal_group(group, Signal::SIGKILL, grace);
            }
        }
    };
    if stopped.is_some() {
        // Whatever is left of the group (grandchildren) goes too.
        signal_group(group, Signal::SIGKILL, grace);
    }
    Ok(Ended {
        code: status.code(),
        stopped,
    })
}

fn signal_group(group: Option<Pid>, signal: Signal, grace: Duration) -> Instant {
    if let Some(group) = group {
        let _ = killpg(group, signal);
    }
    Instant::now() + grace
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn read_lines(
    reader: impl AsyncRead + Unpin,
    stream: Stream,
    tx: mpsc::UnboundedSender<(Stream, String)>,
) {
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&buf)
                    .trim_end_matches(['\n', '\r'])
                    .to_owned();
                if tx.send((stream, text)).is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_child_gets_exactly_the_environment_it_is_given() {
        // This process has variables of its own (HOME, CARGO_*, …): none of
        // them may leak into the child.
        let env = vec![
            ("PATH".to_owned(), "/usr/bin:/bin".to_owned()),
            ("OS_REGION_NAME".to_owned(), "RegionOne".to_owned()),
        ];
        let mut lines = Vec::new();
        let ended = run(
            None,
            Path::new("/usr/bin/env"),
            &[],
            &env,
            &StopSignals::default(),
            Instant::now() + Duration::from_secs(10),
            Duration::from_secs(1),
            &mut |_, line| lines.push(line),
            tokio::sync::oneshot::channel().0,
        )
        .await
        .unwrap();
        assert!(ended.success());
        lines.sort();
        assert_eq!(
            lines,
            [
                "OS_REGION_NAME=RegionOne",
                "PATH=/usr/bin:/bin",
                "TF_IN_AUTOMATION=1"
            ]
        );
    }
}
