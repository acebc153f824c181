//! Palette's domain vocabulary, shared by the server and the browser.
//!
//! Every type that crosses a boundary (HTTP, database, command line, the
//! browser) is defined here once: the engine's read models, the REST API's
//! bodies, the server functions' results, the live events and the OpenAPI
//! schemas (behind the `openapi` feature, which only the server enables)
//! are these types. Every input is parsed here once, with a typed error
//! that names its field, and is valid from then on.

#[macro_use]
mod macros;

pub mod access;
pub mod audit;
pub mod colour;
pub mod environment;
pub mod error;
pub mod job;
pub mod manifest;
pub mod notification;
pub mod oidc;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod overview;
pub mod page;
pub mod promotion;
pub mod release;
pub mod text;
pub mod tflog;
pub mod time;
pub mod user;

pub use environment::{
    Actions, ApplyRequest, Channel, CreateEnvironment, Created, EnvironmentDetail, EnvironmentName,
    EnvironmentStatus, EnvironmentSummary, Layer, Lock, LockRequest, NewEnvironment, Permissions,
    Tier,
};
pub use error::{ErrorBody, ErrorCode, ErrorEnvelope, ValidationError};
pub use job::{JobId, PlanSummary};
pub use manifest::{Manifest, ManifestEntry, ManifestRow};
pub use overview::{Overview, OverviewCard};
pub use page::{Limit, Page};
pub use promotion::{
    Approval, DecisionRequest, Deployment, DiffRow, EnvironmentReleases, Hold, HoldKey,
    OpenPromotion, PolicyForm, Promotion, PromotionActions, PromotionDetail, PromotionEvent,
    PromotionFilter, PromotionId, PromotionPolicy, PromotionPreview, PromotionQuery,
    PromotionRequest, PromotionSource, PromotionState, PromotionStream, ReleaseSet, ResourceChange,
    Verdict, VerificationCheck, Warning, WarningKind, WorkspacePlan,
};
pub use release::{
    upstream_order, ChannelRelease, MatrixCell, MatrixEnvironment, MatrixRow, NewQuarantine,
    NewRelease, Quarantine, QuarantineKey, QuarantineRequest, RecordRelease, RecordedRelease,
    Release, ReleaseFilter, ReleaseId, ReleaseMatrix, ReleaseOutcome, ReleaseQuery, ReleaseRef,
};
