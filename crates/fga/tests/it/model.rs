//! Parsing, validation and semantic comparison of authorization models.

use palette_fga::{AuthorizationModel, Error, PALETTE_MODEL_JSON};
use serde_json::{json, Value};

fn palette_value() -> Value {
    serde_json::from_str(PALETTE_MODEL_JSON).expect("JSON")
}

#[test]
fn palette_model_parses_with_every_relation_the_engine_uses() {
    let model = AuthorizationModel::palette().expect("valid");
    for relation in [
        "can_view",
        "can_apply",
        "can_destroy",
        "can_promote_to",
        "can_approve_promotion",
        "can_manage_access",
    ] {
        assert!(model.has_relation("environment", relation), "{relation}");
    }
    assert!(model.has_relation("platform", "creator"));
    assert!(model.has_relation("group", "member"));
}

fn rejected(model: Value) -> Error {
    AuthorizationModel::from_json(&model.to_string()).expect_err("must be rejected")
}

#[test]
fn rejects_dangling_references() {
    let mut m = palette_value();
    m["type_definitions"][3]["relations"]["can_view"] =
        json!({"computedUserset": {"relation": "seer"}});
    assert!(matches!(rejected(m), Error::InvalidModel(msg) if msg.contains("seer")));

    let mut m = palette_value();
    m["type_definitions"][3]["relations"]["owner"]["union"]["child"][1]["tupleToUserset"]
        ["tupleset"]["relation"] = json!("realm");
    assert!(matches!(rejected(m), Error::InvalidModel(msg) if msg.contains("realm")));

    let mut m = palette_value();
    m["type_definitions"][1]["metadata"]["relations"]["member"]["directly_related_user_types"][0] =
        json!({"type": "robot"});
    assert!(matches!(rejected(m), Error::InvalidModel(msg) if msg.contains("robot")));

    let mut m = palette_value();
    m["schema_version"] = json!("1.0");
    assert!(matches!(rejected(m), Error::InvalidModel(_)));

    let mut m = palette_value();
    m["conditions"] = json!({"in_hours": {"name": "in_hours", "expression": "true"}});
    assert!(matches!(rejected(m), Error::InvalidModel(msg) if msg.contains("conditions")));

    assert!(matches!(rejected(json!({"nope": 1})), Error::ModelJson(_)));
}

#[test]
fn same_definition_ignores_presentation_but_not_meaning() {
    let ours = AuthorizationModel::palette().expect("valid");

    // As a server would return it: with an id, reordered types, explicit
    // empty metadata and source info.
    let mut served = palette_value();
    served["id"] = json!("01HXYZ");
    served["type_definitions"]
        .as_array_mut()
        .expect("array")
        .reverse();
    served["type_definitions"][0]["metadata"]["relations"]["can_view"] =
        json!({"directly_related_user_types": []});
    served["type_definitions"][0]["metadata"]["module"] = json!("");
    let served = AuthorizationModel::from_json(&served.to_string()).expect("valid");
    assert!(ours.same_definition(&served));

    let mut changed = palette_value();
    changed["type_definitions"][3]["relations"]["can_destroy"] =
        json!({"computedUserset": {"relation": "operator"}});
    let changed = AuthorizationModel::from_json(&changed.to_string()).expect("valid");
    assert!(!ours.same_definition(&changed));
}
