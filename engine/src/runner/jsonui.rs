//! Terraform's machine-readable UI (`-json`): one object a line. Palette
//! reads progress and the add/change/destroy summary from it.

use serde_json::Value;

use crate::queue::PlanSummary;

/// What a JSON-UI line tells the runner.
#[derive(Debug, Clone, PartialEq)]
pub enum UiEvent {
    /// A resource will change (plan).
    PlannedChange {
        address: String,
        action: String,
    },
    /// The totals of a plan or an apply.
    ChangeSummary(PlanSummary),
    ApplyComplete {
        address: String,
    },
    ApplyErrored {
        address: String,
    },
    /// An error or warning, with its summary and detail.
    Diagnostic {
        severity: String,
        summary: String,
        detail: String,
    },
    Other,
}

/// Reads one line; `None` when it is not a JSON-UI object.
pub fn parse(line: &str) -> Option<UiEvent> {
    let value: Value = serde_json::from_str(line.trim()).ok()?;
    let kind = value.get("type")?.as_str()?;
    let resource_addr = |v: &Value| -> String {
        v.pointer("/change/resource/addr")
            .or_else(|| v.pointer("/hook/resource/addr"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let int = |v: &Value, key: &str| {
        v.pointer(&format!("/changes/{key}"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    Some(match kind {
        "planned_change" => UiEvent::PlannedChange {
            address: resource_addr(&value),
            action: value
                .pointer("/change/action")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        },
        "change_summary" => UiEvent::ChangeSummary(PlanSummary {
            add: int(&value, "add"),
            change: int(&value, "change"),
            destroy: int(&value, "remove"),
        }),
        "apply_complete" => UiEvent::ApplyComplete {
            address: resource_addr(&value),
        },
        "apply_errored" => UiEvent::ApplyErrored {
            address: resource_addr(&value),
        },
        "diagnostic" => UiEvent::Diagnostic {
            severity: value
                .pointer("/diagnostic/severity")
                .and_then(Value::as_str)
                .unwrap_or("error")
                .to_owned(),
            summary: value
                .pointer("/diagnostic/summary")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            detail: value
                .pointer("/diagnostic/detail")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        },
        _ => UiEvent::Other,
    })
}

/// The JSON document of `show -json` or `output -json` stdout: the first
/// line starting with `{` from which a whole object parses. OpenTofu writes
/// warnings about its CLI configuration (e.g. a `TF_CLI_CONFIG_FILE` that
/// does not exist) to stdout before the document; Terraform writes them to
/// stderr.
pub fn document(text: &str) -> Option<Value> {
    let mut rest = text;
    loop {
        if rest.starts_with('{') {
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            if let Some(Ok(value)) = stream.next() {
                return Some(value);
            }
        }
        rest = &rest[rest.find('\n')? + 1..];
    }
}

/// What a failed step says of an error diagnostic: its summary, and for a
/// held state lock who holds it (from the detail's `Lock Info:`), so the
/// message alone tells whose operation it is and which ID
/// `force-unlock` would need.
pub fn error_message(summary: &str, detail: &str) -> String {
    let Some((_, info)) = detail.split_once("Lock Info:") else {
        return summary.to_owned();
    };
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let mut held = Vec::new();
    if let Some(who) = field("Who:") {
        held.push(format!("held by {who}"));
    }
    if let Some(op) = field("Operation:") {
        held.push(format!("for {op}"));
    }
    if let Some(created) = field("Created:") {
        held.push(format!("since {created}"));
    }
    let mut message = summary.to_owned();
    if !held.is_empty() {
        message = format!("{message}: {}", held.join(" "));
    }
    if let Some(id) = field("ID:") {
        message = format!("{message} (lock ID {id})");
    }
    message
}

/// The summary of a saved plan from `show -json`: counts of
/// `resource_changes[].change.actions` (a replace counts as add + destroy).
pub fn summarize_show(text: &str) -> Option<PlanSummary> {
    let value = document(text)?;
    let mut summary = PlanSummary::default();
    for change in value.get("resource_changes")?.as_array()? {
        let actions = change
            .pointer("/change/actions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for action in actions.iter().filter_map(Value::as_str) {
            match action {
                "create" => summary.add += 1,
                "update" => summary.change += 1,
                "delete" => summary.destroy += 1,
                _ => {}
            }
        }
    }
    Some(summary)
}

/// Every resource change of a saved plan from `show -json` that does
/// something (no-ops and reads left out), in the plan's order.
pub fn resource_changes(text: &str) -> Vec<domain::ResourceChange> {
    let Some(value) = document(text) else {
        return Vec::new();
    };
    let Some(changes) = value.get("resource_changes").and_then(Value::as_array) else {
        return Vec::new();
    };
    changes
        .iter()
        .filter_map(|change| {
            let address = change.get("address")?.as_str()?.to_owned();
            let actions: Vec<String> = change
                .pointer("/change/actions")?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .filter(|a| !matches!(*a, "no-op" | "read"))
                .map(str::to_owned)
                .collect();
            (!actions.is_empty()).then_some(domain::ResourceChange { address, actions })
        })
        .collect()
}

/// Outputs from `output -json` as name → value; sensitive ones are left
/// out so they never reach the database.
pub fn outputs(text: &str) -> Option<serde_json::Map<String, Value>> {
    let value = document(text)?;
    let map = value
        .as_object()?
        .iter()
        .filter(|(_, o)| !o.get("sensitive").and_then(Value::as_bool).unwrap_or(false))
        .map(|(name, o)| (name.clone(), o.get("value").cloned().unwrap_or(Value::Null)))
        .collect();
    Some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_summaries_and_completions_are_read() {
        let line = r#"{"type":"change_summary","changes":{"add":2,"change":1,"remove":3,"operation":"plan"}}"#;
        assert_eq!(
            parse(line),
            Some(UiEvent::ChangeSummary(PlanSummary {
                add: 2,
                change: 1,
                destroy: 3
            }))
        );
        let line = r#"{"type":"apply_complete","hook":{"resource":{"addr":"a.b"}}}"#;
        assert_eq!(
            parse(line),
            Some(UiEvent::ApplyComplete {
                address: "a.b".into()
            })
        );
        assert_eq!(parse("not json"), None);
    }

    #[test]
    fn a_held_state_lock_is_reported_with_its_holder() {
        // As terraform 1.11 prints it when another apply holds the lock.
        let line = r#"{"@level":"error","@message":"Error: Error acquiring the state lock","@module":"terraform.ui","diagnostic":{"severity":"error","summary":"Error acquiring the state lock","detail":"Error message: resource temporarily unavailable\nLock Info:\n  ID:        d01d6a66-9156-9e43-a9f9-c0e4b706f1ae\n  Path:      terraform.tfstate\n  Operation: OperationTypeApply\n  Who:       root@vm\n  Version:   1.11.4\n  Created:   2026-12-01 19:40:38.723763391 +0000 UTC\n  Info:      \n\n\nTerraform acquires a state lock to protect the state from being written\nby multiple users at the same time."},"type":"diagnostic"}"#;
        let Some(UiEvent::Diagnostic {
            summary, detail, ..
        }) = parse(line)
        else {
            panic!("not a diagnostic");
        };
        assert_eq!(
            error_message(&summary, &detail),
            "Error acquiring the state lock: held by root@vm for OperationTypeApply \
             since 2026-12-01 19:40:38.723763391 +0000 UTC \
             (lock ID d01d6a66-9156-9e43-a9f9-c0e4b706f1ae)"
        );
        assert_eq!(
            error_message(
                "Saved plan is stale",
                "The given plan file can no longer be applied"
            ),
            "Saved plan is stale"
        );
    }

    #[test]
    fn show_counts_a_replace_as_add_and_destroy() {
        let show = r#"{"resource_changes":[{"change":{"actions":["delete","create"]}},{"change":{"actions":["no-op"]}}]}"#;
        assert_eq!(
            summarize_show(show),
            Some(PlanSummary {
                add: 1,
                change: 0,
                destroy: 1
            })
        );
    }

    #[test]
    fn warnings_before_the_document_on_stdout_are_skipped() {
        // `tofu output -json` (1.12) with TF_CLI_CONFIG_FILE naming a
        // missing file.
        let text = "\nWarning: Unable to open CLI configuration file\n\n\
                    The CLI configuration file at \"/root/.terraformrc\" does not exist.\n\
                    {\n  \"url\": {\n    \"sensitive\": false,\n    \"type\": \"string\",\n    \
                    \"value\": \"https://x\"\n  }\n}\n";
        assert_eq!(outputs(text).unwrap_or_default()["url"], "https://x");
        let show = "Warning: {not json}\n{\"resource_changes\":[{\"address\":\"a.b\",\
                    \"change\":{\"actions\":[\"create\"]}}]}\n";
        assert_eq!(summarize_show(show).map(|s| s.add), Some(1));
        assert_eq!(resource_changes(show).len(), 1);
        assert_eq!(document("no json here\n"), None);
    }

    #[test]
    fn sensitive_outputs_are_left_out() {
        let text = r#"{"a":{"sensitive":false,"value":"x"},"b":{"sensitive":true,"value":"s"}}"#;
        let map = outputs(text).unwrap_or_default();
        assert_eq!(map.len(), 1);
        assert_eq!(map["a"], "x");
    }
}
