//! People and machine clients, as their identity provider described them.

use serde::{Deserialize, Serialize};

/// A principal's profile from its last login or token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// The OIDC subject; the principal is `user:<subject>`.
    pub subject: String,
    pub kind: UserKind,
    pub email: Option<String>,
    pub name: Option<String>,
    pub username: Option<String>,
    pub groups: Vec<String>,
}

/// Whether a principal is a person (browser login) or a machine client
/// (client-credentials token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserKind {
    Person,
    Machine,
}

impl UserKind {
    /// The stored and serialized form: `person` or `machine`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Machine => "machine",
        }
    }
}

/// A person's browser sessions ended at once (log out everywhere, or a
/// platform admin ending them): whose, and how many there were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsEnded {
    /// The OIDC subject whose sessions ended.
    pub subject: String,
    /// How many sessions there were; 0 when none was open.
    pub ended: u64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kind_serializes_as_its_stored_form() {
        for kind in [UserKind::Person, UserKind::Machine] {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json.as_str(), Some(kind.as_str()));
        }
    }
}
