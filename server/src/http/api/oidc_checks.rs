//! `/api/v1/environments/{name}/oidc-checks`: ask for a check of an
//! environment's OIDC endpoint, and read its results.

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use domain::EnvironmentName;
use engine::oidc::{OidcCheckRecord, RuleResult, Timings};
use engine::{Actor, Engine};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::ApiError;

/// One stored result as the API shows it.
#[derive(Serialize)]
pub struct CheckItem {
    pub at: i64,
    pub ok: bool,
    /// `pass`, `warn` or `fail`.
    pub status: &'static str,
    pub rules: Vec<RuleResult>,
    pub timings_ms: Timings,
    /// `manual`, `schedule` or `promotion`.
    pub trigger: &'static str,
}

impl From<OidcCheckRecord> for CheckItem {
    fn from(record: OidcCheckRecord) -> Self {
        Self {
            at: record.at,
            ok: record.ok,
            status: engine::oidc::overall(&record.report).as_str(),
            rules: record.report.rules,
            timings_ms: record.report.timings_ms,
            trigger: record.trigger.as_str(),
        }
    }
}

#[derive(Serialize)]
pub struct CheckList {
    pub items: Vec<CheckItem>,
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    pub limit: Option<i64>,
}

fn env_name(name: &str) -> Result<EnvironmentName, ApiError> {
    Ok(EnvironmentName::parse(name).map_err(engine::Error::invalid)?)
}

/// `POST /environments/{name}/oidc-checks`: 202 with the queued job (the
/// one already queued or running, if any).
pub async fn request(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let job = engine.request_oidc_check(&actor, &env_name(&name)?).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": { "id": job } }))).into_response())
}

/// `GET /environments/{name}/oidc-checks?limit=`: results, newest first
/// (20 unless `limit` says otherwise, at most 500).
pub async fn history(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<CheckList>, ApiError> {
    let records = engine
        .oidc_check_history(&actor, &env_name(&name)?, query.limit.unwrap_or(20))
        .await?;
    Ok(Json(CheckList {
        items: records.into_iter().map(CheckItem::from).collect(),
    }))
}
