//! Structural validation of a model, and of tuples against a model.

use std::collections::BTreeSet;

use super::{AuthorizationModel, RelationReference, TypeDefinition, Userset};
use crate::error::Error;
use crate::tuple::{check_name, ObjectRef, Tuple, UserRef};

impl AuthorizationModel {
    /// Rejects models the evaluator cannot evaluate faithfully: unknown
    /// schema versions, duplicate types, references to undefined types or
    /// relations, and conditions.
    pub fn validate(&self) -> Result<(), Error> {
        if self.schema_version != "1.1" {
            return invalid(format!(
                "schema_version {:?} (only 1.1 is supported)",
                self.schema_version
            ));
        }
        if !self.conditions.is_empty() {
            return invalid("conditions are not supported".into());
        }
        let mut seen = BTreeSet::new();
        for def in &self.type_definitions {
            check_name("type", &def.type_name)?;
            if !seen.insert(def.type_name.as_str()) {
                return invalid(format!("type {:?} is defined twice", def.type_name));
            }
        }
        for def in &self.type_definitions {
            self.validate_type(def)?;
        }
        Ok(())
    }

    fn validate_type(&self, def: &TypeDefinition) -> Result<(), Error> {
        let t = def.type_name.as_str();
        if let Some(meta) = &def.metadata {
            for name in meta.relations.keys() {
                if !def.relations.contains_key(name) {
                    return invalid(format!("metadata for undefined relation {t}#{name}"));
                }
            }
        }
        for (name, rewrite) in &def.relations {
            check_name("relation", name)?;
            for r in self.directly_related(t, name) {
                self.validate_reference(t, name, r)?;
            }
            self.validate_rewrite(t, name, rewrite)?;
        }
        Ok(())
    }

    fn validate_reference(&self, t: &str, name: &str, r: &RelationReference) -> Result<(), Error> {
        let at = || format!("{t}#{name}");
        if !r.condition.is_empty() {
            return invalid(format!("{}: conditions are not supported", at()));
        }
        if self.type_definition(&r.type_name).is_none() {
            return invalid(format!("{}: unknown type {:?}", at(), r.type_name));
        }
        match (&r.relation, r.is_wildcard()) {
            (Some(_), true) => invalid(format!("{}: wildcard with a relation", at())),
            (Some(rel), false) if !self.has_relation(&r.type_name, rel) => {
                invalid(format!("{}: unknown relation {}#{rel}", at(), r.type_name))
            }
            _ => Ok(()),
        }
    }

    fn validate_rewrite(&self, t: &str, name: &str, rewrite: &Userset) -> Result<(), Error> {
        let at = || format!("{t}#{name}");
        match rewrite {
            Userset::This(_) => {
                if self.directly_related(t, name).is_empty() {
                    return invalid(format!("{}: directly assignable but no user types", at()));
                }
            }
            Userset::ComputedUserset(c) => {
                if !self.has_relation(t, &c.relation) {
                    return invalid(format!("{}: unknown relation {t}#{}", at(), c.relation));
                }
            }
            Userset::TupleToUserset(ttu) => {
                let ts = &ttu.tupleset.relation;
                if !self.has_relation(t, ts) {
                    return invalid(format!("{}: unknown tupleset relation {t}#{ts}", at()));
                }
                let targets = self.directly_related(t, ts);
                if targets
                    .iter()
                    .any(|r| r.relation.is_some() || r.is_wildcard())
                {
                    return invalid(format!(
                        "{}: tupleset {t}#{ts} must relate plain objects",
                        at()
                    ));
                }
                let cr = &ttu.computed_userset.relation;
                if !targets.iter().any(|r| self.has_relation(&r.type_name, cr)) {
                    return invalid(format!(
                        "{}: no type related by {t}#{ts} defines {cr}",
                        at()
                    ));
                }
            }
            Userset::Union(u) | Userset::Intersection(u) => {
                if u.child.is_empty() {
                    return invalid(format!("{}: empty union or intersection", at()));
                }
                for child in &u.child {
                    self.validate_rewrite(t, name, child)?;
                }
            }
            Userset::Difference(d) => {
                self.validate_rewrite(t, name, &d.base)?;
                self.validate_rewrite(t, name, &d.subtract)?;
            }
        }
        Ok(())
    }

    /// Checks that a tuple could be written under this model: the object's
    /// type and relation exist and the user's form is among the relation's
    /// directly related user types.
    pub fn validate_tuple(&self, tuple: &Tuple) -> Result<(), Error> {
        tuple.validate_syntax()?;
        let object = ObjectRef::parse(&tuple.object)?;
        let user = UserRef::parse(&tuple.user)?;
        self.relation(object.object_type, &tuple.relation)?;
        if self.allows_user(object.object_type, &tuple.relation, &user) {
            Ok(())
        } else {
            Err(Error::TupleNotAllowed {
                tuple: tuple.to_string(),
                reason: format!(
                    "{} is not a directly related user type of {}#{}",
                    user_form(&user),
                    object.object_type,
                    tuple.relation
                ),
            })
        }
    }

    /// Whether `user`'s form may be directly assigned to `object_type#relation`.
    pub fn allows_user(&self, object_type: &str, relation: &str, user: &UserRef<'_>) -> bool {
        self.directly_related(object_type, relation)
            .iter()
            .any(|r| match user {
                UserRef::Object(o) => {
                    r.type_name == o.object_type && r.relation.is_none() && !r.is_wildcard()
                }
                UserRef::Wildcard { user_type } => r.type_name == *user_type && r.is_wildcard(),
                UserRef::Userset { object, relation } => {
                    r.type_name == object.object_type && r.relation.as_deref() == Some(relation)
                }
            })
    }
}

fn user_form(user: &UserRef<'_>) -> String {
    match user {
        UserRef::Object(o) => o.object_type.to_owned(),
        UserRef::Wildcard { user_type } => format!("{user_type}:*"),
        UserRef::Userset { object, relation } => format!("{}#{relation}", object.object_type),
    }
}

fn invalid<T>(msg: String) -> Result<T, Error> {
    Err(Error::InvalidModel(msg))
}
