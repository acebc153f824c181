//! The OpenFGA model's own tests (`authz/palette.fga.yaml`), run against an
//! authorizer that stores tuples: each test over its own tuples, written
//! before and deleted after, as `fga model test` runs them.

use std::path::Path;

use engine::authz::{Authorizer, Tuple};
use palette_fga::yaml::{self, Answers, Report};

/// The model file, and the directory its tuple files are named from.
#[allow(clippy::unwrap_used)]
pub fn load() -> (yaml::TestFile, &'static Path) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../authz/palette.fga.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let file = yaml::parse(&text, path).unwrap();
    (file, Path::new(path).parent().unwrap())
}

/// Runs every test of the model file through `answers`, writing each test's
/// tuples into `authorizer` first; panics with every failed assertion, and
/// returns how many assertions held.
#[allow(clippy::unwrap_used)]
pub async fn assert_model_tests_pass(
    authorizer: &impl Authorizer,
    answers: &impl Answers,
) -> usize {
    let (file, dir) = load();
    let mut report = Report::default();
    for test in &file.tests {
        let tuples = yaml::tuples_for(&file, dir, test).unwrap();
        authorizer.write(&tuples, &[]).await.unwrap();
        yaml::assert_test(answers, test, &mut report).await.unwrap();
        authorizer.write(&[], &tuples).await.unwrap();
    }
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(report.assertions > 100, "{} assertions", report.assertions);
    report.assertions
}

/// An authorizer asked what a `.fga.yaml` test asks; every check is also
/// asked as a batch of one, and the two answers must agree.
pub struct Asking<'a, A>(pub &'a A);

impl<A: Authorizer> Answers for Asking<'_, A> {
    async fn check(&self, user: &str, relation: &str, object: &str) -> Result<bool, String> {
        let one = self.0.check(user, relation, object).await;
        let one = one.map_err(|e| e.to_string())?;
        let batch = self
            .0
            .batch_check(&[Tuple::new(user, relation, object)])
            .await;
        let batch = batch.map_err(|e| e.to_string())?;
        if batch != [one] {
            return Err(format!(
                "check {user} {relation} {object}: {one}, as a batch {batch:?}"
            ));
        }
        Ok(one)
    }

    async fn list_objects(
        &self,
        user: &str,
        relation: &str,
        object_type: &str,
    ) -> Result<Vec<String>, String> {
        let got = self.0.list_objects(user, relation, object_type).await;
        got.map_err(|e| e.to_string())
    }

    async fn list_users(
        &self,
        object: &str,
        relation: &str,
        filter: &str,
    ) -> Result<Vec<String>, String> {
        let got = self.0.list_users(object, relation, filter).await;
        got.map_err(|e| e.to_string())
    }
}
