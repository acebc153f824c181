//! The embedded authorizer: OpenFGA's model (its JSON form, compiled into
//! the binary) evaluated in-process over tuples in Palette's database. It
//! passes the same `.fga.yaml` assertions as the real OpenFGA engine.

use futures::future::BoxFuture;
use futures::FutureExt;
use palette_fga::{Evaluator, Tuple};

use super::{Authorizer, AuthzError};
use crate::store::tuples::{self, BatchedTuples, DbTuples};
use crate::store::Store;

#[derive(Debug)]
pub struct EmbeddedAuthorizer {
    evaluator: Evaluator,
    tuples: DbTuples,
    store: Store,
}

impl EmbeddedAuthorizer {
    pub fn new(store: Store) -> Result<Self, AuthzError> {
        let evaluator = Evaluator::palette()
            .map_err(|e| AuthzError::Rejected(format!("the built-in model: {e}")))?;
        Ok(Self {
            evaluator,
            tuples: DbTuples::new(store.clone()),
            store,
        })
    }
}

fn unavailable(e: impl std::fmt::Display) -> AuthzError {
    AuthzError::Unavailable(e.to_string())
}

impl Authorizer for EmbeddedAuthorizer {
    fn check<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object: &'a str,
    ) -> BoxFuture<'a, Result<bool, AuthzError>> {
        async move {
            self.evaluator
                .check(&self.tuples, user, relation, object)
                .await
                .map_err(unavailable)
        }
        .boxed()
    }

    fn batch_check<'a>(
        &'a self,
        checks: &'a [Tuple],
    ) -> BoxFuture<'a, Result<Vec<bool>, AuthzError>> {
        async move {
            // Many objects: their tuples by type, a query each.
            self.evaluator
                .batch_check(&BatchedTuples::new(self.store.clone()), checks)
                .await
                .into_iter()
                .map(|r| r.map_err(unavailable))
                .collect()
        }
        .boxed()
    }

    fn list_objects<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object_type: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AuthzError>> {
        async move {
            self.evaluator
                .list_objects(
                    &BatchedTuples::new(self.store.clone()),
                    user,
                    relation,
                    object_type,
                )
                .await
                .map_err(unavailable)
        }
        .boxed()
    }

    fn list_users<'a>(
        &'a self,
        object: &'a str,
        relation: &'a str,
        user_filter: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AuthzError>> {
        async move {
            self.evaluator
                .list_users(&self.tuples, object, relation, user_filter)
                .await
                .map_err(unavailable)
        }
        .boxed()
    }

    fn explain<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, AuthzError>> {
        async move {
            let explanation = self
                .evaluator
                .explain(&self.tuples, user, relation, object)
                .await
                .map_err(unavailable)?;
            Ok(explanation.map(|e| e.render()))
        }
        .boxed()
    }

    fn write<'a>(
        &'a self,
        writes: &'a [Tuple],
        deletes: &'a [Tuple],
    ) -> BoxFuture<'a, Result<(), AuthzError>> {
        async move {
            for tuple in writes {
                self.evaluator
                    .model()
                    .validate_tuple(tuple)
                    .map_err(|e| AuthzError::Rejected(e.to_string()))?;
            }
            let mut tx = self.store.pool().begin().await.map_err(unavailable)?;
            for tuple in deletes {
                tuples::delete(&mut *tx, tuple).await.map_err(unavailable)?;
            }
            for tuple in writes {
                tuples::write(&mut *tx, tuple).await.map_err(unavailable)?;
            }
            tx.commit().await.map_err(unavailable)
        }
        .boxed()
    }

    fn read_object<'a>(&'a self, object: &'a str) -> BoxFuture<'a, Result<Vec<Tuple>, AuthzError>> {
        async move {
            tuples::on_object(self.store.pool(), object)
                .await
                .map_err(unavailable)
        }
        .boxed()
    }

    fn read_user<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object_type: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Tuple>, AuthzError>> {
        async move {
            tuples::of_subject(self.store.pool(), user, relation, object_type)
                .await
                .map_err(unavailable)
        }
        .boxed()
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), AuthzError>> {
        async move { self.store.ping().await.map_err(unavailable) }.boxed()
    }

    fn kind(&self) -> &'static str {
        "embedded"
    }
}
