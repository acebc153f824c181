//! Releases: what CI recorded and where it went, the release matrix of
//! what runs where, and quarantining a revision everywhere. Each function
//! calls one engine method and returns the domain's types, the same the
//! REST API's `/releases`, `/release-matrix` and `/quarantines` answer.
//!
//! The state-changing ones are plain form posts too: without JavaScript
//! they land back on the matrix, with the reason and what was typed when
//! they were refused.

use domain::{Page, Quarantine, Release, ReleaseId, ReleaseQuery};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::UiError;

#[cfg(feature = "ssr")]
use super::form_return::land;

/// How many releases a page of the list holds.
pub const PAGE: i64 = 50;

/// The page the quarantine forms are on.
pub const MATRIX: &str = "/releases/matrix";

/// Recorded releases, newest first, with where each went, paged as `GET
/// /api/v1/releases` pages.
#[server(prefix = "/_fn", endpoint = "list_releases", input = GetUrl)]
pub async fn list_releases(
    #[server(default)] query: ReleaseQuery,
) -> Result<Page<Release, ReleaseId>, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.releases(&super::context::actor(), &query).await?)
}

/// The environments the caller may view, in upstream order, × their
/// applications; the quarantines, and whether the caller may change them.
#[server(prefix = "/_fn", endpoint = "get_release_matrix", input = GetUrl)]
pub async fn get_release_matrix() -> Result<domain::ReleaseMatrix, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.release_matrix(&super::context::actor()).await?)
}

/// Keeps `charm` at `revision` out of every environment, for `reason`.
#[server(prefix = "/_fn", endpoint = "quarantine_revision")]
pub async fn quarantine_revision(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    #[server(default)] charm: String,
    #[server(default)] revision: String,
    #[server(default)] reason: String,
) -> Result<Quarantine, UiError> {
    let request = domain::QuarantineRequest {
        charm: charm.clone(),
        // Text that is no number is out of range: the engine says so.
        revision: revision.trim().parse().unwrap_or(0),
        reason: reason.clone(),
    };
    let quarantined = async {
        let engine = super::context::engine()?;
        Ok(engine
            .quarantine(&super::context::actor(), &request)
            .await?)
    }
    .await;
    let typed = [
        ("charm", charm.as_str()),
        ("revision", revision.as_str()),
        ("reason", reason.as_str()),
    ];
    land(quarantined, MATRIX, "/_fn/quarantine_revision", &typed)
}

/// Lifts the quarantine on `charm` at `revision`.
#[server(prefix = "/_fn", endpoint = "lift_quarantine")]
pub async fn lift_quarantine(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    charm: String,
    revision: String,
) -> Result<(), UiError> {
    let lifted = async {
        let key = domain::QuarantineKey::parse(&charm, &revision)?;
        let engine = super::context::engine()?;
        Ok(engine
            .lift_quarantine(&super::context::actor(), &key)
            .await?)
    }
    .await;
    land(lifted, MATRIX, "/_fn/lift_quarantine", &[])
}
