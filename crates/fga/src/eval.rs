//! The embedded evaluator: OpenFGA check semantics over a [`TupleReader`].

use std::future::Future;
use std::pin::Pin;

use crate::error::Error;
use crate::explain::{Explanation, Step};
use crate::model::AuthorizationModel;
use crate::reader::TupleReader;
use crate::tuple::{ObjectRef, Tuple, UserRef};

/// OpenFGA's default resolution depth limit.
pub const DEFAULT_MAX_DEPTH: usize = 25;

pub(crate) type Path = Vec<Step>;
pub(crate) type Resolved = Result<Option<Path>, Error>;
pub(crate) type BoxFut<'a> = Pin<Box<dyn Future<Output = Resolved> + Send + 'a>>;

/// Evaluates checks, lists and explanations against one model.
#[derive(Debug, Clone)]
pub struct Evaluator {
    model: AuthorizationModel,
    max_depth: usize,
}

/// The user being resolved in one query.
pub(crate) struct Query<'q, R> {
    pub(crate) reader: &'q R,
    pub(crate) user: UserRef<'q>,
    pub(crate) user_str: &'q str,
    /// Whether `type:*` tuples grant objects of that type (off for
    /// list-users, which reports the wildcard itself instead).
    pub(crate) match_wildcards: bool,
}

impl Evaluator {
    pub fn new(model: AuthorizationModel) -> Self {
        Self {
            model,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// An evaluator of Palette's embedded model.
    pub fn palette() -> Result<Self, Error> {
        AuthorizationModel::palette().map(Self::new)
    }

    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    pub fn model(&self) -> &AuthorizationModel {
        &self.model
    }

    /// Whether `user` has `relation` on `object`.
    pub async fn check<R: TupleReader>(
        &self,
        reader: &R,
        user: &str,
        relation: &str,
        object: &str,
    ) -> Result<bool, Error> {
        Ok(self
            .resolve_query(reader, user, relation, object)
            .await?
            .is_some())
    }

    /// Several checks; one result per input, in order.
    pub async fn batch_check<R: TupleReader>(
        &self,
        reader: &R,
        checks: &[Tuple],
    ) -> Vec<Result<bool, Error>> {
        let futures = checks
            .iter()
            .map(|c| self.check(reader, &c.user, &c.relation, &c.object));
        futures::future::join_all(futures).await
    }

    /// The path granting `user` the `relation` on `object`, or `None` when
    /// it is not granted.
    pub async fn explain<R: TupleReader>(
        &self,
        reader: &R,
        user: &str,
        relation: &str,
        object: &str,
    ) -> Result<Option<Explanation>, Error> {
        let path = self.resolve_query(reader, user, relation, object).await?;
        Ok(path.map(|steps| Explanation {
            user: user.to_owned(),
            relation: relation.to_owned(),
            object: object.to_owned(),
            steps,
        }))
    }

    async fn resolve_query<R: TupleReader>(
        &self,
        reader: &R,
        user: &str,
        relation: &str,
        object: &str,
    ) -> Resolved {
        let q = self.query(reader, user)?;
        let o = ObjectRef::parse(object)?;
        self.model.relation(o.object_type, relation)?;
        self.resolve(&q, object.to_owned(), relation.to_owned(), 0, Vec::new())
            .await
    }

    /// Parses and validates the user of a query against the model.
    pub(crate) fn query<'q, R>(&self, reader: &'q R, user: &'q str) -> Result<Query<'q, R>, Error> {
        let parsed = UserRef::parse(user)?;
        if self.model.type_definition(parsed.user_type()).is_none() {
            return Err(Error::UnknownType(parsed.user_type().to_owned()));
        }
        if let UserRef::Userset { object, relation } = &parsed {
            self.model.relation(object.object_type, relation)?;
        }
        Ok(Query {
            reader,
            user: parsed,
            user_str: user,
            match_wildcards: true,
        })
    }
}
