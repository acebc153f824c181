//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 document generated from the
//! `api_routes!` table, so every route is in it with its method, path
//! parameters and doc comment. Bodies, queries and answers come from
//! [`shape`]; a route it does not know yet is still listed, with a generic
//! JSON answer. Schemas are in `openapi_schemas.rs`.

use axum::response::Json;
use serde_json::{json, Map, Value};

use super::openapi_schemas::{components, schema_ref};
use super::OPERATIONS;

/// One route as `api_routes!` declares it.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub handler: &'static str,
    pub doc: &'static str,
}

/// What a route takes and returns, beyond its path parameters.
#[derive(Debug, Default)]
struct Shape {
    /// The request body's schema, and whether it may be omitted.
    body: Option<(&'static str, bool)>,
    /// (name, JSON type, description)
    query: &'static [(&'static str, &'static str, &'static str)],
    /// The success status and its answer: a schema name, or a media type
    /// written as `text/...`.
    ok: (u16, &'static str),
}

const PAGE: (&str, &str, &str) = (
    "limit",
    "integer",
    "At most this many items (default 50, at most 200).",
);

fn shape(method: &str, path: &str) -> Shape {
    match (method, path) {
        ("get", "/whoami") => Shape {
            ok: (200, "Whoami"),
            ..Shape::default()
        },
        ("get", "/environments") => Shape {
            query: &[
                PAGE,
                ("before", "string", "The `next` of the previous page."),
            ],
            ok: (200, "EnvironmentPage"),
            ..Shape::default()
        },
        ("post", "/environments") => Shape {
            body: Some(("CreateEnvironment", false)),
            ok: (202, "Created"),
            ..Shape::default()
        },
        ("get", "/environments/{name}") => Shape {
            ok: (200, "Environment"),
            ..Shape::default()
        },
        ("delete", "/environments/{name}") => Shape {
            ok: (202, "JobRef"),
            ..Shape::default()
        },
        ("post", "/environments/{name}/apply") => Shape {
            body: Some(("Apply", true)),
            ok: (202, "JobRef"),
            ..Shape::default()
        },
        ("post", "/environments/{name}/lock") => Shape {
            body: Some(("LockRequest", false)),
            ok: (200, "Lock"),
            ..Shape::default()
        },
        ("post", "/environments/{name}/unlock") => Shape {
            ok: (200, "Lock"),
            ..Shape::default()
        },
        ("get", "/jobs") => Shape {
            query: &[
                ("environment", "string", "Only jobs on this environment."),
                (
                    "status",
                    "string",
                    "queued, running, succeeded, failed or cancelled.",
                ),
                PAGE,
                ("before", "integer", "The `next` of the previous page."),
            ],
            ok: (200, "JobPage"),
            ..Shape::default()
        },
        ("get", "/jobs/{id}") => Shape {
            ok: (200, "JobDetail"),
            ..Shape::default()
        },
        ("get", "/jobs/{id}/logs") => Shape {
            query: &[
                (
                    "after",
                    "integer",
                    "Only lines after this sequence number (see the X-Palette-Last-Seq header).",
                ),
                (
                    "step",
                    "string",
                    "A step: its position, its layer or layer/phase.",
                ),
                (
                    "limit",
                    "integer",
                    "At most this many lines (default and maximum 50000).",
                ),
            ],
            ok: (200, "text/plain"),
            ..Shape::default()
        },
        ("get", "/jobs/{id}/events") => Shape {
            query: &[(
                "after",
                "integer",
                "Send log lines after this sequence number unless Last-Event-ID is set.",
            )],
            ok: (200, "text/event-stream"),
            ..Shape::default()
        },
        ("post", "/jobs/{id}/cancel") => Shape {
            ok: (200, "CancelOutcome"),
            ..Shape::default()
        },
        ("post", "/jobs/{id}/retry") => Shape {
            ok: (202, "JobRef"),
            ..Shape::default()
        },
        ("get", "/audit") => Shape {
            query: &[
                ("actor", "string", "A principal such as user:alice."),
                ("environment", "string", "Events on this environment."),
                (
                    "action",
                    "string",
                    "An action or a prefix such as `environment.`.",
                ),
                (
                    "since",
                    "string",
                    "Unix milliseconds, a date (2026-01-31) or a UTC time (2026-01-31T12:00:00Z).",
                ),
                PAGE,
                ("before", "integer", "The `next` of the previous page."),
            ],
            ok: (200, "AuditPage"),
            ..Shape::default()
        },
        ("get", "/openapi.json") => Shape {
            ok: (200, "application/json"),
            ..Shape::default()
        },
        _ => Shape {
            ok: (200, "application/json"),
            ..Shape::default()
        },
    }
}

fn content(answer: &str) -> Value {
    match answer {
        "text/plain" | "text/event-stream" => json!({ answer: { "schema": { "type": "string" } } }),
        "application/json" => json!({ "application/json": { "schema": { "type": "object" } } }),
        schema => json!({ "application/json": { "schema": schema_ref(schema) } }),
    }
}

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema_ref("Error") } } })
}

fn operation(op: &Operation) -> Value {
    let shape = shape(op.method, op.path);
    let doc: Vec<&str> = op
        .doc
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut parameters: Vec<Value> = path_parameters(op.path)
        .map(|name| {
            let kind = if name == "id" { "integer" } else { "string" };
            json!({ "name": name, "in": "path", "required": true, "schema": { "type": kind } })
        })
        .collect();
    parameters.extend(shape.query.iter().map(|(name, kind, description)| {
        json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": kind } })
    }));
    let mut responses = Map::new();
    let (status, answer) = shape.ok;
    responses.insert(
        status.to_string(),
        json!({ "description": "Success", "content": content(answer) }),
    );
    for (code, description) in [
        ("400", "Malformed request"),
        ("401", "No valid bearer token or session"),
        ("403", "Not allowed"),
        ("404", "Not found, or not visible to the caller"),
        ("409", "Conflicts with the current state"),
        ("422", "Invalid input, per field"),
        ("503", "A dependency is unavailable"),
    ] {
        responses.insert(code.to_owned(), error_response(description));
    }
    let mut operation = json!({
        "operationId": op.handler.replace(' ', "").replace("::", "_"),
        "summary": doc.first().copied().unwrap_or(op.path),
        "description": doc.join(" "),
        "tags": [tag(op.path)],
        "parameters": parameters,
        "responses": responses,
    });
    if let Some((schema, optional)) = shape.body {
        operation["requestBody"] = json!({ "required": !optional, "content": { "application/json": { "schema": schema_ref(schema) } } });
    }
    if op.path == "/openapi.json" {
        operation["security"] = json!([]);
    }
    operation
}

/// The `{name}` parameters of a path template.
fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

fn tag(path: &str) -> &str {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("api")
}

/// The whole document.
pub fn spec() -> Value {
    let mut paths = Map::new();
    for op in OPERATIONS {
        let entry = paths
            .entry(format!("/api/v1{}", op.path))
            .or_insert_with(|| json!({}));
        entry[op.method] = operation(op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Palette REST API",
            "version": "1",
            "description": "Environments, jobs and audit for pipelines and scripts. Authenticate with \
                            `Authorization: Bearer <token>`; see docs/api.md.",
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": components(),
    })
}

/// `GET /openapi.json` (public).
pub async fn document() -> Json<Value> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_in_the_document_with_its_method() {
        let doc = spec();
        for (method, path) in super::super::ROUTES {
            let op = &doc["paths"][format!("/api/v1{path}")][*method];
            assert!(op.is_object(), "{method} {path} is missing");
            for name in path_parameters(path) {
                let declared = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name));
                assert!(declared, "{method} {path} does not declare {name}");
            }
        }
    }

    #[test]
    fn every_schema_reference_resolves() {
        let text = spec().to_string();
        let schemas = components()["schemas"].clone();
        for piece in text.split("#/components/schemas/").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(
                schemas.get(&name).is_some(),
                "{name} is referenced but not defined"
            );
        }
    }
}
