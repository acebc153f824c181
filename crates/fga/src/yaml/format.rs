//! The `.fga.yaml` test file format (the subset Palette uses; anything
//! else is a parse error thanks to `deny_unknown_fields`).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::tuple::Tuple;

/// A parsed `.fga.yaml` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub model_file: Option<String>,
    #[serde(default)]
    pub tuple_file: Option<String>,
    #[serde(default)]
    pub tuple_files: Vec<String>,
    #[serde(default)]
    pub tuples: Vec<Tuple>,
    #[serde(default)]
    pub tests: Vec<TestCase>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tuple_file: Option<String>,
    #[serde(default)]
    pub tuple_files: Vec<String>,
    #[serde(default)]
    pub tuples: Vec<Tuple>,
    #[serde(default)]
    pub check: Vec<CheckTest>,
    #[serde(default)]
    pub list_objects: Vec<ListObjectsTest>,
    #[serde(default)]
    pub list_users: Vec<ListUsersTest>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckTest {
    pub user: String,
    pub object: String,
    pub assertions: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListObjectsTest {
    pub user: String,
    #[serde(rename = "type")]
    pub object_type: String,
    pub assertions: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListUsersTest {
    pub object: String,
    pub user_filter: Vec<UserFilter>,
    pub assertions: BTreeMap<String, ExpectedUsers>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFilter {
    #[serde(rename = "type")]
    pub user_type: String,
    #[serde(default)]
    pub relation: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedUsers {
    #[serde(default)]
    pub users: Vec<String>,
}
