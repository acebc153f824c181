//! Authorization: every engine service maps its action to one OpenFGA check.
//!
//! [`Authorizer`] has two implementations that evaluate the same model
//! (`authz/palette.fga`): [`embedded::EmbeddedAuthorizer`] over tuples in
//! Palette's own database (the embedded default) and
//! [`openfga::OpenFgaAuthorizer`] over the OpenFGA HTTP API. Both fail
//! closed: an error is never an allow.

pub mod embedded;
pub mod openfga;

use std::fmt;

use domain::EnvironmentName;
use futures::future::BoxFuture;
pub use palette_fga::Tuple;

/// The single Palette installation in the model.
pub const PLATFORM: &str = "platform:default";

/// What someone wants to do, typed; each maps to one relation on one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<'a> {
    CreateEnvironment,
    ReadAudit,
    /// Record releases from CI, quarantine revisions and lift quarantines.
    ManageReleases,
    /// End other people's sessions (platform admins).
    ManageUsers,
    /// Configure webhooks and read their deliveries (platform admins).
    ManageNotifications,
    ViewEnvironment(&'a EnvironmentName),
    ApplyEnvironment(&'a EnvironmentName),
    DestroyEnvironment(&'a EnvironmentName),
    PromoteTo(&'a EnvironmentName),
    ApprovePromotion(&'a EnvironmentName),
    ManageAccess(&'a EnvironmentName),
}

impl Action<'_> {
    pub fn relation(&self) -> &'static str {
        match self {
            Self::CreateEnvironment => "creator",
            Self::ReadAudit => "auditor",
            Self::ManageReleases => "releaser",
            Self::ManageUsers | Self::ManageNotifications => "admin",
            Self::ViewEnvironment(_) => "can_view",
            Self::ApplyEnvironment(_) => "can_apply",
            Self::DestroyEnvironment(_) => "can_destroy",
            Self::PromoteTo(_) => "can_promote_to",
            Self::ApprovePromotion(_) => "can_approve_promotion",
            Self::ManageAccess(_) => "can_manage_access",
        }
    }

    pub fn object(&self) -> String {
        match self {
            Self::CreateEnvironment
            | Self::ReadAudit
            | Self::ManageReleases
            | Self::ManageUsers
            | Self::ManageNotifications => PLATFORM.to_owned(),
            Self::ViewEnvironment(env)
            | Self::ApplyEnvironment(env)
            | Self::DestroyEnvironment(env)
            | Self::PromoteTo(env)
            | Self::ApprovePromotion(env)
            | Self::ManageAccess(env) => environment_object(env),
        }
    }
}

impl fmt::Display for Action<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.object(), self.relation())
    }
}

pub fn environment_object(name: &EnvironmentName) -> String {
    format!("environment:{name}")
}

/// Why the authorizer could not answer. Callers deny.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthzError {
    #[error("the authorizer is unavailable: {0}")]
    Unavailable(String),
    #[error("the authorizer refused the request: {0}")]
    Rejected(String),
}

/// Check, batch check, list objects/users, explain, write and delete tuples.
/// Object-safe so the engine holds either implementation behind one `Arc`.
pub trait Authorizer: Send + Sync + fmt::Debug {
    fn check<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object: &'a str,
    ) -> BoxFuture<'a, Result<bool, AuthzError>>;

    /// One answer per check, in order.
    fn batch_check<'a>(
        &'a self,
        checks: &'a [Tuple],
    ) -> BoxFuture<'a, Result<Vec<bool>, AuthzError>>;

    /// Objects (`environment:blue`) of `object_type` where `user` has `relation`.
    fn list_objects<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object_type: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AuthzError>>;

    /// Users (`user:anne`, `group:sre#member`) with `relation` on `object`.
    fn list_users<'a>(
        &'a self,
        object: &'a str,
        relation: &'a str,
        user_filter: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AuthzError>>;

    /// The path through the model that grants it, one line; `None` when not granted.
    fn explain<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, AuthzError>>;

    fn write<'a>(
        &'a self,
        writes: &'a [Tuple],
        deletes: &'a [Tuple],
    ) -> BoxFuture<'a, Result<(), AuthzError>>;

    /// Tuples stored directly on `object`.
    fn read_object<'a>(&'a self, object: &'a str) -> BoxFuture<'a, Result<Vec<Tuple>, AuthzError>>;

    /// Tuples stored for exactly `user` (no usersets, no wildcards) with
    /// `relation` on objects of `object_type`: `user:anne member group:*`.
    fn read_user<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object_type: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Tuple>, AuthzError>>;

    /// Whether the authorizer answers (for `/readyz`).
    fn ping(&self) -> BoxFuture<'_, Result<(), AuthzError>>;

    /// `embedded` or `openfga`.
    fn kind(&self) -> &'static str;
}

/// An authorizer that answers nothing: what the engine falls back to when
/// its configured authorizer cannot start. Everything is denied, with the
/// reason.
#[derive(Debug)]
pub struct DenyAll(pub String);

impl DenyAll {
    fn fail<T: Send + 'static>(&self) -> BoxFuture<'static, Result<T, AuthzError>> {
        let reason = self.0.clone();
        Box::pin(async move { Err(AuthzError::Unavailable(reason)) })
    }
}

impl Authorizer for DenyAll {
    fn check<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<bool, AuthzError>> {
        self.fail()
    }
    fn batch_check<'a>(&'a self, _: &'a [Tuple]) -> BoxFuture<'a, Result<Vec<bool>, AuthzError>> {
        self.fail()
    }
    fn list_objects<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AuthzError>> {
        self.fail()
    }
    fn list_users<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AuthzError>> {
        self.fail()
    }
    fn explain<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, AuthzError>> {
        self.fail()
    }
    fn write<'a>(
        &'a self,
        _: &'a [Tuple],
        _: &'a [Tuple],
    ) -> BoxFuture<'a, Result<(), AuthzError>> {
        self.fail()
    }
    fn read_object<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Vec<Tuple>, AuthzError>> {
        self.fail()
    }
    fn read_user<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Tuple>, AuthzError>> {
        self.fail()
    }
    fn ping(&self) -> BoxFuture<'_, Result<(), AuthzError>> {
        self.fail()
    }
    fn kind(&self) -> &'static str {
        "deny-all"
    }
}
