//! Where the evaluator reads tuples from: the [`TupleReader`] trait and the
//! in-memory [`MemoryTuples`] used by tests and the `.fga.yaml` runner.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use crate::error::{Error, ReaderError};
use crate::model::AuthorizationModel;
use crate::tuple::{ObjectRef, Tuple, UserRef};

/// Read access to stored tuples. The engine implements this over its SQL
/// table; all methods must be safe to call concurrently.
pub trait TupleReader: Sync {
    /// The users of all tuples `object#relation@user` (`user:anne`,
    /// `user:*`, `group:sre#member`, `platform:default`).
    fn read_users(
        &self,
        object: &str,
        relation: &str,
    ) -> impl Future<Output = Result<Vec<String>, ReaderError>> + Send;

    /// The distinct ids of objects of `object_type` that are the object of
    /// at least one tuple (candidates for list-objects).
    fn object_ids(
        &self,
        object_type: &str,
    ) -> impl Future<Output = Result<Vec<String>, ReaderError>> + Send;

    /// The distinct users of type `user_type` that appear as the user of at
    /// least one tuple, in every form (`user:anne`, `user:*`,
    /// `group:sre#member`) (candidates for list-users).
    fn users_of_type(
        &self,
        user_type: &str,
    ) -> impl Future<Output = Result<Vec<String>, ReaderError>> + Send;
}

/// Tuples held in memory, indexed by object and relation.
#[derive(Debug, Clone, Default)]
pub struct MemoryTuples {
    by_object: BTreeMap<(String, String), BTreeSet<String>>,
}

impl MemoryTuples {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a store from tuples, validating each against `model`.
    pub fn from_tuples(
        model: &AuthorizationModel,
        tuples: impl IntoIterator<Item = Tuple>,
    ) -> Result<Self, Error> {
        let mut store = Self::new();
        for t in tuples {
            store.write(model, t)?;
        }
        Ok(store)
    }

    /// Adds a tuple after validating it against `model`.
    pub fn write(&mut self, model: &AuthorizationModel, tuple: Tuple) -> Result<bool, Error> {
        model.validate_tuple(&tuple)?;
        Ok(self.insert(tuple))
    }

    /// Adds a tuple without validation; returns whether it was new.
    pub fn insert(&mut self, tuple: Tuple) -> bool {
        self.by_object
            .entry((tuple.object, tuple.relation))
            .or_default()
            .insert(tuple.user)
    }

    /// Removes a tuple; returns whether it was present.
    pub fn remove(&mut self, tuple: &Tuple) -> bool {
        let key = (tuple.object.clone(), tuple.relation.clone());
        let Some(users) = self.by_object.get_mut(&key) else {
            return false;
        };
        let removed = users.remove(&tuple.user);
        if users.is_empty() {
            self.by_object.remove(&key);
        }
        removed
    }

    pub fn contains(&self, tuple: &Tuple) -> bool {
        self.by_object
            .get(&(tuple.object.clone(), tuple.relation.clone()))
            .is_some_and(|u| u.contains(&tuple.user))
    }

    /// All tuples, ordered by object, relation, user.
    pub fn tuples(&self) -> impl Iterator<Item = Tuple> + '_ {
        self.by_object
            .iter()
            .flat_map(|((object, relation), users)| {
                users
                    .iter()
                    .map(move |user| Tuple::new(user.clone(), relation.clone(), object.clone()))
            })
    }

    pub fn len(&self) -> usize {
        self.by_object.values().map(BTreeSet::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_object.is_empty()
    }
}

impl TupleReader for MemoryTuples {
    async fn read_users(&self, object: &str, relation: &str) -> Result<Vec<String>, ReaderError> {
        Ok(self
            .by_object
            .get(&(object.to_owned(), relation.to_owned()))
            .map(|u| u.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn object_ids(&self, object_type: &str) -> Result<Vec<String>, ReaderError> {
        let ids: BTreeSet<String> = self
            .by_object
            .keys()
            .filter_map(|(object, _)| ObjectRef::parse(object).ok())
            .filter(|o| o.object_type == object_type)
            .map(|o| o.id.to_owned())
            .collect();
        Ok(ids.into_iter().collect())
    }

    async fn users_of_type(&self, user_type: &str) -> Result<Vec<String>, ReaderError> {
        let users: BTreeSet<&String> = self
            .by_object
            .values()
            .flatten()
            .filter(|u| UserRef::parse(u).is_ok_and(|u| u.user_type() == user_type))
            .collect();
        Ok(users.into_iter().cloned().collect())
    }
}
