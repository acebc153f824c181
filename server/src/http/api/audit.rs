//! `GET /api/v1/audit`: who did what, newest first. Auditors and admins see
//! everything; others see the events on environments they may view.

use axum::extract::{Extension, State};
use axum::response::Json;
use domain::audit::{AuditQuery, AuditRecord};
use domain::Page;
use engine::{Actor, Engine};

use super::extract::ApiQuery;
use super::ApiError;

/// Audit events, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditRecord, i64>), super::errors::Errors))]
pub async fn list(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditRecord, i64>>, ApiError> {
    let filter = query.parse()?;
    Ok(Json(engine.list_audit(&actor, &filter).await?))
}
