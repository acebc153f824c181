//! What API handlers share: JSON bodies that fail with the API's error shape
//! and query strings that fail with the API's error shape (not axum's
//! plain-text rejections).
//!
//! Two rules hold for every operation, as the OpenAPI document states them:
//! a query parameter's value is never empty nor padded with whitespace
//! (422 naming it: leave it out for the default), and a JSON number that
//! is whole (`86.0`, `1e2`) is the integer it equals, as JSON Schema's
//! `integer` has it.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use domain::{ErrorBody, ErrorCode, ValidationError};
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

/// A query string that fails with the API's error shape: 400 when it
/// cannot be read (an unknown parameter), 422 naming every parameter whose
/// value is empty or padded.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(query) = Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|e| bad_request(&format!("invalid query string: {}", e.body_text())))?;
        let pairs = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(pairs)| pairs)
            .unwrap_or_default();
        let padded: Vec<ValidationError> = pairs
            .iter()
            .filter(|(_, value)| domain::text::is_padded(value))
            .map(|(name, _)| {
                ValidationError::new(
                    name,
                    "is empty or padded with spaces: leave it out for the default",
                )
            })
            .collect();
        if padded.is_empty() {
            Ok(Self(query))
        } else {
            Err(Rejection::invalid(padded))
        }
    }
}

// The largest JSON body the API reads: the limit of every request body.
use crate::http::limits::MAX_BODY_BYTES as MAX_BODY;

/// A required JSON body. A body that is missing, not JSON or of the wrong
/// shape is a 400 `bad_request` naming the problem; a body sent as
/// something other than `application/json` is a 415.
pub struct ApiJson<T>(pub T);

/// An optional JSON body: an empty body reads as `T::default()`, so
/// `curl -X POST …/apply` works; anything else is read as [`ApiJson`].
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (headers, bytes) = read(request, state).await?;
        if bytes.is_empty() {
            return Err(bad_request("a JSON request body is required"));
        }
        parse(&headers, &bytes).map(Self)
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (headers, bytes) = read(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        // `null` is no body too (the document says the body is optional).
        parse::<Option<T>>(&headers, &bytes).map(|body| Self(body.unwrap_or_default()))
    }
}

async fn read<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<(HeaderMap, Bytes), Rejection> {
    let headers = request.headers().clone();
    // Every body is capped while it is read (`http::limits`): past the cap
    // reading fails, and that is the caller's 413.
    let bytes = Bytes::from_request(request, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Rejection(
                ErrorCode::PayloadTooLarge,
                format!("the request body is larger than {MAX_BODY} bytes"),
                Vec::new(),
            )
        } else {
            bad_request(&format!("cannot read the request body: {}", e.body_text()))
        }
    })?;
    Ok((headers, bytes))
}

fn parse<T: DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> Result<T, Rejection> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
        });
    if !json {
        return Err(Rejection(
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON with `Content-Type: application/json`".into(),
            Vec::new(),
        ));
    }
    let mut value: Value = serde_json::from_slice(bytes)
        .map_err(|e| bad_request(&format!("the request body is not valid JSON: {e}")))?;
    whole_numbers_as_integers(&mut value);
    serde_json::from_value(value).map_err(|e| {
        bad_request(&format!(
            "the request body does not have the expected shape: {e}"
        ))
    })
}

/// `86.0` and `1e2` are the integers 86 and 100, as JSON Schema counts them.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0) {
                // Within ±2^53 every whole f64 converts exactly.
                const EXACT: f64 = 9_007_199_254_740_992.0;
                if f.abs() <= EXACT {
                    #[allow(clippy::cast_possible_truncation)]
                    let whole = f as i64;
                    *n = Number::from(whole);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(members) => members.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// Why a request could not be read: status, code and message, answered in
/// the API's error shape.
#[derive(Debug)]
pub struct Rejection(ErrorCode, String, Vec<ValidationError>);

impl Rejection {
    /// 422 `invalid_input` on these fields.
    fn invalid(fields: Vec<ValidationError>) -> Self {
        let body = ErrorBody::invalid(fields);
        Self(body.code, body.message, body.fields)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let mut body = ErrorBody::new(self.0, self.1);
        body.fields = self.2;
        super::error::error_response(body)
    }
}

/// 400 `bad_request`.
pub fn bad_request(message: &str) -> Rejection {
    Rejection(ErrorCode::BadRequest, message.to_owned(), Vec::new())
}
