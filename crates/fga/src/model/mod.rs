//! Serde types for OpenFGA's JSON authorization model (schema 1.1), as
//! produced by `fga model transform` and returned by the HTTP API.

mod compare;
mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Error;

/// Palette's model, compiled into the binary (`authz/palette.json`).
pub const PALETTE_MODEL_JSON: &str = include_str!("../../../../authz/palette.json");

/// An OpenFGA authorization model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationModel {
    /// Set on models read back from a server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub schema_version: String,
    pub type_definitions: Vec<TypeDefinition>,
    /// Conditions are not supported by the embedded evaluator; validation rejects them.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "serde_json::Map::is_empty"
    )]
    pub conditions: serde_json::Map<String, serde_json::Value>,
}

/// One `type` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeDefinition {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub relations: BTreeMap<String, Userset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// Type metadata: which user types each relation may be assigned to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub relations: BTreeMap<String, RelationMetadata>,
    /// Fields the evaluator ignores (`module`, `source_info`, ...).
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelationMetadata {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub directly_related_user_types: Vec<RelationReference>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// One allowed user type: `user`, `user:*` (wildcard) or `group#member`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RelationReference {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wildcard: Option<Wildcard>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Wildcard {}

/// A relation's rewrite rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Userset {
    /// Directly assigned (`[user, group#member]`).
    This(Empty),
    /// Another relation on the same object (`or owner`).
    ComputedUserset(ObjectRelation),
    /// A relation on a related object (`admin from platform`).
    TupleToUserset(TupleToUserset),
    Union(Usersets),
    Intersection(Usersets),
    Difference(Difference),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Empty {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectRelation {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub object: String,
    #[serde(default)]
    pub relation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TupleToUserset {
    pub tupleset: ObjectRelation,
    pub computed_userset: ObjectRelation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Usersets {
    pub child: Vec<Userset>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub base: Box<Userset>,
    pub subtract: Box<Userset>,
}

impl AuthorizationModel {
    /// Parses and validates a model.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let model: Self = serde_json::from_str(json)?;
        model.validate()?;
        Ok(model)
    }

    /// Palette's own model ([`PALETTE_MODEL_JSON`]).
    pub fn palette() -> Result<Self, Error> {
        Self::from_json(PALETTE_MODEL_JSON)
    }

    pub fn type_definition(&self, object_type: &str) -> Option<&TypeDefinition> {
        self.type_definitions
            .iter()
            .find(|t| t.type_name == object_type)
    }

    /// The rewrite of `object_type#relation`.
    pub fn relation(&self, object_type: &str, relation: &str) -> Result<&Userset, Error> {
        let def = self
            .type_definition(object_type)
            .ok_or_else(|| Error::UnknownType(object_type.to_owned()))?;
        def.relations
            .get(relation)
            .ok_or_else(|| Error::UnknownRelation {
                object_type: object_type.to_owned(),
                relation: relation.to_owned(),
            })
    }

    pub fn has_relation(&self, object_type: &str, relation: &str) -> bool {
        self.relation(object_type, relation).is_ok()
    }

    /// The user types `object_type#relation` may be directly assigned to.
    pub fn directly_related(&self, object_type: &str, relation: &str) -> &[RelationReference] {
        self.type_definition(object_type)
            .and_then(|t| t.metadata.as_ref())
            .and_then(|m| m.relations.get(relation))
            .map(|r| r.directly_related_user_types.as_slice())
            .unwrap_or_default()
    }
}

impl RelationReference {
    pub fn is_wildcard(&self) -> bool {
        self.wildcard.is_some()
    }
}

fn null_as_default<'de, D, T>(de: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(de)?.unwrap_or_default())
}
