//! `palette check-oidc ISSUER_URL [--json] [--allow-http]
//! [--allow-private-network] [--ca-file FILE]`.
//!
//! Exit codes: 0 no rule fails (warnings allowed), 1 a rule fails, 2 usage
//! error (an ISSUER_URL that is not an absolute URL, an unreadable CA file).

use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;

use url::Url;

use crate::report::{Report, Status};
use crate::{CheckOptions, Checker};

/// Arguments of `palette check-oidc`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The issuer to check, e.g. https://auth.example.com/
    #[arg(value_name = "ISSUER_URL")]
    pub issuer_url: String,
    /// Print {"issuer","ok","rules","timings_ms"} as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Accept http issuers and endpoints (development only).
    #[arg(long)]
    pub allow_http: bool,
    /// Allow loopback, private and link-local addresses.
    #[arg(long)]
    pub allow_private_network: bool,
    /// Extra trusted CA certificates (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// Runs the check and prints the result to stdout; returns the exit code.
pub async fn run(args: Args) -> i32 {
    let stdout = std::io::stdout();
    let color = use_color(stdout.is_terminal(), std::env::var_os("NO_COLOR"));
    run_to(args, &mut stdout.lock(), color).await
}

/// [`run`] writing to `out` (colours as given; ignored with `--json`).
pub async fn run_to(args: Args, out: &mut dyn Write, color: bool) -> i32 {
    let issuer = args.issuer_url.trim();
    match Url::parse(issuer) {
        Ok(url) if url.has_host() => {}
        Ok(_) => return usage(&format!("ISSUER_URL {issuer:?} has no host")),
        Err(e) => {
            return usage(&format!(
                "ISSUER_URL {issuer:?} is not an absolute URL ({e})"
            ))
        }
    }
    let options = CheckOptions {
        allow_http: args.allow_http,
        allow_private_network: args.allow_private_network,
        ca_file: args.ca_file,
        ..CheckOptions::default()
    };
    let checker = match Checker::new(options) {
        Ok(c) => c,
        Err(e) => return usage(&e.to_string()),
    };
    let report = checker.check(issuer).await;
    let text = if args.json {
        let mut json = serde_json::to_string_pretty(&report.to_cli_json()).unwrap_or_default();
        json.push('\n');
        json
    } else {
        render_human(&report, color)
    };
    // A closed stdout (e.g. `| head`) must not change the verdict.
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    exit_code(&report)
}

/// 0 when no rule fails, 1 otherwise.
pub fn exit_code(report: &Report) -> i32 {
    if report.ok {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

fn usage(message: &str) -> i32 {
    eprintln!("error: {message}");
    eprintln!("usage: palette check-oidc ISSUER_URL [--json] [--allow-http] [--allow-private-network] [--ca-file FILE]");
    EXIT_USAGE
}

/// Colours only on a terminal and when `NO_COLOR` is unset or empty
/// (no-color.org).
pub fn use_color(stdout_is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    stdout_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// One line per rule, then a verdict line.
pub fn render_human(report: &Report, color: bool) -> String {
    let paint = |status: Status| {
        let code = match status {
            Status::Pass => "32",
            Status::Warn => "33",
            Status::Fail => "31",
            Status::Skip => "2",
        };
        if color {
            format!("\x1b[{code}m{:<4}\x1b[0m", status.as_str())
        } else {
            format!("{:<4}", status.as_str())
        }
    };
    let mut out = String::new();
    for rule in &report.rules {
        out.push_str(&format!(
            "{} {:<22} {}\n",
            paint(rule.status),
            rule.id,
            rule.detail
        ));
    }
    let count = |s: Status| report.rules.iter().filter(|r| r.status == s).count();
    let ms = |t: Option<u64>| t.map_or_else(|| "-".to_owned(), |t| format!("{t} ms"));
    let verdict = if report.ok {
        paint(Status::Pass).replace("pass", "OK  ")
    } else {
        paint(Status::Fail).replace("fail", "FAIL")
    };
    out.push_str(&format!(
        "{verdict} {}: {} failed, {} warnings, {} skipped (discovery {}, JWKS {}, total {} ms)\n",
        report.issuer,
        count(Status::Fail),
        count(Status::Warn),
        count(Status::Skip),
        ms(report.timings_ms.discovery),
        ms(report.timings_ms.jwks),
        report.timings_ms.total,
    ));
    out
}
