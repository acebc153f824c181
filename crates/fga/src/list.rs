//! List-objects and list-users: candidates from the tuple store, each
//! confirmed by a check, so lists agree with checks by construction.

use std::collections::BTreeSet;

use crate::error::Error;
use crate::eval::{Evaluator, Query};
use crate::reader::TupleReader;
use crate::tuple::{check_name, ObjectRef, UserRef};

impl Evaluator {
    /// The objects (`environment:blue`, sorted) of `object_type` on which
    /// `user` has `relation`.
    pub async fn list_objects<R: TupleReader>(
        &self,
        reader: &R,
        user: &str,
        relation: &str,
        object_type: &str,
    ) -> Result<Vec<String>, Error> {
        self.model().relation(object_type, relation)?;
        let q = self.query(reader, user)?;
        let mut candidates: BTreeSet<String> = reader
            .object_ids(object_type)
            .await?
            .into_iter()
            .map(|id| format!("{object_type}:{id}"))
            .collect();
        if let UserRef::Userset { object, .. } = &q.user {
            if object.object_type == object_type {
                candidates.insert(object.to_string());
            }
        }
        let mut found = Vec::new();
        for object in candidates {
            let granted = self
                .resolve(&q, object.clone(), relation.to_owned(), 0, Vec::new())
                .await?;
            if granted.is_some() {
                found.push(object);
            }
        }
        Ok(found)
    }

    /// The users (sorted) with `relation` on `object`, of the form given by
    /// `user_filter`: a type (`user`, giving `user:anne` and `user:*` when
    /// the wildcard grants it) or a userset type (`group#member`, giving
    /// `group:sre#member`).
    pub async fn list_users<R: TupleReader>(
        &self,
        reader: &R,
        object: &str,
        relation: &str,
        user_filter: &str,
    ) -> Result<Vec<String>, Error> {
        let o = ObjectRef::parse(object)?;
        self.model().relation(o.object_type, relation)?;
        let (user_type, filter_relation) = match user_filter.split_once('#') {
            Some((t, r)) => (t, Some(r)),
            None => (user_filter, None),
        };
        check_name("type", user_type)?;
        match filter_relation {
            Some(r) => {
                self.model().relation(user_type, r)?;
            }
            None if self.model().type_definition(user_type).is_none() => {
                return Err(Error::UnknownType(user_type.to_owned()));
            }
            None => {}
        }
        let mut candidates: BTreeSet<String> = reader
            .users_of_type(user_type)
            .await?
            .into_iter()
            .filter(|u| match (UserRef::parse(u), filter_relation) {
                (Ok(UserRef::Userset { relation, .. }), Some(r)) => relation == r,
                (Ok(UserRef::Object(_) | UserRef::Wildcard { .. }), None) => true,
                _ => false,
            })
            .collect();
        if let Some(r) = filter_relation {
            for id in reader.object_ids(user_type).await? {
                candidates.insert(format!("{user_type}:{id}#{r}"));
            }
        }
        let mut found = Vec::new();
        for user in candidates {
            // Like OpenFGA, a user granted only through `type:*` is not
            // listed by name: the wildcard itself is.
            let q = Query {
                match_wildcards: false,
                ..self.query(reader, &user)?
            };
            let granted = self
                .resolve(&q, object.to_owned(), relation.to_owned(), 0, Vec::new())
                .await?;
            if granted.is_some() {
                found.push(user);
            }
        }
        Ok(found)
    }
}
