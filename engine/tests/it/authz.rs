//! Enforcement: every service authorizes before it acts, lists are filtered,
//! invisible objects are not found, refusals are audited. Both databases.

use crate::support::model_file;
use domain::access::{Grant, Permission, Relation, Subject};
use domain::user::{UserKind, UserProfile};
use domain::{EnvironmentName, NewEnvironment};
use engine::services::identity::MembershipChange;
use engine::{Actor, Engine, Error, Store};
use testkit::{contract_test, TestDatabase};

async fn demo(db: &TestDatabase) -> Engine {
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let engine = Engine::new(store);
    engine.seed_demo("http://127.0.0.1:9").await.expect("demo");
    engine
}

async fn login(engine: &Engine, subject: &str, groups: &[&str]) -> Actor {
    let profile = UserProfile {
        subject: subject.into(),
        kind: UserKind::Person,
        email: None,
        name: None,
        username: None,
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
    };
    engine.record_login(&profile, None, None).await.unwrap();
    Actor::user(subject)
}

fn name(n: &str) -> EnvironmentName {
    EnvironmentName::parse(n).unwrap()
}

fn teal() -> NewEnvironment {
    domain::CreateEnvironment {
        name: "teal".into(),
        tier: "staging".into(),
        channel: "edge".into(),
        oidc_issuer: "https://iam.teal.example.com".into(),
        ..domain::CreateEnvironment::default()
    }
    .parse()
    .unwrap()
}

fn grant(relation: &str, subject: &str) -> Grant {
    Grant {
        relation: Relation::parse(relation).unwrap(),
        subject: Subject::parse(subject).unwrap(),
    }
}

contract_test!(
    an_ungranted_principal_sees_and_changes_nothing,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        let stranger = Actor::user("ci-unknown");
        assert!(engine
            .list_environments(&stranger)
            .await
            .unwrap()
            .is_empty());
        let err = engine
            .get_environment(&stranger, &name("blue"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::NotFound(_)),
            "invisible is not found: {err:?}"
        );
        let err = engine
            .create_environment(&stranger, teal())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
        let err = engine
            .grant(&stranger, &name("blue"), &grant("owner", "user:ci-unknown"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
        let denied =
            engine::store::audit::for_object(engine.store().pool(), "platform:default", 10)
                .await
                .unwrap();
        assert_eq!(denied.len(), 1, "the refused create is audited");
        assert_eq!(denied[0].decision, domain::audit::Decision::Denied);
        assert_eq!(denied[0].actor, "user:ci-unknown");
    }
);

contract_test!(
    groups_from_login_grant_and_later_logins_revoke,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        let erin = login(&engine, "erin", &["blue-operators"]).await;
        let visible: Vec<_> = engine
            .list_environments(&erin)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.name.to_string())
            .collect();
        assert_eq!(visible, ["blue"], "an operator of blue views blue only");
        let names = engine.environment_names(&erin).await.unwrap();
        let names: Vec<_> = names.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            ["blue"],
            "the choice lists are filtered the same way"
        );
        let erin = login(&engine, "erin", &[]).await;
        assert!(
            engine.list_environments(&erin).await.unwrap().is_empty(),
            "membership removed at the next login"
        );
    }
);

contract_test!(
    group_sync_converges_on_the_authorizers_own_tuples,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        let tuple = |g: &str| engine::authz::Tuple::new("user:erin", "member", g);
        // A membership the last sync never wrote (an earlier failure, or a
        // hand-written tuple) is removed by the next one, even when the
        // provider's groups did not change since the last login.
        login(&engine, "erin", &["blue-operators"]).await;
        engine
            .authorizer()
            .write(&[tuple("group:platform-admins")], &[])
            .await
            .unwrap();
        let admins = engine
            .sync_groups("erin", &["blue-operators".into()])
            .await
            .unwrap();
        assert_eq!(
            admins,
            MembershipChange {
                added: vec![],
                removed: vec!["platform-admins".into()]
            }
        );
        // A name that cannot be an object is skipped; the others sync.
        let change = engine
            .sync_groups("erin", &["Domain Users".into(), "staff".into()])
            .await
            .unwrap();
        assert_eq!(change.added, ["staff"]);
        assert_eq!(change.removed, ["blue-operators"]);
        let groups: Vec<String> = engine
            .authorizer()
            .read_user("user:erin", "member", "group")
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.object)
            .collect();
        assert_eq!(groups, ["group:staff"]);
        // The reconciler brings every user in line with its stored groups
        // (erin's last login said blue-operators).
        let done = engine.reconcile_memberships().await.unwrap();
        assert_eq!(done.failed, 0);
        assert_eq!(done.changed, 1, "{done:?}");
        assert_eq!(
            engine.reconcile_memberships().await.unwrap().changed,
            0,
            "a second pass changes nothing"
        );
    }
);

contract_test!(
    a_machine_client_cannot_act_as_a_person_of_the_same_subject,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        login(&engine, "alice", &["platform-admins"]).await;
        let machine = UserProfile {
            subject: "alice".into(),
            kind: UserKind::Machine,
            email: None,
            name: None,
            username: None,
            groups: vec![],
        };
        let refused = engine.record_login(&machine, None, None).await;
        assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
        // Nor the other way round; and nothing was changed by the refusal.
        let ci = UserProfile {
            subject: "ci".into(),
            ..machine
        };
        engine.record_login(&ci, None, None).await.unwrap();
        let person = UserProfile {
            kind: UserKind::Person,
            ..ci
        };
        assert!(matches!(
            engine.record_login(&person, None, None).await,
            Err(Error::Conflict(_))
        ));
        let alice = Actor::user("alice");
        assert_eq!(engine.list_environments(&alice).await.unwrap().len(), 4);
    }
);

contract_test!(
    configured_platform_roles_are_reconciled_at_each_start,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        let admins = |list: &[&str]| list.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
        engine
            .bootstrap_platform("admin", &admins(&["user:root", "user:old"]))
            .await
            .unwrap();
        let old = Actor::user("old");
        assert_eq!(engine.list_environments(&old).await.unwrap().len(), 4);
        // The next start without user:old: it is no longer an admin; the
        // demo's seeded group:platform-admins (not from the configuration)
        // stays.
        engine
            .bootstrap_platform("admin", &admins(&["user:root"]))
            .await
            .unwrap();
        assert!(engine.list_environments(&old).await.unwrap().is_empty());
        let root = Actor::user("root");
        assert_eq!(engine.list_environments(&root).await.unwrap().len(), 4);
        let alice = login(&engine, "alice", &["platform-admins"]).await;
        assert_eq!(engine.list_environments(&alice).await.unwrap().len(), 4);
        // Each change is audited once; a restart with the same list is not.
        engine
            .bootstrap_platform("admin", &admins(&["user:root"]))
            .await
            .unwrap();
        let audit = engine.list_audit(&root, &Default::default()).await.unwrap();
        let configured = audit
            .items
            .iter()
            .filter(|e| e.action == "platform.admin.configure")
            .count();
        assert_eq!(configured, 2);
    }
);

contract_test!(
    platform_admins_from_config_see_everything,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        engine
            .bootstrap_platform("admin", &["user:root".into(), "group:sre".into()])
            .await
            .unwrap();
        assert_eq!(
            engine
                .list_environments(&Actor::user("root"))
                .await
                .unwrap()
                .len(),
            4
        );
        let anne = login(&engine, "anne", &["sre"]).await;
        assert_eq!(
            engine.list_environments(&anne).await.unwrap().len(),
            4,
            "through group:sre"
        );
        assert!(
            engine
                .bootstrap_platform("admin", &["nobody".into()])
                .await
                .is_err(),
            "bad subjects are refused"
        );
    }
);

contract_test!(
    the_creator_owns_what_they_create_and_can_grant,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        let dave = login(&engine, "dave", &["staff"]).await;
        engine.create_environment(&dave, teal()).await.unwrap();
        let grants = engine.list_access(&dave, &name("teal")).await.unwrap();
        assert!(
            grants
                .items
                .iter()
                .any(|g| g.relation == Relation::Owner && g.subject.as_str() == "user:dave"),
            "{grants:?}"
        );
        engine
            .grant(&dave, &name("teal"), &grant("operator", "group:qa"))
            .await
            .unwrap();
        let qa = login(&engine, "erin", &["qa"]).await;
        assert!(engine.get_environment(&qa, &name("teal")).await.is_ok());
        let why = engine
            .explain_access(
                &dave,
                &name("teal"),
                &Subject::parse("user:erin").unwrap(),
                Permission::CanApply,
            )
            .await
            .unwrap();
        assert!(why.allowed, "{why:?}");
        let path = why.path.unwrap_or_default();
        assert!(path.contains("group:qa#member"), "{path}");
        engine
            .revoke(&dave, &name("teal"), &grant("operator", "group:qa"))
            .await
            .unwrap();
        assert!(matches!(
            engine.get_environment(&qa, &name("teal")).await,
            Err(Error::NotFound(_))
        ));
    }
);

contract_test!(
    viewers_may_look_but_not_manage_access,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        let bob = login(&engine, "bob", &["blue-operators"]).await;
        let err = engine
            .grant(&bob, &name("blue"), &grant("owner", "user:bob"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Forbidden(_)),
            "visible but not manageable is forbidden: {err:?}"
        );
    }
);

contract_test!(
    anonymous_sees_nothing_and_must_log_in_to_act,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        let anon = Actor::anonymous();
        assert!(engine.list_environments(&anon).await.unwrap().is_empty());
        assert!(matches!(
            engine.create_environment(&anon, teal()).await,
            Err(Error::Unauthenticated)
        ));
        let _ = MembershipChange::default();
    }
);

contract_test!(
    a_person_ends_their_own_sessions_and_only_admins_end_anothers,
    |db: TestDatabase| async move {
        use engine::services::sessions::StoredSession;
        let engine = demo(&db).await;
        let sessions = engine.sessions();
        let far = i64::MAX / 2;
        let of = |subject: Option<&str>| StoredSession {
            data: "{}".into(),
            expires_at_ms: far,
            subject: subject.map(str::to_owned),
        };
        for (id, subject) in [
            ("a1", Some("erin")),
            ("a2", Some("erin")),
            ("b1", Some("frank")),
            ("c1", None),
        ] {
            assert!(sessions.create(id, &of(subject)).await.unwrap());
        }
        // A person without admin cannot end someone else's sessions.
        let frank = login(&engine, "frank", &[]).await;
        let err = engine.end_sessions(&frank, "erin").await.unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
        assert!(
            sessions.load("a1").await.unwrap().is_some(),
            "nothing ended"
        );
        // Their own, yes: all of them, and nobody else's.
        let ended = engine.end_sessions(&frank, "frank").await.unwrap();
        assert_eq!(ended.ended, 1);
        assert!(sessions.load("b1").await.unwrap().is_none());
        assert!(sessions.load("a1").await.unwrap().is_some());
        // A platform admin ends anyone's; a session without a login stays.
        let alice = login(&engine, "alice", &["platform-admins"]).await;
        let ended = engine.end_sessions(&alice, "erin").await.unwrap();
        assert_eq!((ended.subject.as_str(), ended.ended), ("erin", 2));
        for id in ["a1", "a2"] {
            assert!(sessions.load(id).await.unwrap().is_none(), "{id} ended");
        }
        assert!(sessions.load("c1").await.unwrap().is_some());
        // Audited with the count, and a bad subject is a field error.
        let audit = engine::store::audit::for_object(engine.store().pool(), "user:erin", 10)
            .await
            .unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "sessions.end" && e.actor == "user:alice"),
            "{audit:?}"
        );
        let err = engine.end_sessions(&alice, "erin smith").await.unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    }
);

// The model's own tests, through the tuples as stored: single checks read
// them per object, lists and batches a type at a time.
contract_test!(
    the_model_tests_pass_through_the_embedded_authorizer_over_the_database,
    |db: TestDatabase| async move {
        let db = db; // all of it, not only its URL: the database lives as long
        let store = Store::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        let authorizer = engine::authz::embedded::EmbeddedAuthorizer::new(store).unwrap();
        model_file::assert_model_tests_pass(&authorizer, &model_file::Asking(&authorizer)).await;
    }
);
