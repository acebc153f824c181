//! The audit log as it is read back, and the filter of its lists.

use serde::{Deserialize, Serialize};

use crate::job::{cursor, given, principal, rename, Collect};
use crate::{EnvironmentName, Limit, ValidationError};

crate::string_enum!(
    /// Whether the action was allowed.
    Decision, "decision" { Allowed => "allowed", Denied => "denied" }
);

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    pub id: i64,
    /// Unix milliseconds.
    pub at: i64,
    /// Who acted: `user:<sub>`, `system:<component>`.
    pub actor: String,
    /// What they did: `environment.create`, `access.grant`, …
    pub action: String,
    /// On what: `environment:blue`, `job:7`, …
    pub object: String,
    pub decision: Decision,
    pub reason: Option<String>,
    /// The request that carried the action.
    pub request_id: Option<String>,
    /// The address of the client that sent it: the connection's peer, or
    /// the address a trusted proxy (`PALETTE_TRUSTED_PROXIES`) forwarded.
    /// None for Palette's own actions.
    pub client: Option<String>,
}

/// Which audit events to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub environment: Option<EnvironmentName>,
    /// An exact action, or a prefix such as `environment.`.
    pub action: Option<String>,
    /// At or after (Unix ms).
    pub since: Option<i64>,
    /// Only events with an id below this (paging).
    pub before: Option<i64>,
    pub limit: Limit,
}

/// The raw text of an audit list's query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default, deny_unknown_fields)]
pub struct AuditQuery {
    /// A principal such as `user:alice` (or just `alice`).
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::openapi::Principal>))]
    pub actor: Option<String>,
    /// Events on this environment.
    #[cfg_attr(feature = "openapi", param(value_type = Option<EnvironmentName>))]
    pub environment: Option<String>,
    /// An action, or a prefix such as `environment.`.
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::openapi::Action>))]
    pub action: Option<String>,
    /// Unix milliseconds, a date (2026-01-31) or a UTC time (2026-01-31T12:00:00Z).
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::openapi::Since>))]
    pub since: Option<String>,
    /// The `next` of the previous page.
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::openapi::Cursor>))]
    pub before: Option<String>,
    /// At most this many events (default 50).
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::Limit>))]
    pub limit: Option<String>,
}

/// Longest action filter, and its pattern.
pub const ACTION_MAX_LEN: usize = 100;
pub const ACTION_PATTERN: &str = "^[a-z._]{1,100}$";

fn action(text: &str) -> Result<String, ValidationError> {
    let valid = text.len() <= ACTION_MAX_LEN
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
    if valid {
        Ok(text.to_owned())
    } else {
        Err(ValidationError::new(
            "action",
            "must be an action such as environment.create, or a prefix such as environment.",
        ))
    }
}

impl AuditQuery {
    pub fn parse(&self) -> Result<AuditFilter, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut take = Collect(&mut errors);
        let actor = given(&self.actor).and_then(|a| take.ok(principal("actor", a)));
        let environment = given(&self.environment)
            .and_then(|e| take.ok(EnvironmentName::parse(e).map_err(|e| rename(e, "environment"))));
        let action = given(&self.action).and_then(|a| take.ok(action(a)));
        let since = given(&self.since).and_then(|s| take.ok(crate::time::parse_time("since", s)));
        let before = given(&self.before).and_then(|b| take.ok(cursor(b)));
        let limit = take.ok(Limit::parse(given(&self.limit)));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AuditFilter {
            actor,
            environment,
            action,
            since,
            before,
            limit: limit.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audit_query_parses_every_field_once() {
        let query = AuditQuery {
            actor: Some("bob".into()),
            environment: Some("blue".into()),
            action: Some("environment.".into()),
            since: Some("1970-01-01T00:00:01Z".into()),
            before: Some("10".into()),
            limit: Some("5".into()),
        };
        let filter = query.parse().unwrap_or_default();
        assert_eq!(filter.actor.as_deref(), Some("user:bob"));
        assert_eq!(
            filter.environment.as_ref().map(EnvironmentName::as_str),
            Some("blue")
        );
        assert_eq!(
            (filter.since, filter.before, filter.limit.get()),
            (Some(1000), Some(10), 5)
        );
    }

    #[test]
    fn wildcards_cannot_be_smuggled_into_the_action_prefix() {
        let query = AuditQuery {
            action: Some("%".into()),
            ..AuditQuery::default()
        };
        assert_eq!(
            query.parse().err().map(|e| e[0].field.clone()),
            Some("action".to_owned())
        );
    }
}
