//! `tofu-standin`: honours the OpenTofu/Terraform command line Palette's
//! layer runner uses and prints the same JSON UI, simulating resources with
//! scripted delays, failures and hangs. See README.md.

mod addr;
mod apply;
mod cli;
mod knobs;
mod plan;
mod show;
mod signals;
mod state;
mod ui;

use cli::{usage_error, Flags};
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(run(&args));
}

fn run(args: &[String]) -> i32 {
    let mut i = 0;
    let mut chdir = None;
    while let Some(arg) = args.get(i).filter(|a| a.starts_with('-')) {
        let arg = arg.trim_start_matches('-');
        if let Some(dir) = arg.strip_prefix("chdir=") {
            chdir = Some(dir.to_string());
        } else if matches!(arg, "version" | "v") {
            return version(&args[i + 1..]);
        } else if matches!(arg, "help" | "h") {
            print!("{}", cli::USAGE);
            return 0;
        } else {
            eprintln!("Error: unknown global option -{arg}\n\n{}", cli::USAGE);
            return 1;
        }
        i += 1;
    }
    let Some(command) = args.get(i) else {
        eprint!("{}", cli::USAGE);
        return 1;
    };
    let rest = &args[i + 1..];
    if rest
        .iter()
        .any(|a| matches!(a.as_str(), "-help" | "--help" | "-h"))
    {
        print!("{}", cli::USAGE);
        return 0;
    }
    if let Some(dir) = chdir {
        if let Err(e) = std::env::set_current_dir(&dir) {
            eprintln!("Error handling -chdir option: chdir {dir}: {e}");
            return 1;
        }
    }
    match command.as_str() {
        "init" => init(rest),
        "plan" => plan::run(rest),
        "apply" => apply::run(rest),
        "show" => show::show(rest),
        "output" => show::output(rest),
        "version" => version(rest),
        other => {
            eprintln!(
                "OpenTofu has no command named \"{other}\".\n\n\
                 To see all of OpenTofu's top-level commands, run:\n  tofu-standin -help\n"
            );
            1
        }
    }
}

/// Print an error in terraform's human format; exit status 1.
pub fn fatal(message: &str) -> i32 {
    eprintln!("\nError: {message}\n");
    1
}

fn version(argv: &[String]) -> i32 {
    let flags = match Flags::parse(argv, &[("json", true)]) {
        Ok(f) => f,
        Err(e) => return usage_error("version", &e),
    };
    let platform = format!(
        "{}_{}",
        std::env::consts::OS,
        match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        }
    );
    if flags.bool("json", false) {
        let doc = serde_json::json!({
            "terraform_version": ui::VERSION,
            "platform": platform,
            "provider_selections": {},
            "terraform_outdated": false,
            "standin": true,
        });
        match serde_json::to_string_pretty(&doc) {
            Ok(text) => println!("{text}"),
            Err(e) => return fatal(&e.to_string()),
        }
    } else {
        println!(
            "OpenTofu v{} (palette stand-in)\non {platform}",
            ui::VERSION
        );
    }
    0
}

fn init(argv: &[String]) -> i32 {
    let spec = [
        ("input", true),
        ("no-color", true),
        ("upgrade", true),
        ("reconfigure", true),
        ("migrate-state", true),
        ("backend", true),
        ("get", true),
        ("lock", true),
        ("lock-timeout", false),
        ("json", true),
    ];
    let flags = match Flags::parse(argv, &spec) {
        Ok(f) => f,
        Err(e) => return usage_error("init", &e),
    };
    if !flags.args.is_empty() {
        return usage_error("init", "Too many command line arguments.");
    }
    let knobs = match knobs::Knobs::load(Path::new(".")) {
        Ok(k) => k,
        Err(e) => return fatal(&format!("Invalid stand-in knobs\n\n{e}")),
    };
    println!("\nInitializing the backend...\n\nInitializing provider plugins...");
    let mut providers: Vec<String> = knobs
        .resources
        .iter()
        .map(|r| addr::parse(&r.address).provider)
        .collect();
    providers.sort();
    providers.dedup();
    if knobs.fail_init {
        let source = providers.first().map_or("juju", String::as_str);
        eprintln!(
            "\nError: Failed to query available provider packages\n\n\
             Could not retrieve the list of available versions for provider {source}: \
             simulated failure (tofu stand-in knob fail_init)\n"
        );
        return 1;
    }
    for p in &providers {
        let source = addr::provider_source(p);
        println!("- Finding latest version of {source}...\n- Installed {source} (simulated)");
    }
    if let Err(e) = std::fs::create_dir_all(".terraform") {
        return fatal(&format!("Failed to create .terraform: {e}"));
    }
    println!(
        "\nOpenTofu has been successfully initialized!\n\n\
         You may now begin working with OpenTofu. Try running \"tofu plan\" to see\n\
         any changes that are required for your infrastructure. All OpenTofu commands\n\
         should now work.\n\n(palette stand-in: resources are simulated)"
    );
    0
}
