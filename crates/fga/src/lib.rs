//! Palette's authorization model ([`PALETTE_MODEL_JSON`], from
//! `authz/palette.fga`) and everything needed to evaluate it:
//!
//! - [`AuthorizationModel`]: OpenFGA's JSON model, parsed and validated;
//! - [`Evaluator`]: check, batch check, list objects, list users and
//!   explain over any [`TupleReader`] ([`MemoryTuples`] in memory);
//! - [`yaml`]: a runner for `.fga.yaml` test files, so the embedded
//!   evaluator is held to the same assertions as the real OpenFGA engine;
//! - [`http`]: a client for the OpenFGA HTTP API, with store and model
//!   bootstrap.

mod error;
mod eval;
mod explain;
pub mod http;
mod list;
mod model;
mod reader;
mod resolve;
mod tuple;
pub mod yaml;

pub use error::{Error, ReaderError};
pub use eval::{Evaluator, DEFAULT_MAX_DEPTH};
pub use explain::{Explanation, Step};
pub use model::{
    AuthorizationModel, Difference, Empty, Metadata, ObjectRelation, RelationMetadata,
    RelationReference, TupleToUserset, TypeDefinition, Userset, Usersets, Wildcard,
    PALETTE_MODEL_JSON,
};
pub use reader::{MemoryTuples, TupleReader};
pub use tuple::{ObjectRef, Tuple, UserRef};
