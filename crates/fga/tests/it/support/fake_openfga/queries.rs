//! The fake's data-plane endpoints, answered by the embedded evaluator.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use palette_fga::http::wire::*;
use palette_fga::{Evaluator, MemoryTuples, Tuple};
use serde_json::{json, Value};

use super::{error, gate, page, Shared};

/// `POST /stores/{store}/{op}`
pub(crate) async fn query(
    State(s): State<Shared>,
    h: HeaderMap,
    Path((store, op)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    if let Err(e) = gate(&s, &h).await {
        return e;
    }
    let (model, tuples) = {
        let s = s.lock().expect("lock");
        let Some(models) = s.models.get(&store) else {
            return error(StatusCode::NOT_FOUND, "store_id_not_found", store);
        };
        let wanted = body["authorization_model_id"].as_str();
        let model = match wanted {
            Some(id) => models.iter().find(|m| m.id.as_deref() == Some(id)),
            None => models.last(),
        };
        let Some(model) = model.cloned() else {
            return error(
                StatusCode::BAD_REQUEST,
                "authorization_model_not_found",
                "no model",
            );
        };
        (model, s.tuples.get(&store).cloned().unwrap_or_default())
    };
    let ev = Evaluator::new(model);
    let result = match op.as_str() {
        "check" => check(&ev, &tuples, body).await,
        "batch-check" => batch_check(&ev, &tuples, body).await,
        "list-objects" => list_objects(&ev, &tuples, body).await,
        "list-users" => list_users(&ev, &tuples, body).await,
        "write" => return write(&s, &store, &ev, tuples, body),
        "read" => read(&tuples, body),
        _ => return error(StatusCode::NOT_FOUND, "undefined_endpoint", op),
    };
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, "validation_error", e),
    }
}

type Answer = Result<Value, String>;

fn parse<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, String> {
    serde_json::from_value(body).map_err(|e| e.to_string())
}

async fn check(ev: &Evaluator, t: &MemoryTuples, body: Value) -> Answer {
    let r: CheckRequest = parse(body)?;
    let k = r.tuple_key;
    let allowed = ev
        .check(t, &k.user, &k.relation, &k.object)
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({"allowed": allowed, "resolution": ""}))
}

async fn batch_check(ev: &Evaluator, t: &MemoryTuples, body: Value) -> Answer {
    let r: BatchCheckRequest = parse(body)?;
    let mut result = serde_json::Map::new();
    for item in r.checks {
        let k = item.tuple_key;
        let v = match ev.check(t, &k.user, &k.relation, &k.object).await {
            Ok(allowed) => json!({"allowed": allowed}),
            Err(e) => {
                json!({"error": {"input_error": "validation_error", "message": e.to_string()}})
            }
        };
        result.insert(item.correlation_id, v);
    }
    Ok(json!({"result": result}))
}

async fn list_objects(ev: &Evaluator, t: &MemoryTuples, body: Value) -> Answer {
    let r: ListObjectsRequest = parse(body)?;
    let objects = ev
        .list_objects(t, &r.user, &r.relation, &r.object_type)
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({"objects": objects}))
}

async fn list_users(ev: &Evaluator, t: &MemoryTuples, body: Value) -> Answer {
    let r: ListUsersRequest = parse(body)?;
    let [f] = r.user_filters.as_slice() else {
        return Err("exactly one user filter".into());
    };
    let filter = match &f.relation {
        Some(rel) => format!("{}#{rel}", f.user_type),
        None => f.user_type.clone(),
    };
    let object = format!("{}:{}", r.object.object_type, r.object.id);
    let users = ev
        .list_users(t, &object, &r.relation, &filter)
        .await
        .map_err(|e| e.to_string())?;
    let users: Vec<Value> = users.iter().map(|u| user_json(u)).collect();
    Ok(json!({"users": users}))
}

fn user_json(u: &str) -> Value {
    let (object, relation) = u.split_once('#').map_or((u, None), |(o, r)| (o, Some(r)));
    let (ty, id) = object.split_once(':').expect("type:id");
    match (id, relation) {
        ("*", _) => json!({"wildcard": {"type": ty}}),
        (_, Some(rel)) => json!({"userset": {"type": ty, "id": id, "relation": rel}}),
        (_, None) => json!({"object": {"type": ty, "id": id}}),
    }
}

fn write(
    s: &Shared,
    store: &str,
    ev: &Evaluator,
    mut tuples: MemoryTuples,
    body: Value,
) -> Response {
    let r: WriteRequest = match parse(body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "validation_error", e),
    };
    // OpenFGA's conflict options: "ignore" skips a missing delete or a
    // duplicate write; anything else fails the whole request.
    let (deletes, skip_missing) = r.deletes.map_or((Vec::new(), false), |d| {
        (d.tuple_keys, d.on_missing.as_deref() == Some("ignore"))
    });
    let (writes, skip_duplicate) = r.writes.map_or((Vec::new(), false), |w| {
        (w.tuple_keys, w.on_duplicate.as_deref() == Some("ignore"))
    });
    for t in deletes {
        if !tuples.remove(&t) && !skip_missing {
            return error(
                StatusCode::BAD_REQUEST,
                "write_failed_due_to_invalid_input",
                format!("{t} does not exist"),
            );
        }
    }
    for t in writes {
        match tuples.write(ev.model(), t.clone()) {
            Ok(true) => {}
            Ok(false) if skip_duplicate => {}
            Ok(false) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "write_failed_due_to_invalid_input",
                    format!("{t} exists"),
                )
            }
            Err(e) => return error(StatusCode::BAD_REQUEST, "validation_error", e),
        }
    }
    s.lock()
        .expect("lock")
        .tuples
        .insert(store.to_owned(), tuples);
    Json(json!({})).into_response()
}

fn read(t: &MemoryTuples, body: Value) -> Answer {
    let r: ReadRequest = parse(body)?;
    let f = r.tuple_key.unwrap_or_default();
    let matching: Vec<Tuple> = t
        .tuples()
        .filter(|t| f.user.as_ref().is_none_or(|u| *u == t.user))
        .filter(|t| f.relation.as_ref().is_none_or(|r| *r == t.relation))
        .filter(|t| f.object.as_ref().is_none_or(|o| *o == t.object))
        .collect();
    let q = HashMap::from([(
        "page_size".to_owned(),
        r.page_size.unwrap_or(50).to_string(),
    )]);
    let (tuples, next) = page(&matching, &q, &r.continuation_token);
    let tuples: Vec<Value> = tuples
        .into_iter()
        .map(|k| json!({"key": k, "timestamp": "2026-01-01T00:00:00Z"}))
        .collect();
    Ok(json!({"tuples": tuples, "continuation_token": next}))
}
