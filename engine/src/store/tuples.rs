//! Relationship tuples for the embedded authorizer.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use palette_fga::{ReaderError, Tuple, TupleReader};
use sqlx::{Any, Executor};

use super::{get, now_ms, Store, StoreError};

pub async fn write<'e>(
    db: impl Executor<'e, Database = Any>,
    tuple: &Tuple,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO authz_tuples (object, relation, subject, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (object, relation, subject) DO NOTHING",
    )
    .bind(&tuple.object)
    .bind(&tuple.relation)
    .bind(&tuple.user)
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete<'e>(
    db: impl Executor<'e, Database = Any>,
    tuple: &Tuple,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "DELETE FROM authz_tuples WHERE object = $1 AND relation = $2 AND subject = $3",
    )
    .bind(&tuple.object)
    .bind(&tuple.relation)
    .bind(&tuple.user)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every tuple on `object`, by relation then subject.
pub async fn on_object<'e>(
    db: impl Executor<'e, Database = Any>,
    object: &str,
) -> Result<Vec<Tuple>, StoreError> {
    let rows = sqlx::query(
        "SELECT relation, subject FROM authz_tuples WHERE object = $1 ORDER BY relation, subject",
    )
    .bind(object)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Tuple::new(
                get::<String>(row, "subject")?,
                get::<String>(row, "relation")?,
                object.to_owned(),
            ))
        })
        .collect()
}

/// The tuples whose subject is exactly `subject`, with `relation`, on
/// objects of `object_type` (`group`): what OpenFGA's Read answers for a
/// user, a relation and a bare type.
pub async fn of_subject<'e>(
    db: impl Executor<'e, Database = Any>,
    subject: &str,
    relation: &str,
    object_type: &str,
) -> Result<Vec<Tuple>, StoreError> {
    let rows = sqlx::query(
        "SELECT object FROM authz_tuples WHERE subject = $1 AND relation = $2 \
         AND object LIKE $3 ESCAPE '\\' ORDER BY object",
    )
    .bind(subject)
    .bind(relation)
    .bind(like_prefix(&format!("{object_type}:")))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok(Tuple::new(subject, relation, get::<String>(row, "object")?)))
        .collect()
}

/// Reads tuples for the evaluator straight from the database.
#[derive(Debug, Clone)]
pub struct DbTuples {
    store: Store,
}

impl DbTuples {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

/// A LIKE pattern matching strings that start with `prefix`.
fn like_prefix(prefix: &str) -> String {
    let escaped = prefix
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("{escaped}%")
}

fn reader_error(e: StoreError) -> ReaderError {
    ReaderError::new(e)
}

impl TupleReader for DbTuples {
    async fn read_users(&self, object: &str, relation: &str) -> Result<Vec<String>, ReaderError> {
        let rows =
            sqlx::query("SELECT subject FROM authz_tuples WHERE object = $1 AND relation = $2")
                .bind(object)
                .bind(relation)
                .fetch_all(self.store.pool())
                .await
                .map_err(|e| reader_error(e.into()))?;
        rows.iter()
            .map(|r| get::<String>(r, "subject").map_err(reader_error))
            .collect()
    }

    async fn object_ids(&self, object_type: &str) -> Result<Vec<String>, ReaderError> {
        let prefix = format!("{object_type}:");
        // Type names are [a-z_]: escape `_` so LIKE matches it literally.
        let rows = sqlx::query(
            "SELECT DISTINCT object FROM authz_tuples WHERE object LIKE $1 ESCAPE '\\'",
        )
        .bind(like_prefix(&prefix))
        .fetch_all(self.store.pool())
        .await
        .map_err(|e| reader_error(e.into()))?;
        rows.iter()
            .map(|r| {
                get::<String>(r, "object")
                    .map(|o| o[prefix.len()..].to_owned())
                    .map_err(reader_error)
            })
            .collect()
    }

    async fn users_of_type(&self, user_type: &str) -> Result<Vec<String>, ReaderError> {
        let prefix = format!("{user_type}:");
        let rows = sqlx::query(
            "SELECT DISTINCT subject FROM authz_tuples WHERE subject LIKE $1 ESCAPE '\\'",
        )
        .bind(like_prefix(&prefix))
        .fetch_all(self.store.pool())
        .await
        .map_err(|e| reader_error(e.into()))?;
        rows.iter()
            .map(|r| get::<String>(r, "subject").map_err(reader_error))
            .collect()
    }
}

/// Reads tuples for one evaluation that visits many objects (list-objects,
/// batch checks): the tuples on objects of a type are read in one query
/// the first time the evaluation looks at an object of that type, and
/// answered from memory after that. A list of 200 environments then costs
/// one query per type it visits (environment, platform, group) instead of
/// several per environment. Made for one evaluation and dropped after it,
/// so it never answers from a copy older than the evaluation.
#[derive(Debug)]
pub struct BatchedTuples {
    store: Store,
    types: Mutex<HashMap<String, Arc<TypeTuples>>>,
}

/// The tuples on the objects of one type: the users of each object and
/// relation.
type TypeTuples = HashMap<(String, String), Vec<String>>;

impl BatchedTuples {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            types: Mutex::new(HashMap::new()),
        }
    }

    /// The tuples on objects of `object_type`, read on first use.
    async fn of_type(&self, object_type: &str) -> Result<Arc<TypeTuples>, ReaderError> {
        let cached = self.types().get(object_type).cloned();
        if let Some(tuples) = cached {
            return Ok(tuples);
        }
        let prefix = format!("{object_type}:");
        let rows = sqlx::query(
            "SELECT object, relation, subject FROM authz_tuples WHERE object LIKE $1 ESCAPE '\\'",
        )
        .bind(like_prefix(&prefix))
        .fetch_all(self.store.pool())
        .await
        .map_err(|e| reader_error(e.into()))?;
        let mut tuples = TypeTuples::new();
        for row in &rows {
            let object: String = get(row, "object").map_err(reader_error)?;
            tuples
                .entry((object, get(row, "relation").map_err(reader_error)?))
                .or_default()
                .push(get(row, "subject").map_err(reader_error)?);
        }
        let tuples = Arc::new(tuples);
        self.types().insert(object_type.to_owned(), tuples.clone());
        Ok(tuples)
    }

    /// The types read so far (nothing panics holding the lock, so a
    /// poisoned one holds whole entries).
    fn types(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<TypeTuples>>> {
        self.types
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl TupleReader for BatchedTuples {
    async fn read_users(&self, object: &str, relation: &str) -> Result<Vec<String>, ReaderError> {
        let object_type = object.split_once(':').map_or(object, |(t, _)| t);
        let tuples = self.of_type(object_type).await?;
        Ok(tuples
            .get(&(object.to_owned(), relation.to_owned()))
            .cloned()
            .unwrap_or_default())
    }

    async fn object_ids(&self, object_type: &str) -> Result<Vec<String>, ReaderError> {
        let prefix = format!("{object_type}:");
        let tuples = self.of_type(object_type).await?;
        let ids: BTreeSet<&str> = tuples
            .keys()
            .filter_map(|(object, _)| object.strip_prefix(&prefix))
            .collect();
        Ok(ids.into_iter().map(str::to_owned).collect())
    }

    async fn users_of_type(&self, user_type: &str) -> Result<Vec<String>, ReaderError> {
        DbTuples::new(self.store.clone())
            .users_of_type(user_type)
            .await
    }
}
