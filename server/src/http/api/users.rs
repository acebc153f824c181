//! `/api/v1/users/{subject}/sessions`: ending a person's browser sessions
//! (their own, or anyone's for a platform admin). The same engine method as
//! "Log out everywhere" and the access page's "End sessions".

use axum::extract::{Extension, Path, State};
use axum::response::Json;
use domain::user::SessionsEnded;
use engine::{Actor, Engine};

use super::ApiError;

/// End every browser session of a person: theirs for anyone, anyone's for
/// platform admins. Audited as `sessions.end`; 0 when none was open.
#[utoipa::path(delete, path = "/users/{subject}/sessions", tag = "auth",
    params(("subject" = domain::openapi::UserId, Path, description = "The person's OIDC subject")),
    responses((status = 200, body = SessionsEnded), super::errors::Errors))]
pub async fn end_sessions(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    Path(subject): Path<String>,
) -> Result<Json<SessionsEnded>, ApiError> {
    Ok(Json(engine.end_sessions(&actor, &subject).await?))
}
