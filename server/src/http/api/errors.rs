//! The error answers every operation documents: the status of each
//! [`domain::ErrorCode`] an operation can meet, each with the
//! `{"error": ErrorBody}` envelope.

use domain::ErrorEnvelope;

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its documentation is used
pub enum Errors {
    /// Malformed request: not JSON, the wrong shape, an unknown member or parameter.
    #[response(status = 400)]
    BadRequest(ErrorEnvelope),
    /// No valid bearer token or session.
    #[response(status = 401)]
    Unauthenticated(ErrorEnvelope),
    /// Not allowed, or a browser request that failed its CSRF check.
    #[response(status = 403)]
    Forbidden(ErrorEnvelope),
    /// Not found, or not visible to the caller.
    #[response(status = 404)]
    NotFound(ErrorEnvelope),
    /// Conflicts with the current state (locked, taken, finished).
    #[response(status = 409)]
    Conflict(ErrorEnvelope),
    /// The body is larger than 1 MiB.
    #[response(status = 413)]
    PayloadTooLarge(ErrorEnvelope),
    /// The body is not sent as JSON.
    #[response(status = 415)]
    UnsupportedMediaType(ErrorEnvelope),
    /// Invalid input: `fields` says which, and why.
    #[response(status = 422)]
    InvalidInput(ErrorEnvelope),
    /// A dependency (database, authorizer) does not answer.
    #[response(status = 503)]
    Unavailable(ErrorEnvelope),
}
