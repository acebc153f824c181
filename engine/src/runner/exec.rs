//! The exec wrapper layer processes start through, so that none outlives
//! its worker.
//!
//! The worker runs `WRAPPER __exec-layer PARENT_PID PROGRAM ARGS…` (the
//! wrapper is Palette's own executable). The wrapper asks the kernel to
//! send it SIGINT when its parent dies (`PR_SET_PDEATHSIG`), checks that
//! its parent is still the worker that started it (it may have died in
//! between), and then replaces itself with the program, which keeps that
//! setting: when the worker is killed (`kill -9`, OOM), Terraform gets
//! SIGINT at once, stops as it would on Ctrl-C, saves its state and
//! releases its state lock.
//!
//! The program also keeps SIGPIPE ignored, as Palette runs (the exec does
//! not reset it): once the worker is gone, nobody reads the program's
//! output, and Terraform (Go) would otherwise die of the first line it
//! writes after the interrupt, before it saved its state.
//!
//! The kernel sends the signal when the *thread* that started the child
//! exits; layer processes are started from the runtime's worker threads,
//! which live as long as the process.

use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;

use nix::sys::signal::Signal;

/// The wrapper's first argument.
pub const SUBCOMMAND: &str = "__exec-layer";

/// What the wrapper does when `args` (after the executable) start with
/// [`SUBCOMMAND`]: sets the parent-death signal and execs the program.
/// Returns `None` for any other command line; otherwise only on failure,
/// with the message to print (exit status 127, like a shell's).
pub fn wrapper_main(args: &[OsString]) -> Option<String> {
    let (first, rest) = args.split_first()?;
    if first != SUBCOMMAND {
        return None;
    }
    Some(exec(rest))
}

fn exec(args: &[OsString]) -> String {
    let [parent, program, args @ ..] = args else {
        return format!("usage: {SUBCOMMAND} PARENT_PID PROGRAM [ARGS…]");
    };
    let Some(parent) = parent.to_str().and_then(|p| p.parse::<i32>().ok()) else {
        return format!("{SUBCOMMAND}: the parent's process id is not a number");
    };
    if let Err(e) = nix::sys::prctl::set_pdeathsig(Signal::SIGINT) {
        return format!("{SUBCOMMAND}: cannot set the parent-death signal: {e}");
    }
    // The parent may have died before the line above: then nobody waits
    // for this layer, and it must not run.
    if nix::unistd::getppid().as_raw() != parent {
        let _ = nix::sys::prctl::set_pdeathsig(None);
        return format!("{SUBCOMMAND}: the worker that started this layer is gone");
    }
    let argv: Result<Vec<CString>, _> = std::iter::once(program)
        .chain(args)
        .map(|a| CString::new(a.as_bytes()))
        .collect();
    let error = match argv {
        Ok(argv) => match nix::unistd::execvp(&argv[0], &argv) {
            Err(errno) => std::io::Error::from(errno).to_string(),
            Ok(never) => match never {},
        },
        Err(_) => "an argument contains a NUL byte".to_owned(),
    };
    let _ = nix::sys::prctl::set_pdeathsig(None);
    format!(
        "Error: could not run {}: {error}",
        program.to_string_lossy()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_command_lines_are_left_alone() {
        assert_eq!(wrapper_main(&[]), None);
        assert_eq!(wrapper_main(&["serve".into()]), None);
    }

    #[test]
    fn a_wrong_parent_or_usage_runs_nothing() {
        let usage = wrapper_main(&[SUBCOMMAND.into()]).unwrap_or_default();
        assert!(usage.starts_with("usage:"), "{usage}");
        let gone =
            wrapper_main(&[SUBCOMMAND.into(), "1".into(), "/bin/true".into()]).unwrap_or_default();
        assert!(gone.contains("is gone"), "{gone}");
    }
}
