//! The OpenFGA authorizer against the real OpenFGA server (built by
//! `scripts/servers openfga`, started per test by `testkit::openfga`):
//! Palette bootstraps its store and model as in production, the whole
//! `authz/palette.fga.yaml` passes through it as through the embedded
//! evaluator, a restart over existing tuples and admins succeeds, admins
//! left out of the configuration are revoked, login group sync adds and
//! removes (and converges after an outage), and an outage denies, then
//! recovers without restarting Palette.

use std::sync::Arc;
use std::time::Duration;

use crate::support::model_file;
use domain::user::{UserKind, UserProfile};
use engine::authz::openfga::{OpenFgaAuthorizer, OpenFgaConfig};
use engine::authz::{Action, Authorizer, AuthzError};
use engine::{Actor, Engine, Error, Store};
use palette_fga::yaml;
use testkit::openfga::OpenFga;

fn config(server: &OpenFga) -> OpenFgaConfig {
    OpenFgaConfig {
        url: server.url.clone(),
        store_id: None,
        model_id: None,
        token: None,
        timeout: Duration::from_secs(2),
    }
}

async fn connect(server: &OpenFga) -> OpenFgaAuthorizer {
    OpenFgaAuthorizer::connect(&config(server))
        .await
        .expect("Palette bootstraps its store and model")
}

/// An engine over a fresh SQLite database, authorizing through the real
/// server (the database lives as long as the returned handle).
async fn engine_on(server: &OpenFga) -> (Engine, Arc<OpenFgaAuthorizer>, testkit::TestDatabase) {
    let db = testkit::sqlite();
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let authorizer = Arc::new(connect(server).await);
    (
        Engine::with_authorizer(store, authorizer.clone()),
        authorizer,
        db,
    )
}

/// A person's login with `groups`.
fn dana(groups: &[&str]) -> UserProfile {
    UserProfile {
        subject: "dana".into(),
        kind: UserKind::Person,
        email: None,
        name: None,
        username: None,
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_tests_pass_through_the_openfga_authorizer_on_the_real_server() {
    let server = OpenFga::start().await;
    let authorizer = connect(&server).await;
    let assertions =
        model_file::assert_model_tests_pass(&authorizer, &model_file::Asking(&authorizer)).await;

    // The embedded evaluator answers the same file the same way.
    let model =
        palette_fga::AuthorizationModel::from_json(palette_fga::PALETTE_MODEL_JSON).unwrap();
    let (file, dir) = model_file::load();
    let embedded = yaml::run(&file, dir, &model).await.unwrap();
    assert!(embedded.passed(), "{:?}", embedded.failures);
    assert_eq!(embedded.assertions, assertions);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_finds_its_store_and_model_and_writes_existing_tuples_again() {
    let server = OpenFga::start().await;
    let db = testkit::sqlite();
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let first = Arc::new(connect(&server).await);
    let (store_id, model_id) = (
        first.store_id().unwrap().to_owned(),
        first.model_id().unwrap().to_owned(),
    );
    let engine = Engine::with_authorizer(store.clone(), first);
    let admins = ["user:root".to_owned(), "group:sre".to_owned()];
    engine.bootstrap_platform("admin", &admins).await.unwrap();

    // The next start: the same store and model, and the same admins
    // written again (OpenFGA refuses duplicate writes unless told not to).
    let second = Arc::new(connect(&server).await);
    assert_eq!(second.store_id(), Some(store_id.as_str()));
    assert_eq!(
        second.model_id(),
        Some(model_id.as_str()),
        "an unchanged model is not rewritten"
    );
    let engine = Engine::with_authorizer(store, second.clone());
    engine.bootstrap_platform("admin", &admins).await.unwrap();
    engine
        .bootstrap_platform("releaser", &["user:ci".to_owned()])
        .await
        .unwrap();
    let root = Actor::user("root");
    engine
        .authorize(&root, Action::CreateEnvironment)
        .await
        .unwrap();
    assert!(second
        .check("user:ci", "releaser", "platform:default")
        .await
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_group_sync_adds_and_removes_memberships_on_the_real_server() {
    let server = OpenFga::start().await;
    let (engine, authorizer, _db) = engine_on(&server).await;
    engine
        .bootstrap_platform("admin", &["group:platform-admins".to_owned()])
        .await
        .unwrap();
    let login = dana;
    let dana = Actor::user("dana");
    engine
        .record_login(&login(&["platform-admins", "staff"]), None, None)
        .await
        .unwrap();
    engine
        .authorize(&dana, Action::CreateEnvironment)
        .await
        .unwrap();
    let change = engine
        .record_login(&login(&["staff"]), None, None)
        .await
        .unwrap();
    assert_eq!(change.removed, ["platform-admins"]);
    assert!(matches!(
        engine.authorize(&dana, Action::CreateEnvironment).await,
        Err(Error::Forbidden(_))
    ));
    assert!(authorizer
        .check("user:dana", "member", "group:staff")
        .await
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_that_fails_during_an_outage_is_made_good_afterwards() {
    let mut server = OpenFga::start().await;
    let (engine, authorizer, _db) = engine_on(&server).await;
    let login = dana;
    engine
        .record_login(&login(&["platform-admins", "staff"]), None, None)
        .await
        .unwrap();

    // Removed from platform-admins at the provider while OpenFGA is down:
    // the login is recorded but the sync fails, after its retries.
    server.stop();
    let failed = engine.record_login(&login(&["staff"]), None, None).await;
    assert!(matches!(failed, Err(Error::Unavailable(_))), "{failed:?}");
    assert!(engine.reconcile_memberships().await.unwrap().failed == 1);
    server.start_again().await;
    assert!(authorizer
        .check("user:dana", "member", "group:platform-admins")
        .await
        .unwrap());

    // Nothing changed at the provider since, yet the reconciler (and the
    // next login as well) removes the membership; a second pass finds
    // nothing to do, and writing over an existing tuple is tolerated.
    let done = engine.reconcile_memberships().await.unwrap();
    assert_eq!((done.changed, done.failed), (1, 0), "{done:?}");
    assert!(!authorizer
        .check("user:dana", "member", "group:platform-admins")
        .await
        .unwrap());
    assert_eq!(engine.reconcile_memberships().await.unwrap().changed, 0);
    let again = engine
        .record_login(&login(&["staff"]), None, None)
        .await
        .unwrap();
    assert!(again.added.is_empty() && again.removed.is_empty());
    assert!(authorizer
        .check("user:dana", "member", "group:staff")
        .await
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_left_out_of_the_configuration_is_revoked_on_the_real_server() {
    let server = OpenFga::start().await;
    let (engine, authorizer, _db) = engine_on(&server).await;
    let both = ["user:root".to_owned(), "user:old".to_owned()];
    engine.bootstrap_platform("admin", &both).await.unwrap();
    engine.bootstrap_platform("admin", &both).await.unwrap();
    assert!(authorizer
        .check("user:old", "admin", "platform:default")
        .await
        .unwrap());
    engine
        .bootstrap_platform("admin", &["user:root".to_owned()])
        .await
        .unwrap();
    assert!(!authorizer
        .check("user:old", "admin", "platform:default")
        .await
        .unwrap());
    assert!(authorizer
        .check("user:root", "admin", "platform:default")
        .await
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_denies_with_a_clear_message_and_recovers_without_a_restart() {
    let mut server = OpenFga::start().await;
    let (engine, authorizer, _db) = engine_on(&server).await;
    engine
        .bootstrap_platform("admin", &["user:root".to_owned()])
        .await
        .unwrap();
    let root = Actor::user("root");
    engine
        .authorize(&root, Action::CreateEnvironment)
        .await
        .unwrap();

    server.stop();
    let denied = engine.authorize(&root, Action::CreateEnvironment).await;
    assert!(
        matches!(&denied, Err(Error::Unavailable(m)) if m.contains("authorization could not be checked")),
        "{denied:?}"
    );
    // What people are told never names OpenFGA's address or its words.
    let told = denied.unwrap_err().to_body().message;
    assert!(
        !told.contains("127.0.0.1") && !told.contains("http"),
        "{told}"
    );
    assert!(matches!(
        authorizer
            .check("user:root", "admin", "platform:default")
            .await,
        Err(AuthzError::Unavailable(_))
    ));

    // The same process, the same authorizer: back as soon as OpenFGA is.
    server.start_again().await;
    engine
        .authorize(&root, Action::CreateEnvironment)
        .await
        .unwrap();
}
