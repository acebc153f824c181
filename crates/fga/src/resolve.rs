//! The recursive resolution of one query through the model's rewrites,
//! recording the path that grants access.

use crate::error::Error;
use crate::eval::{BoxFut, Evaluator, Path, Query, Resolved};
use crate::explain::Step;
use crate::model::{TupleToUserset, Userset};
use crate::reader::TupleReader;
use crate::tuple::{ObjectRef, Tuple, UserRef};

impl Evaluator {
    /// Resolves `object#relation` for the query's user.
    pub(crate) fn resolve<'a, R: TupleReader>(
        &'a self,
        q: &'a Query<'a, R>,
        object: String,
        relation: String,
        depth: usize,
        mut visited: Vec<(String, String)>,
    ) -> BoxFut<'a> {
        Box::pin(async move {
            if depth > self.max_depth() {
                return Err(Error::DepthExceeded(self.max_depth()));
            }
            if let UserRef::Userset {
                object: uo,
                relation: ur,
            } = &q.user
            {
                if *ur == relation && uo.to_string() == object {
                    return Ok(Some(vec![Step::Itself {
                        userset: q.user_str.to_owned(),
                    }]));
                }
            }
            if visited.iter().any(|(o, r)| *o == object && *r == relation) {
                return Ok(None); // a cycle grants nothing
            }
            let object_type = ObjectRef::parse(&object)?.object_type.to_owned();
            let rewrite = self.model().relation(&object_type, &relation)?;
            visited.push((object.clone(), relation.clone()));
            let at = Node {
                object: &object,
                object_type: &object_type,
                relation: &relation,
                depth,
                visited: &visited,
            };
            self.rewrite(q, rewrite, &at).await
        })
    }

    fn rewrite<'a, R: TupleReader>(
        &'a self,
        q: &'a Query<'a, R>,
        rewrite: &'a Userset,
        at: &'a Node<'a>,
    ) -> BoxFut<'a> {
        Box::pin(async move {
            match rewrite {
                Userset::This(_) => self.direct(q, at).await,
                Userset::ComputedUserset(c) => {
                    let sub = self.descend(q, at, at.object, &c.relation).await?;
                    Ok(sub.map(|p| prepend(computed(at.object, &c.relation), p)))
                }
                Userset::TupleToUserset(ttu) => self.tuple_to_userset(q, at, ttu).await,
                Userset::Union(u) => {
                    let mut error = None;
                    for child in &u.child {
                        match self.rewrite(q, child, at).await {
                            Ok(Some(p)) => return Ok(Some(p)),
                            Ok(None) => {}
                            Err(e) => error = error.or(Some(e)),
                        }
                    }
                    error.map_or(Ok(None), Err)
                }
                Userset::Intersection(u) => {
                    let mut first = None;
                    for child in &u.child {
                        match self.rewrite(q, child, at).await? {
                            Some(p) => first = first.or(Some(p)),
                            None => return Ok(None),
                        }
                    }
                    Ok(first)
                }
                Userset::Difference(d) => {
                    let Some(base) = self.rewrite(q, &d.base, at).await? else {
                        return Ok(None);
                    };
                    let subtracted = self.rewrite(q, &d.subtract, at).await?.is_some();
                    Ok((!subtracted).then_some(base))
                }
            }
        })
    }

    /// Directly assigned: a tuple naming the user, a matching wildcard, or
    /// a userset the user belongs to.
    async fn direct<R: TupleReader>(&self, q: &Query<'_, R>, at: &Node<'_>) -> Resolved {
        let users = q.reader.read_users(at.object, at.relation).await?;
        let tuple = |u: &str| Tuple::new(u, at.relation, at.object);
        let mut usersets = Vec::new();
        for u in &users {
            let Ok(parsed) = UserRef::parse(u) else {
                continue;
            };
            if !self
                .model()
                .allows_user(at.object_type, at.relation, &parsed)
            {
                continue; // stale tuple the model no longer allows
            }
            if u == q.user_str {
                return Ok(Some(vec![Step::Tuple { tuple: tuple(u) }]));
            }
            match (&parsed, &q.user) {
                (UserRef::Wildcard { user_type }, UserRef::Object(o))
                    if q.match_wildcards && *user_type == o.object_type =>
                {
                    return Ok(Some(vec![Step::Wildcard { tuple: tuple(u) }]));
                }
                (UserRef::Userset { object, relation }, _) => {
                    usersets.push((u, object.to_string(), *relation));
                }
                _ => {}
            }
        }
        let mut error = None;
        for (u, object, relation) in usersets {
            match self.descend(q, at, &object, relation).await {
                Ok(Some(p)) => return Ok(Some(prepend(Step::Tuple { tuple: tuple(u) }, p))),
                Ok(None) => {}
                Err(e) => error = error.or(Some(e)),
            }
        }
        error.map_or(Ok(None), Err)
    }

    async fn tuple_to_userset<R: TupleReader>(
        &self,
        q: &Query<'_, R>,
        at: &Node<'_>,
        ttu: &TupleToUserset,
    ) -> Resolved {
        let tupleset = &ttu.tupleset.relation;
        let relation = &ttu.computed_userset.relation;
        let mut error = None;
        for related in q.reader.read_users(at.object, tupleset).await? {
            let Ok(UserRef::Object(r)) = UserRef::parse(&related) else {
                continue;
            };
            if !self
                .model()
                .allows_user(at.object_type, tupleset, &UserRef::Object(r.clone()))
                || !self.model().has_relation(r.object_type, relation)
            {
                continue;
            }
            match self.descend(q, at, &related, relation).await {
                Ok(Some(p)) => {
                    let step = Step::FromRelated {
                        tupleset: tupleset.clone(),
                        related: related.clone(),
                        relation: relation.clone(),
                    };
                    return Ok(Some(prepend(step, p)));
                }
                Ok(None) => {}
                Err(e) => error = error.or(Some(e)),
            }
        }
        error.map_or(Ok(None), Err)
    }

    fn descend<'a, R: TupleReader>(
        &'a self,
        q: &'a Query<'a, R>,
        at: &Node<'_>,
        object: &str,
        relation: &str,
    ) -> BoxFut<'a> {
        self.resolve(
            q,
            object.to_owned(),
            relation.to_owned(),
            at.depth + 1,
            at.visited.to_vec(),
        )
    }
}

/// Where the resolution currently stands.
struct Node<'a> {
    object: &'a str,
    object_type: &'a str,
    relation: &'a str,
    depth: usize,
    visited: &'a [(String, String)],
}

fn computed(object: &str, relation: &str) -> Step {
    Step::Computed {
        object: object.to_owned(),
        relation: relation.to_owned(),
    }
}

fn prepend(step: Step, mut rest: Path) -> Path {
    rest.insert(0, step);
    rest
}
