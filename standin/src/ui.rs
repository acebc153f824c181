//! Terraform's machine-readable UI: one JSON object a line with `@level`,
//! `@message`, `@module`, `@timestamp` and `type`. In human mode (no `-json`)
//! only the `@message` text is printed.

use serde_json::{json, Map, Value};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// The OpenTofu release the stand-in pretends to be.
pub const VERSION: &str = "1.8.0";
/// Version of the JSON UI format.
pub const UI_VERSION: &str = "1.2";

/// Where UI messages go.
#[derive(Clone, Copy)]
pub struct Ui {
    pub json: bool,
}

impl Ui {
    /// Print one message of `kind` with type-specific `extra` members.
    pub fn emit(&self, level: &str, kind: &str, message: &str, extra: Value) {
        let line = if self.json {
            let mut obj = Map::new();
            obj.insert("@level".into(), json!(level));
            obj.insert("@message".into(), json!(message));
            obj.insert("@module".into(), json!("terraform.ui"));
            obj.insert("@timestamp".into(), json!(timestamp()));
            if let Value::Object(members) = extra {
                obj.extend(members);
            }
            obj.insert("type".into(), json!(kind));
            Value::Object(obj).to_string()
        } else {
            message.to_string()
        };
        let mut out = std::io::stdout().lock();
        // A closed stdout must not stop the operation from saving state.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    pub fn version(&self) {
        self.emit(
            "info",
            "version",
            &format!("OpenTofu {VERSION}"),
            json!({"terraform": VERSION, "tofu": VERSION, "ui": UI_VERSION}),
        );
    }

    pub fn log(&self, level: &str, message: &str) {
        self.emit(level, "log", message, json!({}));
    }

    /// An error diagnostic (`Error: summary`), optionally about a resource.
    pub fn error(&self, summary: &str, detail: &str, address: Option<&str>) {
        let mut diag = json!({"severity": "error", "summary": summary, "detail": detail});
        if let (Some(addr), Value::Object(d)) = (address, &mut diag) {
            d.insert("address".into(), json!(addr));
        }
        if self.json {
            self.emit(
                "error",
                "diagnostic",
                &format!("Error: {summary}"),
                json!({ "diagnostic": diag }),
            );
        } else {
            eprintln!("\nError: {summary}\n\n{detail}\n");
        }
    }

    /// `change_summary`; `operation` is `plan`, `apply` or `destroy`.
    pub fn change_summary(&self, operation: &str, add: usize, change: usize, remove: usize) {
        let message = match operation {
            "plan" => format!("Plan: {add} to add, {change} to change, {remove} to destroy."),
            "destroy" => format!("Destroy complete! Resources: {remove} destroyed."),
            _ => format!(
                "Apply complete! Resources: {add} added, {change} changed, {remove} destroyed."
            ),
        };
        let changes = json!({
            "add": add, "change": change, "import": 0, "remove": remove, "operation": operation
        });
        self.emit(
            "info",
            "change_summary",
            &message,
            json!({ "changes": changes }),
        );
    }
}

/// The resource description used by `planned_change` and the apply hooks.
pub fn resource_addr(addr: &str) -> Value {
    let parsed = crate::addr::parse(addr);
    json!({
        "addr": addr,
        "module": parsed.module,
        "resource": parsed.resource,
        "implied_provider": parsed.provider,
        "resource_type": parsed.rtype,
        "resource_name": parsed.name,
        "resource_key": parsed.key,
    })
}

/// RFC 3339 UTC time with microseconds, like `2024-05-25T13:32:41.275359Z`.
pub fn timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        now.subsec_micros()
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_are_correct() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_868), (2024, 5, 25));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
