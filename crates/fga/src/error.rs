//! Errors of the model, the tuple parsers and the evaluator.

/// What went wrong parsing a model or tuple, or evaluating a query.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid authorization model JSON: {0}")]
    ModelJson(#[from] serde_json::Error),
    #[error("invalid authorization model: {0}")]
    InvalidModel(String),
    #[error("invalid {what} name {name:?}")]
    InvalidName { what: &'static str, name: String },
    #[error("invalid object {0:?} (expected type:id)")]
    InvalidObject(String),
    #[error("invalid user {0:?} (expected type:id, type:* or type:id#relation)")]
    InvalidUser(String),
    #[error("type {0:?} is not in the model")]
    UnknownType(String),
    #[error("relation {relation:?} is not defined on type {object_type:?}")]
    UnknownRelation {
        object_type: String,
        relation: String,
    },
    #[error("tuple {tuple} is not allowed by the model: {reason}")]
    TupleNotAllowed { tuple: String, reason: String },
    #[error("resolution too complex: depth limit of {0} exceeded")]
    DepthExceeded(usize),
    #[error("tuple store: {0}")]
    Reader(#[from] ReaderError),
}

/// An error from a [`crate::TupleReader`] (for example the database).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReaderError(pub Box<dyn std::error::Error + Send + Sync>);

impl ReaderError {
    pub fn new(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(err.into())
    }
}
