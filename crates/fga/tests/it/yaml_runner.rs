//! The embedded evaluator against the same `.fga.yaml` the real engine runs.

use palette_fga::yaml::{self, AssertionKind};
use palette_fga::AuthorizationModel;

fn model() -> AuthorizationModel {
    AuthorizationModel::palette().expect("embedded model is valid")
}

#[tokio::test]
async fn embedded_evaluator_passes_the_model_tests() {
    let path = crate::support::fga_cli::authz_dir().join("palette.fga.yaml");
    let report = yaml::run_file(&path, &model()).await.expect("runs");
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    // 95 checks, 10 list-objects and 5 list-users assertions at the time of writing.
    assert!(
        report.assertions >= 110,
        "only {} assertions ran",
        report.assertions
    );
}

const WRONG: &str = r#"
model_file: ./palette.fga
tuples:
  - user: user:olivia
    relation: owner
    object: environment:blue
tests:
  - name: wrong
    check:
      - user: user:olivia
        object: environment:blue
        assertions:
          can_destroy: false
          can_view: true
    list_objects:
      - user: user:olivia
        type: environment
        assertions:
          can_view: []
    list_users:
      - object: environment:blue
        user_filter:
          - type: user
        assertions:
          can_apply:
            users: [user:mallory]
"#;

#[tokio::test]
async fn wrong_assertions_are_reported() {
    let file = yaml::parse(WRONG, "inline").expect("parses");
    let report = yaml::run(&file, std::path::Path::new("."), &model())
        .await
        .expect("runs");
    assert_eq!(report.assertions, 4);
    let kinds: Vec<AssertionKind> = report.failures.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            AssertionKind::Check,
            AssertionKind::ListObjects,
            AssertionKind::ListUsers
        ]
    );
    let first = &report.failures[0];
    assert_eq!(
        (first.expected.as_str(), first.got.as_str()),
        ("false", "true")
    );
    assert!(first.query.contains("can_destroy"), "{first}");
    assert!(report.failures[2].got.contains("user:olivia"));
}

#[tokio::test]
async fn unsupported_fields_and_invalid_tuples_are_errors_not_passes() {
    let contextual = WRONG.replace("    check:\n", "    check:\n      - user: user:x\n        object: environment:blue\n        context: {}\n        assertions: {}\n");
    assert!(yaml::parse(&contextual, "inline").is_err());

    let bad_tuple = WRONG.replace("relation: owner", "relation: can_destroy");
    let file = yaml::parse(&bad_tuple, "inline").expect("parses");
    let err = yaml::run(&file, std::path::Path::new("."), &model()).await;
    assert!(
        err.is_err(),
        "a tuple on a computed relation must be rejected"
    );
}
