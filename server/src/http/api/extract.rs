//! What API handlers share: JSON bodies that fail with the API's error shape
//! and query strings that fail with the API's error shape (not axum's
//! plain-text rejections).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use domain::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;

/// A query string that fails with the API's error shape (400).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Self(q))
            .map_err(|e| bad_request(&format!("invalid query string: {}", e.body_text())))
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
        parse(&headers, &bytes).map(Self)
    }
}

async fn read<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<(HeaderMap, Bytes), Rejection> {
    let headers = request.headers().clone();
    let bytes = Bytes::from_request(request, state).await.map_err(|e| {
        // A body cut off at the limit while it was read (no Content-Length).
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Rejection(
                ErrorCode::PayloadTooLarge,
                "the request body is larger than 1 MiB".into(),
            )
        } else {
            bad_request(&format!("cannot read the request body: {}", e.body_text()))
        }
    })?;
    if bytes.len() > MAX_BODY {
        return Err(Rejection(
            ErrorCode::PayloadTooLarge,
            "the request body is larger than 1 MiB".into(),
        ));
    }
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
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let what = if e.is_syntax() || e.is_eof() {
            "is not valid JSON"
        } else {
            "does not have the expected shape"
        };
        bad_request(&format!("the request body {what}: {e}"))
    })
}

/// Why a request could not be read: status, code and message, answered in
/// the API's error shape.
#[derive(Debug)]
pub struct Rejection(ErrorCode, String);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        super::error::error_response(ErrorBody::new(self.0, self.1))
    }
}

/// 400 `bad_request`.
pub fn bad_request(message: &str) -> Rejection {
    Rejection(ErrorCode::BadRequest, message.to_owned())
}
