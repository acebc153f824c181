//! The OpenAPI document's schemas. Enumerations are read from the types
//! themselves (`ALL`), so a new status or kind shows up without an edit.

use domain::{EnvironmentStatus, Tier};
use engine::queue::{JobKind, JobStatus, Phase, StepStatus};
use serde_json::{json, Value};

pub fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn strings<T: Copy>(all: &[T], text: impl Fn(T) -> &'static str) -> Value {
    json!({ "type": "string", "enum": all.iter().map(|v| text(*v)).collect::<Vec<_>>() })
}

fn nullable(kind: &str) -> Value {
    json!({ "type": [kind, "null"] })
}

fn page(item: &str, cursor: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": { "type": "array", "items": schema_ref(item) },
            "next": { "type": [cursor, "null"], "description": "Pass as `before` for the next page; null on the last." },
        },
    })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

fn job_ref() -> Value {
    object(&["id"], json!({ "id": { "type": "integer" } }))
}

fn environment_summary() -> Value {
    object(
        &[
            "name",
            "tier",
            "purpose",
            "channel",
            "oidc_issuer",
            "status",
            "manifest",
            "created_at",
            "created_by",
        ],
        json!({
            "name": { "type": "string", "pattern": "^[a-z][a-z0-9-]{1,30}$" },
            "tier": strings(Tier::ALL, Tier::as_str),
            "purpose": { "type": "string" },
            "channel": { "type": "string", "examples": ["edge", "2/stable"] },
            "oidc_issuer": { "type": "string", "format": "uri" },
            "status": strings(EnvironmentStatus::ALL, EnvironmentStatus::as_str),
            "manifest": schema_ref("Manifest"),
            "created_at": { "type": "integer", "description": "Unix milliseconds" },
            "created_by": { "type": "string" },
        }),
    )
}

fn job() -> Value {
    object(
        &["id", "kind", "status", "environment", "actor", "created_at"],
        json!({
            "id": { "type": "integer" },
            "kind": strings(JobKind::ALL, JobKind::as_str),
            "status": strings(JobStatus::ALL, JobStatus::as_str),
            "environment": nullable("string"),
            "actor": { "type": "string" },
            "attempts": { "type": "integer" },
            "cancel_requested": { "type": "boolean" },
            "last_error": nullable("string"),
            "stopped_at": { "type": ["string", "null"], "description": "layer/phase where it stopped" },
            "created_at": { "type": "integer" },
            "started_at": nullable("integer"),
            "finished_at": nullable("integer"),
        }),
    )
}

fn step() -> Value {
    object(
        &["position", "layer", "phase", "status", "progress"],
        json!({
            "position": { "type": "integer", "description": "Log lines name it in `step`." },
            "layer": { "type": "string" },
            "phase": strings(Phase::ALL, Phase::as_str),
            "status": strings(StepStatus::ALL, StepStatus::as_str),
            "started_at": nullable("integer"),
            "finished_at": nullable("integer"),
            "progress": object(&["done", "planned"], json!({
                "done": { "type": "integer" }, "planned": { "type": "integer" },
            })),
            "summary": {
                "oneOf": [{ "type": "null" }, object(&["add", "change", "destroy"], json!({
                    "add": { "type": "integer" }, "change": { "type": "integer" }, "destroy": { "type": "integer" },
                }))],
            },
            "message": nullable("string"),
        }),
    )
}

/// `components` with every schema the operations refer to.
pub fn components() -> Value {
    json!({
        "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer", "description": "An OAuth2 access token (JWT or opaque)." },
        },
        "schemas": {
            "Error": object(&["error"], json!({ "error": object(&["code", "message"], json!({
                "code": { "type": "string" },
                "message": { "type": "string" },
                "fields": { "type": "array", "items": object(&["field", "message"], json!({
                    "field": { "type": "string" }, "message": { "type": "string" },
                })) },
            })) })),
            "Whoami": object(&["principal"], json!({ "principal": { "type": "string" } })),
            "Manifest": {
                "type": "object",
                "additionalProperties": object(&["charm", "channel"], json!({
                    "charm": { "type": "string" },
                    "channel": { "type": "string" },
                    "revision": nullable("integer"),
                })),
            },
            "EnvironmentSummary": environment_summary(),
            "EnvironmentPage": page("EnvironmentSummary", "string"),
            "Environment": { "allOf": [schema_ref("EnvironmentSummary"), object(
                &["layers", "locked_reason", "permissions", "recent_jobs"],
                json!({
                    "layers": { "type": "array", "items": { "type": "string" } },
                    "locked_reason": nullable("string"),
                    "permissions": object(&["apply", "destroy"], json!({
                        "apply": { "type": "boolean" }, "destroy": { "type": "boolean" },
                    })),
                    "recent_jobs": { "type": "array", "items": schema_ref("Job") },
                }),
            )] },
            "CreateEnvironment": object(&["name", "tier", "channel", "oidc_issuer"], json!({
                "name": { "type": "string" },
                "tier": strings(Tier::ALL, Tier::as_str),
                "purpose": { "type": "string" },
                "channel": { "type": "string" },
                "oidc_issuer": { "type": "string", "format": "uri" },
                "layers": { "type": "array", "items": { "type": "string" }, "description": "All when absent." },
                "manifest": schema_ref("Manifest"),
            })),
            "Created": object(&["environment", "job"], json!({
                "environment": schema_ref("EnvironmentSummary"), "job": job_ref(),
            })),
            "JobRef": object(&["job"], json!({ "job": job_ref() })),
            "Apply": object(&[], json!({
                "layers": { "type": "array", "items": { "type": "string" }, "description": "All when absent." },
            })),
            "LockRequest": object(&["reason"], json!({ "reason": { "type": "string", "maxLength": 200 } })),
            "Lock": object(&["name", "locked_reason"], json!({
                "name": { "type": "string" }, "locked_reason": nullable("string"),
            })),
            "Job": job(),
            "JobPage": page("Job", "integer"),
            "Step": step(),
            "JobDetail": { "allOf": [schema_ref("Job"), object(&["payload", "steps"], json!({
                "payload": { "type": "object" },
                "steps": { "type": "array", "items": schema_ref("Step") },
            }))] },
            "LogLine": object(&["seq", "step", "at", "line"], json!({
                "seq": { "type": "integer" }, "step": nullable("integer"),
                "at": { "type": "integer" }, "line": { "type": "string" },
            })),
            "CancelOutcome": object(&["job", "outcome"], json!({
                "job": job_ref(),
                "outcome": { "type": "string", "enum": ["cancelled", "requested", "already_finished"] },
            })),
            "AuditRecord": object(&["id", "at", "actor", "action", "object", "decision"], json!({
                "id": { "type": "integer" },
                "at": { "type": "integer" },
                "actor": { "type": "string" },
                "action": { "type": "string" },
                "object": { "type": "string" },
                "decision": { "type": "string", "enum": ["allowed", "denied"] },
                "reason": nullable("string"),
                "request_id": nullable("string"),
            })),
            "AuditPage": page("AuditRecord", "integer"),
        },
    })
}
