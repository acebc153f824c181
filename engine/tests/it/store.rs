//! Contract tests: the same assertions against SQLite and PostgreSQL.

use domain::{CreateEnvironment, EnvironmentName, EnvironmentStatus, NewEnvironment};
use engine::{Actor, Engine, Error, Store};
use testkit::{contract_test, TestDatabase};

/// An engine where anne is a platform admin.
async fn engine(db: &TestDatabase) -> Engine {
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let engine = Engine::new(store);
    engine
        .bootstrap_platform("admin", &["user:anne".to_owned()])
        .await
        .expect("admins");
    engine
}

fn teal_request() -> CreateEnvironment {
    CreateEnvironment {
        name: "teal".into(),
        tier: "staging".into(),
        purpose: "try things".into(),
        channel: "2/edge".into(),
        oidc_issuer: "https://iam.teal.example.com".into(),
        ..CreateEnvironment::default()
    }
}

fn teal() -> NewEnvironment {
    teal_request().parse().unwrap()
}

contract_test!(
    created_environment_reads_back_whole,
    |db: TestDatabase| async move {
        let engine = engine(&db).await;
        let actor = Actor::user("anne");
        let created = engine
            .create_environment(
                &actor,
                NewEnvironment {
                    layers: vec!["k8s".into(), "core".into()],
                    ..teal()
                },
            )
            .await
            .unwrap();
        assert_eq!(created.environment.status, EnvironmentStatus::Provisioning);
        assert_eq!(created.environment.created_by, "user:anne");
        let name = EnvironmentName::parse("teal").unwrap();
        let read = engine.get_environment(&actor, &name).await.unwrap();
        assert_eq!(read, created.environment);
        assert_eq!(read.manifest.0["kratos"].channel, "2/edge");
    }
);

contract_test!(
    creating_a_taken_name_conflicts_and_changes_nothing,
    |db: TestDatabase| async move {
        let engine = engine(&db).await;
        let actor = Actor::user("anne");
        engine.create_environment(&actor, teal()).await.unwrap();
        let mut again = teal();
        again.purpose = "something else".into();
        let err = engine
            .create_environment(&Actor::user("anne"), again)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Taken(field) if field.field == "name"),
            "{err:?}"
        );
        let list = engine.list_environments(&actor).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].purpose, "try things");
        let audit = engine::store::audit::for_object(engine.store().pool(), "environment:teal", 10)
            .await
            .unwrap();
        assert_eq!(
            audit.len(),
            1,
            "the failed create must not leave an audit event"
        );
    }
);

contract_test!(
    a_manifest_that_breaks_the_rules_is_refused_whoever_asks,
    |db: TestDatabase| async move {
        let engine = engine(&db).await;
        let mut manifest = domain::Manifest::identity_stack("edge");
        if let Some(hydra) = manifest.0.get_mut("hydra") {
            hydra.charm = "Hydra!".into();
            hydra.revision = Some(0);
        }
        // Built past the request parser, as a caller of the engine could.
        let new = NewEnvironment {
            manifest: Some(manifest),
            ..teal()
        };
        let err = engine
            .create_environment(&Actor::user("anne"), new)
            .await
            .unwrap_err();
        let Error::Invalid(fields) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(fields[0].field, "manifest.hydra");
        let unknown = NewEnvironment {
            layers: vec!["k9s".into()],
            ..teal()
        };
        let err = engine
            .create_environment(&Actor::user("anne"), unknown)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(f) if f[0].field == "layers"),
            "{err:?}"
        );
        assert!(engine
            .list_environments(&Actor::user("anne"))
            .await
            .unwrap()
            .is_empty());
    }
);

contract_test!(
    unknown_environment_is_not_found,
    |db: TestDatabase| async move {
        let engine = engine(&db).await;
        let name = EnvironmentName::parse("purple").unwrap();
        let err = engine
            .get_environment(&Actor::user("anne"), &name)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound(_)));
    }
);

contract_test!(
    environments_list_in_name_order,
    |db: TestDatabase| async move {
        let engine = engine(&db).await;
        assert!(engine
            .list_environments(&Actor::user("anne"))
            .await
            .unwrap()
            .is_empty());
        assert_eq!(engine.seed_demo("http://127.0.0.1:9").await.unwrap(), 4);
        let names: Vec<String> = engine
            .list_environments(&Actor::user("anne"))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.name.to_string())
            .collect();
        assert_eq!(names, ["blue", "green", "red", "yellow"]);
    }
);

contract_test!(
    demo_data_is_seeded_once_across_restarts,
    |db: TestDatabase| async move {
        let first = engine(&db).await;
        assert_eq!(first.seed_demo("http://127.0.0.1:9").await.unwrap(), 4);
        first.store().close().await;
        let second = engine(&db).await;
        assert_eq!(second.seed_demo("http://127.0.0.1:9").await.unwrap(), 0);
        assert_eq!(
            second
                .list_environments(&Actor::system("test"))
                .await
                .unwrap()
                .len(),
            4
        );
    }
);

contract_test!(migrations_are_idempotent, |db: TestDatabase| async move {
    let engine = engine(&db).await;
    engine.store().migrate().await.unwrap();
    engine.store().ping().await.unwrap();
});

/// SQLite's "database is locked" (another writer holds the lock past the
/// busy timeout) is an error worth trying again: a running job's writes
/// ride it out like a PostgreSQL outage; a constraint violation is not.
#[tokio::test]
async fn sqlite_busy_is_transient_and_a_constraint_violation_is_not() {
    use sqlx::{Connection, Executor};
    let db = testkit::sqlite();
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let mut holder = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let mut other = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    other.execute("PRAGMA busy_timeout = 0").await.unwrap();
    holder.execute("BEGIN IMMEDIATE").await.unwrap();
    let insert = "INSERT INTO settings (key, value) VALUES ('busy', 'x')";
    let busy = other.execute(insert).await.unwrap_err();
    let busy = engine::StoreError::Database(busy);
    assert!(busy.is_transient(), "{busy}");
    holder.execute("COMMIT").await.unwrap();
    other.execute(insert).await.unwrap();
    let duplicate = other.execute(insert).await.unwrap_err();
    let duplicate = engine::StoreError::Database(duplicate);
    assert!(!duplicate.is_transient(), "{duplicate}");
    // And through the engine's error: 503 for the first, not for the second.
    assert!(matches!(Error::from(busy), Error::Unavailable(_)));
    assert!(!matches!(Error::from(duplicate), Error::Unavailable(_)));
}
