//! Command-line flags the way terraform (Go's `flag` package) reads them:
//! `-name`, `-name=value`, `--name`, and `-name value` for string flags.

use std::collections::BTreeMap;

/// One accepted flag: name and whether it is boolean.
pub type Spec = (&'static str, bool);

#[derive(Debug, Default)]
pub struct Flags {
    values: BTreeMap<String, String>,
    pub args: Vec<String>,
}

impl Flags {
    pub fn parse(argv: &[String], spec: &[Spec]) -> Result<Flags, String> {
        let mut flags = Flags::default();
        let mut iter = argv.iter();
        while let Some(arg) = iter.next() {
            if arg == "--" {
                flags.args.extend(iter.by_ref().cloned());
                break;
            }
            let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
                flags.args.push(arg.clone());
                continue;
            };
            if body.is_empty() {
                flags.args.push(arg.clone());
                continue;
            }
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let Some((_, is_bool)) = spec.iter().find(|(n, _)| *n == name) else {
                return Err(format!("flag provided but not defined: -{name}"));
            };
            let value = match (inline, is_bool) {
                (Some(v), true) => {
                    if parse_bool(&v).is_none() {
                        return Err(format!("invalid boolean value {v:?} for -{name}"));
                    }
                    v
                }
                (Some(v), false) => v,
                (None, true) => "true".to_string(),
                (None, false) => iter
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("flag needs an argument: -{name}"))?,
            };
            flags.values.insert(name.to_string(), value);
        }
        Ok(flags)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn bool(&self, name: &str, default: bool) -> bool {
        self.get(name).and_then(parse_bool).unwrap_or(default)
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Parse a terraform duration like `0s`, `500ms`, `2m`.
pub fn duration(v: &str) -> Option<std::time::Duration> {
    let v = v.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let n: u64 = v[..split].parse().ok()?;
    let ms = match &v[split..] {
        "ms" => n,
        "s" | "" => n * 1000,
        "m" => n * 60_000,
        "h" => n * 3_600_000,
        _ => return None,
    };
    Some(std::time::Duration::from_millis(ms))
}

/// Print terraform's flag error and return exit status 1.
pub fn usage_error(command: &str, message: &str) -> i32 {
    eprintln!(
        "\nError: Failed to parse command-line flags\n\n{message}\n\n\
         For more help on using this command, run:\n  tofu-standin {command} -help"
    );
    1
}

pub const USAGE: &str = "Usage: tofu-standin [global options] <subcommand> [args]

A stand-in for the OpenTofu/Terraform CLI used by Palette: the same command
line and JSON UI, with simulated resources (see standin/README.md).

Main commands:
  init          Prepare your working directory for other commands
  plan          Show changes required by the current configuration
  apply         Create or update infrastructure
  show          Show the current state or a saved plan
  output        Show output values from your root module
  version       Show the current version

Global options (use these before the subcommand, if any):
  -chdir=DIR    Switch to a different working directory before executing the
                given subcommand.
  -help         Show this help output.
  -version      An alias for the \"version\" subcommand.
";

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn go_style_flags_are_accepted() {
        let spec = [("json", true), ("out", false), ("input", true)];
        let f = Flags::parse(&argv(&["-input=false", "--json", "-out", "p"]), &spec);
        let f = f.unwrap_or_default();
        assert!(!f.bool("input", true));
        assert!(f.bool("json", false));
        assert_eq!(f.get("out"), Some("p"));
    }

    #[test]
    fn unknown_flags_are_rejected() {
        let err = Flags::parse(&argv(&["-nope"]), &[("json", true)]).err();
        assert_eq!(err.as_deref(), Some("flag provided but not defined: -nope"));
    }

    #[test]
    fn durations_parse() {
        assert_eq!(duration("2s"), Some(std::time::Duration::from_secs(2)));
        assert_eq!(duration("x"), None);
    }
}
