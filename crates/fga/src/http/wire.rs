//! Request and response bodies of the OpenFGA HTTP API (v1.8+ shapes).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::AuthorizationModel;
use crate::tuple::Tuple;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateStoreRequest {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Store {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListStoresResponse {
    #[serde(default)]
    pub stores: Vec<Store>,
    #[serde(default)]
    pub continuation_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WriteModelResponse {
    pub authorization_model_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadModelsResponse {
    #[serde(default)]
    pub authorization_models: Vec<AuthorizationModel>,
    #[serde(default)]
    pub continuation_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRequest {
    pub tuple_key: Tuple,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_model_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResponse {
    #[serde(default)]
    pub allowed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchCheckItem {
    pub tuple_key: Tuple,
    pub correlation_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchCheckRequest {
    pub checks: Vec<BatchCheckItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_model_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchCheckResponse {
    #[serde(default)]
    pub result: HashMap<String, BatchCheckResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchCheckResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListObjectsRequest {
    #[serde(rename = "type")]
    pub object_type: String,
    pub relation: String,
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_model_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListObjectsResponse {
    #[serde(default)]
    pub objects: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FgaObject {
    #[serde(rename = "type")]
    pub object_type: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserTypeFilter {
    #[serde(rename = "type")]
    pub user_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListUsersRequest {
    pub object: FgaObject,
    pub relation: String,
    pub user_filters: Vec<UserTypeFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_model_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListUsersResponse {
    #[serde(default)]
    pub users: Vec<FgaUser>,
}

/// One user in a list-users response: exactly one field is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FgaUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<FgaObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userset: Option<FgaUserset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wildcard: Option<FgaWildcard>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FgaUserset {
    #[serde(rename = "type")]
    pub object_type: String,
    pub id: String,
    pub relation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FgaWildcard {
    #[serde(rename = "type")]
    pub user_type: String,
}

impl FgaUser {
    /// The OpenFGA string form (`user:anne`, `group:sre#member`, `user:*`).
    pub fn to_user_string(&self) -> Option<String> {
        match (&self.object, &self.userset, &self.wildcard) {
            (Some(o), None, None) => Some(format!("{}:{}", o.object_type, o.id)),
            (None, Some(u), None) => Some(format!("{}:{}#{}", u.object_type, u.id, u.relation)),
            (None, None, Some(w)) => Some(format!("{}:*", w.user_type)),
            _ => None,
        }
    }
}

/// The tuples to write; `on_duplicate: "ignore"` makes writing one that
/// exists a no-op (OpenFGA 1.10 and later) instead of failing the request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WriteTuples {
    pub tuple_keys: Vec<Tuple>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_duplicate: Option<String>,
}

/// The tuples to delete; `on_missing: "ignore"` makes deleting one that does
/// not exist a no-op.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteTuples {
    pub tuple_keys: Vec<Tuple>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_missing: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WriteRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<WriteTuples>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletes: Option<DeleteTuples>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_model_id: Option<String>,
}

/// A read filter; every field is optional (all empty reads everything).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TupleFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuple_key: Option<TupleFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub continuation_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadResponse {
    #[serde(default)]
    pub tuples: Vec<StoredTuple>,
    #[serde(default)]
    pub continuation_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredTuple {
    pub key: Tuple,
}

/// The error body OpenFGA sends with 4xx and 5xx responses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}
