//! The one error vocabulary of every boundary: a field-level
//! [`ValidationError`], a stable [`ErrorCode`] with its HTTP status, and the
//! [`ErrorBody`] that the REST API and the server functions both send.
//!
//! Policy: a message in an `ErrorBody` is always safe to show to the person
//! who asked; internal details are logged where they happen and never
//! cross this line.

use serde::{Deserialize, Serialize};

/// Why an input was refused, on which field. The message is safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The input field: `name`, `manifest.hydra`, `limit`, …
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

crate::string_enum!(
    /// A stable, machine-readable error code.
    ErrorCode, "code" {
        /// A request that could not be read (syntax, shape).
        BadRequest => "bad_request",
        /// Well-formed, but some fields are invalid (see `fields`).
        InvalidInput => "invalid_input",
        Unauthenticated => "unauthenticated",
        Forbidden => "forbidden",
        /// Does not exist, or the caller may not see it.
        NotFound => "not_found",
        /// Conflicts with the current state.
        Conflict => "conflict",
        PayloadTooLarge => "payload_too_large",
        UnsupportedMediaType => "unsupported_media_type",
        /// Too many at once (open event streams of one principal).
        TooManyRequests => "too_many_requests",
        /// A browser request that failed its Origin or anti-CSRF token check.
        Csrf => "csrf",
        /// The request did not reach the server function (transport, decoding).
        RequestFailed => "request_failed",
        Internal => "internal",
        /// A dependency (database, authorizer) does not answer.
        Unavailable => "unavailable",
    }
);

impl ErrorCode {
    /// The HTTP status every boundary answers this code with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadRequest | Self::RequestFailed => 400,
            Self::Unauthenticated => 401,
            Self::Forbidden | Self::Csrf => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::InvalidInput => 422,
            Self::TooManyRequests => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }
}

/// An error as it crosses a boundary: REST answers `{"error": ErrorBody}`,
/// server functions return it as their error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// Safe to show to the person who asked.
    pub message: String,
    /// Which fields were refused, and why (invalid input, a name taken).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<ValidationError>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// Invalid input on these fields.
    pub fn invalid(fields: Vec<ValidationError>) -> Self {
        let message = format!(
            "invalid input: {}",
            fields
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        );
        Self {
            code: ErrorCode::InvalidInput,
            message,
            fields,
        }
    }

    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }

    /// The message for one field, if that field was refused.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.field == name)
            .map(|f| f.message.as_str())
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorBody {}

/// The REST API's error envelope: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_error_status() {
        for code in ErrorCode::ALL {
            assert!((400..600).contains(&code.http_status()), "{code}");
            assert_eq!(ErrorCode::parse(code.as_str()), Ok(*code));
        }
    }

    #[test]
    fn invalid_input_lists_each_field_in_the_message_and_the_structure() {
        let body = ErrorBody::invalid(vec![
            ValidationError::new("name", "is required"),
            ValidationError::new("tier", "must be one of: staging, production"),
        ]);
        assert_eq!(body.http_status(), 422);
        assert_eq!(
            body.field("tier"),
            Some("must be one of: staging, production")
        );
        assert!(body.message.contains("name: is required"));
        let json = serde_json::to_value(&body).unwrap_or_default();
        assert_eq!(json["code"], "invalid_input");
        assert_eq!(json["fields"][1]["field"], "tier");
    }

    #[test]
    fn bodies_without_fields_leave_the_member_out() {
        let json = serde_json::to_value(ErrorBody::new(ErrorCode::NotFound, "job 7 was not found"))
            .unwrap_or_default();
        assert!(json.get("fields").is_none());
        let back: ErrorBody = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert!(back.fields.is_empty());
    }
}
