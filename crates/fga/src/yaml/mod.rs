//! A runner for OpenFGA's `.fga.yaml` test files (the format of
//! `fga model test`), evaluating every `check`, `list_objects` and
//! `list_users` assertion with the embedded [`Evaluator`] over
//! [`MemoryTuples`] ([`run`]), or with anything else that [`Answers`] the
//! same questions, such as a real OpenFGA store ([`assert_test`] per test
//! over the tuples of [`tuples_for`]).
//!
//! The model is passed in (the embedded evaluator has no DSL parser);
//! `model_file` is recorded but not read. Fields this runner does not
//! implement (conditions, contextual tuples) are rejected, never ignored.
mod format;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

pub use format::{
    CheckTest, ExpectedUsers, ListObjectsTest, ListUsersTest, TestCase, TestFile, UserFilter,
};

use crate::error::Error;
use crate::eval::Evaluator;
use crate::model::AuthorizationModel;
use crate::reader::MemoryTuples;
use crate::tuple::Tuple;

/// Why a test file could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("parsing {path}: {source}")]
    Parse {
        path: String,
        source: serde_yaml::Error,
    },
    #[error("test {test:?}: {source}")]
    Tuples { test: String, source: Error },
    #[error("test {test:?}: list_users needs exactly one user_filter")]
    UserFilter { test: String },
}

/// Which kind of assertion failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertionKind {
    Check,
    ListObjects,
    ListUsers,
}

/// One assertion whose result differed from the expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub test: String,
    pub kind: AssertionKind,
    pub query: String,
    pub expected: String,
    pub got: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {:?}({}): expected {}, got {}",
            self.test, self.kind, self.query, self.expected, self.got
        )
    }
}

/// The outcome of a run: how many assertions ran, and which failed.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub assertions: usize,
    pub failures: Vec<Failure>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Parses a test file from text (`origin` names it in errors).
pub fn parse(yaml: &str, origin: &str) -> Result<TestFile, YamlError> {
    serde_yaml::from_str(yaml).map_err(|source| YamlError::Parse {
        path: origin.to_owned(),
        source,
    })
}

/// Reads and runs a test file; tuple files resolve relative to it.
pub async fn run_file(path: &Path, model: &AuthorizationModel) -> Result<Report, YamlError> {
    let text = read(path)?;
    let file = parse(&text, &path.display().to_string())?;
    let dir = path.parent().unwrap_or(Path::new("."));
    run(&file, dir, model).await
}

/// What a test file's assertions ask. Errors are reported as the answer
/// (`error: …`), so a failing query fails its assertion.
pub trait Answers {
    fn check(
        &self,
        user: &str,
        relation: &str,
        object: &str,
    ) -> impl std::future::Future<Output = Result<bool, String>>;
    fn list_objects(
        &self,
        user: &str,
        relation: &str,
        object_type: &str,
    ) -> impl std::future::Future<Output = Result<Vec<String>, String>>;
    /// `filter` is a type (`user`) or a userset type (`group#member`).
    fn list_users(
        &self,
        object: &str,
        relation: &str,
        filter: &str,
    ) -> impl std::future::Future<Output = Result<Vec<String>, String>>;
}

/// The embedded evaluator over one test's tuples.
struct Embedded<'a> {
    evaluator: &'a Evaluator,
    tuples: &'a MemoryTuples,
}

impl Answers for Embedded<'_> {
    async fn check(&self, user: &str, relation: &str, object: &str) -> Result<bool, String> {
        let got = self.evaluator.check(self.tuples, user, relation, object);
        got.await.map_err(|e| e.to_string())
    }

    async fn list_objects(
        &self,
        user: &str,
        relation: &str,
        object_type: &str,
    ) -> Result<Vec<String>, String> {
        let got = self
            .evaluator
            .list_objects(self.tuples, user, relation, object_type);
        got.await.map_err(|e| e.to_string())
    }

    async fn list_users(
        &self,
        object: &str,
        relation: &str,
        filter: &str,
    ) -> Result<Vec<String>, String> {
        let got = self
            .evaluator
            .list_users(self.tuples, object, relation, filter);
        got.await.map_err(|e| e.to_string())
    }
}

/// The tuples `test` runs over: the file's and its own.
pub fn tuples_for(
    file: &TestFile,
    base_dir: &Path,
    test: &TestCase,
) -> Result<Vec<Tuple>, YamlError> {
    let mut all = tuples_of(base_dir, &file.tuple_file, &file.tuple_files, &file.tuples)?;
    all.extend(tuples_of(
        base_dir,
        &test.tuple_file,
        &test.tuple_files,
        &test.tuples,
    )?);
    Ok(all)
}

/// Runs every assertion of `file` against `model`.
pub async fn run(
    file: &TestFile,
    base_dir: &Path,
    model: &AuthorizationModel,
) -> Result<Report, YamlError> {
    let evaluator = Evaluator::new(model.clone());
    let mut report = Report::default();
    for test in &file.tests {
        let tuples = tuples_for(file, base_dir, test)?;
        let store =
            MemoryTuples::from_tuples(model, tuples).map_err(|source| YamlError::Tuples {
                test: test.name.clone(),
                source,
            })?;
        let answers = Embedded {
            evaluator: &evaluator,
            tuples: &store,
        };
        assert_test(&answers, test, &mut report).await?;
    }
    Ok(report)
}

/// Runs the assertions of one test against `answers`, into `report`.
pub async fn assert_test(
    answers: &impl Answers,
    test: &TestCase,
    report: &mut Report,
) -> Result<(), YamlError> {
    let mut record = |kind, query: String, expected: String, got: String| {
        report.assertions += 1;
        if expected != got {
            let test = test.name.clone();
            report.failures.push(Failure {
                test,
                kind,
                query,
                expected,
                got,
            });
        }
    };
    for c in &test.check {
        for (relation, expected) in &c.assertions {
            let got = answers.check(&c.user, relation, &c.object).await;
            let query = format!("user={}, relation={relation}, object={}", c.user, c.object);
            record(
                AssertionKind::Check,
                query,
                expected.to_string(),
                show(got.map(|b| b.to_string())),
            );
        }
    }
    for l in &test.list_objects {
        for (relation, expected) in &l.assertions {
            let got = answers
                .list_objects(&l.user, relation, &l.object_type)
                .await;
            let query = format!(
                "user={}, relation={relation}, type={}",
                l.user, l.object_type
            );
            record(
                AssertionKind::ListObjects,
                query,
                set(expected),
                show(got.map(|v| set(&v))),
            );
        }
    }
    for l in &test.list_users {
        let [filter] = l.user_filter.as_slice() else {
            return Err(YamlError::UserFilter {
                test: test.name.clone(),
            });
        };
        let filter = match &filter.relation {
            Some(r) => format!("{}#{r}", filter.user_type),
            None => filter.user_type.clone(),
        };
        for (relation, expected) in &l.assertions {
            let got = answers.list_users(&l.object, relation, &filter).await;
            let query = format!(
                "object={}, relation={relation}, user_filter={filter}",
                l.object
            );
            record(
                AssertionKind::ListUsers,
                query,
                set(&expected.users),
                show(got.map(|v| set(&v))),
            );
        }
    }
    Ok(())
}

fn tuples_of(
    dir: &Path,
    file: &Option<String>,
    files: &[String],
    inline: &[Tuple],
) -> Result<Vec<Tuple>, YamlError> {
    let mut all = inline.to_vec();
    for name in file.iter().chain(files) {
        let path = dir.join(name);
        let text = read(&path)?;
        let tuples: Vec<Tuple> =
            serde_yaml::from_str(&text).map_err(|source| YamlError::Parse {
                path: path.display().to_string(),
                source,
            })?;
        all.extend(tuples);
    }
    Ok(all)
}

fn read(path: &Path) -> Result<String, YamlError> {
    std::fs::read_to_string(path).map_err(|source| YamlError::Io {
        path: path.to_owned(),
        source,
    })
}

fn set(items: &[String]) -> String {
    let sorted: BTreeSet<&str> = items.iter().map(String::as_str).collect();
    format!("{sorted:?}")
}

fn show(result: Result<String, String>) -> String {
    result.unwrap_or_else(|e| format!("error: {e}"))
}
