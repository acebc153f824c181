//! Why a check is allowed: the path through the model and the tuples.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::tuple::Tuple;

/// The path that grants `user` the `relation` on `object`, from the
/// queried relation down to the user, e.g.
/// `environment:blue#can_apply ← operator ← owner ← admin from platform:default ← group:sre#member ← user:anne`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub user: String,
    pub relation: String,
    pub object: String,
    pub steps: Vec<Step>,
}

/// One hop of an [`Explanation`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// Another relation on the same object (`or owner`).
    Computed { object: String, relation: String },
    /// A relation on a related object (`admin from platform`), reached
    /// through the tuple `object#tupleset@related`.
    FromRelated {
        tupleset: String,
        related: String,
        relation: String,
    },
    /// A stored tuple whose user is the queried user or a userset that
    /// the following steps resolve.
    Tuple { tuple: Tuple },
    /// A stored wildcard tuple (`user:*`) matching the queried user.
    Wildcard { tuple: Tuple },
    /// The queried user is the userset itself (`group:sre#member` on
    /// `group:sre#member`).
    Itself { userset: String },
}

impl Explanation {
    /// The explanation on one line (same as `Display`).
    pub fn render(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Computed { relation, .. } => f.write_str(relation),
            Self::FromRelated {
                related, relation, ..
            } => write!(f, "{relation} from {related}"),
            Self::Tuple { tuple } | Self::Wildcard { tuple } => f.write_str(&tuple.user),
            Self::Itself { userset } => f.write_str(userset),
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.object, self.relation)?;
        for step in &self.steps {
            write!(f, " ← {step}")?;
        }
        if let Some(Step::Wildcard { .. }) = self.steps.last() {
            write!(f, " ∋ {}", self.user)?;
        }
        Ok(())
    }
}
