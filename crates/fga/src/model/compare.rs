//! Semantic comparison of models, to tell whether the model in the binary
//! differs from the latest one stored on an OpenFGA server.

use serde_json::Value;

use super::{AuthorizationModel, RelationMetadata, TypeDefinition};

impl AuthorizationModel {
    /// Whether two models define the same types, relations and directly
    /// related user types, ignoring ids, ordering, source positions and
    /// empty metadata.
    pub fn same_definition(&self, other: &Self) -> bool {
        self.schema_version == other.schema_version
            && self.conditions == other.conditions
            && self.canonical_types() == other.canonical_types()
    }

    /// The type definitions in a canonical JSON form.
    pub fn canonical_types(&self) -> Vec<Value> {
        let mut defs: Vec<&TypeDefinition> = self.type_definitions.iter().collect();
        defs.sort_by(|a, b| a.type_name.cmp(&b.type_name));
        defs.into_iter().map(canonical_type).collect()
    }
}

fn canonical_type(def: &TypeDefinition) -> Value {
    let metadata: serde_json::Map<String, Value> = def
        .metadata
        .iter()
        .flat_map(|m| m.relations.iter())
        .filter_map(|(name, r)| canonical_relation(r).map(|v| (name.clone(), v)))
        .collect();
    serde_json::json!({
        "type": def.type_name,
        "relations": serde_json::to_value(&def.relations).unwrap_or(Value::Null),
        "directly_related": metadata,
    })
}

fn canonical_relation(r: &RelationMetadata) -> Option<Value> {
    if r.directly_related_user_types.is_empty() {
        return None;
    }
    let mut refs = r.directly_related_user_types.clone();
    refs.sort();
    refs.dedup();
    serde_json::to_value(refs).ok()
}
