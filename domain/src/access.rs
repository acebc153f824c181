//! Who may do what: the relations a person or group can be granted on an
//! environment, the permissions they give, and subjects.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

crate::string_enum!(
    /// A relation that can be granted on an environment.
    Relation, "relation" {
        Owner => "owner",
        Operator => "operator",
        Approver => "approver",
        Viewer => "viewer",
    }
);

crate::string_enum!(
    /// A permission on an environment, as the model computes it.
    Permission, "permission" {
        CanView => "can_view",
        CanApply => "can_apply",
        CanDestroy => "can_destroy",
        CanPromoteTo => "can_promote_to",
        CanApprovePromotion => "can_approve_promotion",
        CanManageAccess => "can_manage_access",
    }
);

/// Longest id of a user or group in a subject.
pub const SUBJECT_ID_MAX_LEN: usize = 128;
/// The id in `user:<id>`: a person's or client's OIDC subject.
pub const USER_ID_PATTERN: &str = "^[A-Za-z0-9._@-]{1,128}$";
/// A subject as [`Subject::parse`] takes it.
pub const SUBJECT_PATTERN: &str =
    "^(user:[A-Za-z0-9._@-]{1,128}|group:[A-Za-z0-9._@-]{1,128}(#member)?)$";

/// Who a grant is for, in the tuple form: `user:<id>` or
/// `group:<name>#member`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Subject(String);

impl Subject {
    /// `user:<id>`, `group:<name>` or `group:<name>#member` (ids of letters,
    /// digits and `. _ @ -`, at most 128); anything else is refused.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                "subject",
                "must be user:<id> or group:<name> (letters, digits, . _ @ -)",
            )
        };
        let (kind, rest) = input.split_once(':').ok_or_else(invalid)?;
        let id = rest.strip_suffix("#member").unwrap_or(rest);
        let valid_id = !id.is_empty()
            && id.len() <= SUBJECT_ID_MAX_LEN
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
        match kind {
            "user" if valid_id && !rest.contains('#') => Ok(Self(format!("user:{id}"))),
            "group" if valid_id => Ok(Self(format!("group:{id}#member"))),
            _ => Err(invalid()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The group's object (`group:sre`) when this is a group's members.
    pub fn group(&self) -> Option<&str> {
        self.0
            .strip_suffix("#member")
            .filter(|g| g.starts_with("group:"))
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Subject {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Subject> for String {
    fn from(value: Subject) -> Self {
        value.0
    }
}

/// One direct grant on an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub relation: Relation,
    pub subject: Subject,
}

impl Grant {
    /// A grant as a form or query gives it, every refusal reported at once.
    pub fn parse(relation: &str, subject: &str) -> Result<Self, Vec<ValidationError>> {
        match (
            Relation::parse(relation.trim()),
            Subject::parse(subject.trim()),
        ) {
            (Ok(relation), Ok(subject)) => Ok(Self { relation, subject }),
            (r, s) => Err([r.err(), s.err()].into_iter().flatten().collect()),
        }
    }
}

/// Which subject and permission to explain, as a form or query gives them.
pub fn parse_explain(
    subject: &str,
    permission: &str,
) -> Result<(Subject, Permission), Vec<ValidationError>> {
    match (
        Subject::parse(subject.trim()),
        Permission::parse(permission.trim()),
    ) {
        (Ok(s), Ok(p)) => Ok((s, p)),
        (s, p) => Err([s.err(), p.err()].into_iter().flatten().collect()),
    }
}

/// The direct grants on an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessList {
    pub items: Vec<Grant>,
}

/// Why a subject has (or lacks) a permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    pub subject: Subject,
    pub permission: Permission,
    pub allowed: bool,
    /// The path through the model that grants it, when it is granted.
    pub path: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_users_or_groups_and_nothing_else() {
        let ok = |s: &str| Subject::parse(s).ok().map(String::from);
        assert_eq!(ok("user:anne").as_deref(), Some("user:anne"));
        assert_eq!(ok("group:sre").as_deref(), Some("group:sre#member"));
        assert_eq!(ok("group:sre#member").as_deref(), Some("group:sre#member"));
        for bad in [
            "anne",
            "user:",
            "user:*",
            "platform:default",
            "user:a#member",
            "group:a b",
            "environment:blue",
        ] {
            assert!(Subject::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn grants_deserialize_only_when_valid() {
        let ok: Result<Grant, _> =
            serde_json::from_str(r#"{"relation":"viewer","subject":"group:qa"}"#);
        assert_eq!(
            ok.map(|g| g.subject.to_string()).ok().as_deref(),
            Some("group:qa#member")
        );
        for bad in [
            r#"{"relation":"admin","subject":"user:a"}"#,
            r#"{"relation":"viewer","subject":"nobody"}"#,
            r#"{"relation":"viewer","subject":"user:a","x":1}"#,
        ] {
            assert!(serde_json::from_str::<Grant>(bad).is_err(), "{bad}");
        }
    }
}
