//! The audit log as the caller may read it. Calls one engine method with
//! the query `GET /api/v1/audit` takes, parsed by the same parser.

use domain::audit::{AuditQuery, AuditRecord};
use domain::Page;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::UiError;

/// How many events a page of the audit log holds.
pub const PAGE: i64 = 50;

/// Events narrowed by environment, actor, action (a prefix such as
/// `environment.`) and start date, newest first; `before` pages to older ones.
#[server(prefix = "/_fn", endpoint = "list_audit", input = GetUrl)]
pub async fn list_audit(
    #[server(default)] query: AuditQuery,
) -> Result<Page<AuditRecord, i64>, UiError> {
    let filter = query.parse()?;
    let engine = super::context::engine()?;
    Ok(engine.list_audit(&super::context::actor(), &filter).await?)
}
