//! Relationship tuples and the OpenFGA string forms of their parts:
//! objects (`environment:blue`), users (`user:anne`), wildcards (`user:*`)
//! and usersets (`group:sre#member`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// One relationship tuple, in OpenFGA's string forms.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Tuple {
    pub user: String,
    pub relation: String,
    pub object: String,
}

impl Tuple {
    pub fn new(
        user: impl Into<String>,
        relation: impl Into<String>,
        object: impl Into<String>,
    ) -> Self {
        Self {
            user: user.into(),
            relation: relation.into(),
            object: object.into(),
        }
    }

    /// Checks the syntax of all three parts (not the model).
    pub fn validate_syntax(&self) -> Result<(), Error> {
        UserRef::parse(&self.user)?;
        ObjectRef::parse(&self.object)?;
        check_name("relation", &self.relation)?;
        Ok(())
    }
}

impl fmt::Display for Tuple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}@{}", self.object, self.relation, self.user)
    }
}

/// An object `type:id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef<'a> {
    pub object_type: &'a str,
    pub id: &'a str,
}

impl<'a> ObjectRef<'a> {
    pub fn parse(s: &'a str) -> Result<Self, Error> {
        let invalid = || Error::InvalidObject(s.to_owned());
        let (object_type, id) = s.split_once(':').ok_or_else(invalid)?;
        check_name("type", object_type).map_err(|_| invalid())?;
        if id.is_empty() || id == "*" || id.contains(['#', ':', ' ']) {
            return Err(invalid());
        }
        Ok(Self { object_type, id })
    }
}

impl fmt::Display for ObjectRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.object_type, self.id)
    }
}

/// The user side of a tuple or a query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserRef<'a> {
    /// `user:anne`
    Object(ObjectRef<'a>),
    /// `user:*` — every object of that type.
    Wildcard { user_type: &'a str },
    /// `group:sre#member` — everyone with that relation on that object.
    Userset {
        object: ObjectRef<'a>,
        relation: &'a str,
    },
}

impl<'a> UserRef<'a> {
    pub fn parse(s: &'a str) -> Result<Self, Error> {
        let invalid = || Error::InvalidUser(s.to_owned());
        if let Some((object, relation)) = s.split_once('#') {
            let object = ObjectRef::parse(object).map_err(|_| invalid())?;
            check_name("relation", relation).map_err(|_| invalid())?;
            return Ok(Self::Userset { object, relation });
        }
        if let Some(user_type) = s.strip_suffix(":*") {
            check_name("type", user_type).map_err(|_| invalid())?;
            return Ok(Self::Wildcard { user_type });
        }
        ObjectRef::parse(s).map(Self::Object).map_err(|_| invalid())
    }

    /// The type named by this user (`user` for `user:*`, `group` for `group:x#member`).
    pub fn user_type(&self) -> &'a str {
        match self {
            Self::Object(o) => o.object_type,
            Self::Wildcard { user_type } => user_type,
            Self::Userset { object, .. } => object.object_type,
        }
    }
}

impl fmt::Display for UserRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Object(o) => o.fmt(f),
            Self::Wildcard { user_type } => write!(f, "{user_type}:*"),
            Self::Userset { object, relation } => write!(f, "{object}#{relation}"),
        }
    }
}

/// Type and relation names: non-empty, no separators or whitespace.
pub(crate) fn check_name(what: &'static str, s: &str) -> Result<(), Error> {
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| !c.is_whitespace() && !matches!(c, ':' | '#' | '@' | '*'));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidName {
            what,
            name: s.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_user_forms() {
        assert!(matches!(
            UserRef::parse("user:anne"),
            Ok(UserRef::Object(ObjectRef {
                object_type: "user",
                id: "anne"
            }))
        ));
        assert!(matches!(
            UserRef::parse("user:*"),
            Ok(UserRef::Wildcard { user_type: "user" })
        ));
        let userset = UserRef::parse("group:sre#member");
        assert!(matches!(
            userset,
            Ok(UserRef::Userset {
                relation: "member",
                ..
            })
        ));
        assert_eq!(
            userset.map(|u| u.to_string()).ok().as_deref(),
            Some("group:sre#member")
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "anne",
            "user:",
            ":anne",
            "user:a#",
            "user:*#member",
            "us er:a",
        ] {
            assert!(UserRef::parse(bad).is_err(), "{bad}");
        }
        for bad in [
            "environment",
            "environment:*",
            "environment:a#b",
            "environment:",
        ] {
            assert!(ObjectRef::parse(bad).is_err(), "{bad}");
        }
        assert!(Tuple::new("user:anne", "", "environment:blue")
            .validate_syntax()
            .is_err());
        assert!(Tuple::new("user:anne", "owner", "environment:blue")
            .validate_syntax()
            .is_ok());
    }
}
