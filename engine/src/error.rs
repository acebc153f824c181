//! The engine's error type.
//!
//! Policy: every variant but `Internal` carries a message that is safe to
//! show to the person who asked; `Internal` is logged where it happens and
//! shown as a generic failure. Each variant has a stable code that the REST
//! API and the UI use.

use domain::ValidationError;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {}", summary(.0))]
    Invalid(Vec<ValidationError>),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("you need to log in to do this")]
    Unauthenticated,
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn summary(errors: &[ValidationError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid_input",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn invalid(error: ValidationError) -> Self {
        Self::Invalid(vec![error])
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound("the object".to_owned()),
            StoreError::Conflict => Self::Conflict("it already exists".to_owned()),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Database(err).into()
    }
}
