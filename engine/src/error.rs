//! The engine's error type.
//!
//! Policy: every variant but `Internal` carries a message that is safe to
//! show to the person who asked; `Internal` is logged where it is turned
//! into a body and shown as a generic failure. Each variant has a stable
//! [`ErrorCode`]; [`Error::to_body`] is the one mapping every boundary (the
//! REST API, the server functions, SSE) uses.

use domain::{ErrorBody, ErrorCode, ValidationError};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {}", summary(.0))]
    Invalid(Vec<ValidationError>),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A name or key already in use: a conflict on one field.
    #[error("{}", .0.message)]
    Taken(ValidationError),
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
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(_) => ErrorCode::InvalidInput,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) | Self::Taken(_) => ErrorCode::Conflict,
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn invalid(error: ValidationError) -> Self {
        Self::Invalid(vec![error])
    }

    /// A dependency (the authorizer, the provider) could not answer: `what`
    /// is what the caller is told; `cause`, which may name hosts, paths or
    /// a server's own words, goes to the log only.
    pub fn unavailable(what: &str, cause: &dyn std::fmt::Display) -> Self {
        tracing::warn!(%cause, "{what}");
        Self::Unavailable(what.to_owned())
    }

    /// The error as it crosses a boundary. An internal error is logged
    /// here, with its source, and answered without it.
    pub fn to_body(&self) -> ErrorBody {
        match self {
            Self::Invalid(fields) => ErrorBody::invalid(fields.clone()),
            Self::Taken(field) => ErrorBody {
                code: ErrorCode::Conflict,
                message: field.message.clone(),
                fields: vec![field.clone()],
            },
            Self::Internal(source) => {
                tracing::error!(error = %source, "internal error");
                ErrorBody::new(ErrorCode::Internal, self.to_string())
            }
            other => ErrorBody::new(other.code(), other.to_string()),
        }
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound("the object".to_owned()),
            StoreError::Conflict => Self::Conflict("it already exists".to_owned()),
            other if other.is_transient() => {
                Self::unavailable("Palette's database does not answer", &other)
            }
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Database(err).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_never_reach_the_body() {
        let err = Error::Internal("password=hunter2 in a connection string".into());
        let body = err.to_body();
        assert_eq!(
            (body.code, body.message.as_str()),
            (ErrorCode::Internal, "internal error")
        );
    }

    #[test]
    fn a_taken_name_is_a_conflict_on_its_field() {
        let body = Error::Taken(ValidationError::new("name", "is taken")).to_body();
        assert_eq!(
            (body.http_status(), body.field("name")),
            (409, Some("is taken"))
        );
    }
}
