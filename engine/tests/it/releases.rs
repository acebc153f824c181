//! Releases from CI against SQLite and PostgreSQL: recording is idempotent
//! and needs `releaser`; a release auto-deploys where the policy says so,
//! through each environment's own policy; quarantines and holds keep a
//! revision out; only the newest waiting auto-deploy runs; upstreams order
//! the matrix and cannot form a cycle.

use domain::{
    Hold, PromotionPolicy, PromotionQuery, PromotionSource, PromotionState, QuarantineKey,
    QuarantineRequest, RecordRelease, Tier,
};
use engine::authz::Tuple;
use engine::{Actor, Error};
use testkit::{contract_test, TestDatabase};

use crate::promotions::{comment, fast_policy, name, wait_state, world, World};

fn kratos(revision: i64, channel: &str) -> RecordRelease {
    RecordRelease {
        application: "kratos".into(),
        charm: "kratos".into(),
        revision,
        channel: channel.into(),
        ..RecordRelease::default()
    }
}

/// `user:ci` records releases; blue auto-deploys with no approval, green
/// auto-deploys with one (both track stable).
async fn releasing(db: &TestDatabase) -> (World, Actor) {
    let w = world(db).await;
    let e = &w.engine;
    e.authorizer()
        .write(
            &[Tuple::new("user:ci", "releaser", "platform:default")],
            &[],
        )
        .await
        .unwrap();
    let blue = PromotionPolicy {
        auto_deploy: true,
        ..fast_policy()
    };
    e.set_promotion_policy(&w.alice, &name("blue"), &blue)
        .await
        .unwrap();
    let green = PromotionPolicy {
        auto_deploy: true,
        required_approvals: 1,
        upstream: Some(name("blue")),
        ..fast_policy()
    };
    e.set_promotion_policy(&w.alice, &name("green"), &green)
        .await
        .unwrap();
    (w, Actor::user("ci"))
}

contract_test!(
    a_release_auto_deploys_under_each_policy_and_is_recorded_once,
    |db: TestDatabase| async move {
        let (w, ci) = releasing(&db).await;
        let e = &w.engine;
        // Bad input is refused field by field; bob is no releaser.
        assert!(matches!(
            e.record_release(&ci, &kratos(0, "latest/nightly")).await,
            Err(Error::Invalid(f)) if f.len() == 2
        ));
        assert!(matches!(
            e.record_release(&w.bob, &kratos(531, "latest/stable"))
                .await,
            Err(Error::Forbidden(_))
        ));

        let recorded = e
            .record_release(&ci, &kratos(531, "latest/stable"))
            .await
            .unwrap();
        assert!(recorded.created);
        assert_eq!(recorded.release.channel, "latest/stable");
        assert_eq!(recorded.opened.len(), 2, "{recorded:?}");
        let outcome = |env: &str| {
            recorded
                .release
                .outcomes
                .iter()
                .find(|o| o.environment.as_str() == env)
                .cloned()
                .unwrap_or_else(|| panic!("no outcome in {env}: {recorded:?}"))
        };
        let (into_blue, into_green) = (outcome("blue"), outcome("green"));
        let blue_id = into_blue.promotion.unwrap();
        let green_id = into_green.promotion.unwrap();

        // Blue needs no approval: it applies and verifies on its own.
        let done = wait_state(e, blue_id, PromotionState::Succeeded).await;
        assert!(matches!(
            &done.promotion.source,
            PromotionSource::Release(r) if r.id == recorded.release.id && r.revision == 531
        ));
        assert_eq!(done.promotion.requested_by, "user:ci");
        let blue = e.get_environment(&w.alice, &name("blue")).await.unwrap();
        assert_eq!(blue.manifest.0["kratos"].revision, Some(531));
        assert_eq!(blue.manifest.0["hydra"].revision, Some(412), "kratos only");
        // Green's policy wants an approval; ci opened it, carol approves.
        let waiting = wait_state(e, green_id, PromotionState::AwaitingApproval).await;
        assert_eq!(waiting.approvals_missing, 1);

        // The same release again (also spelled without the track) is the
        // same release and opens nothing.
        for channel in ["latest/stable", "stable"] {
            let again = e.record_release(&ci, &kratos(531, channel)).await.unwrap();
            assert!(!again.created);
            assert!(again.opened.is_empty());
            assert_eq!(again.release.id, recorded.release.id);
            assert_eq!(again.release.outcomes.len(), 2);
        }
        let listed = e
            .promotions(&w.alice, &PromotionQuery::default())
            .await
            .unwrap();
        assert_eq!(listed.items.len(), 2, "nothing new was opened");

        // Quarantining 531 cancels green's waiting promotion of it (blue's
        // is done) and keeps it from being re-planned.
        let refused = e
            .quarantine(
                &w.bob,
                &QuarantineRequest {
                    charm: "kratos".into(),
                    revision: 531,
                    reason: "logins loop".into(),
                },
            )
            .await;
        assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
        let q = QuarantineRequest {
            charm: "kratos".into(),
            revision: 531,
            reason: "logins loop on Safari".into(),
        };
        e.quarantine(&ci, &q).await.unwrap();
        assert!(matches!(
            e.quarantine(&ci, &q).await,
            Err(Error::Conflict(_))
        ));
        let cancelled = e.promotion(&Actor::system("test"), green_id).await.unwrap();
        assert_eq!(cancelled.promotion.state, PromotionState::Cancelled);
        assert!(
            cancelled.promotion.message.contains("quarantined"),
            "{}",
            cancelled.promotion.message
        );
        let detail = e.release(&w.alice, recorded.release.id).await.unwrap();
        let states: Vec<_> = detail.outcomes.iter().map(|o| o.state).collect();
        assert_eq!(
            states,
            [
                Some(PromotionState::Succeeded),
                Some(PromotionState::Cancelled)
            ]
        );

        // A quarantined revision is recorded but goes nowhere, and says so.
        let q532 = QuarantineRequest {
            charm: "kratos".into(),
            revision: 532,
            reason: "bad migration".into(),
        };
        e.quarantine(&w.alice, &q532).await.unwrap();
        let blocked = e.record_release(&ci, &kratos(532, "stable")).await.unwrap();
        assert!(blocked.created && blocked.opened.is_empty());
        assert!(blocked
            .release
            .outcomes
            .iter()
            .all(|o| o.promotion.is_none() && o.note.contains("quarantined: bad migration")));
        let key = QuarantineKey::parse("kratos", "532").unwrap();
        e.lift_quarantine(&ci, &key).await.unwrap();
        assert!(matches!(
            e.lift_quarantine(&ci, &key).await,
            Err(Error::NotFound(_))
        ));

        // A revision held on blue is not auto-deployed there; green still
        // gets it.
        engine::store::promotions::insert_hold(
            e.store().pool(),
            &Hold {
                environment: name("blue"),
                application: "kratos".into(),
                charm: "kratos".into(),
                revision: 533,
                reason: "rolled back on blue".into(),
                at: 1,
                by: "user:alice".into(),
                promotion: None,
            },
        )
        .await
        .unwrap();
        let held = e.record_release(&ci, &kratos(533, "stable")).await.unwrap();
        assert_eq!(held.opened.len(), 1);
        let blue_outcome = held
            .release
            .outcomes
            .iter()
            .find(|o| o.environment.as_str() == "blue")
            .unwrap();
        assert!(blue_outcome.promotion.is_none());
        assert!(blue_outcome.note.contains("held"), "{}", blue_outcome.note);

        // A release on a channel nobody tracks goes nowhere.
        let edge = e.record_release(&ci, &kratos(600, "edge")).await.unwrap();
        assert!(edge.release.outcomes.is_empty());

        let audit = engine::store::audit::for_object(e.store().pool(), "platform:default", 20)
            .await
            .unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        for want in ["release.record", "quarantine.create", "quarantine.lift"] {
            assert!(
                actions.contains(&want),
                "{want} is not audited: {actions:?}"
            );
        }
    }
);

contract_test!(
    only_the_newest_waiting_auto_deploy_of_an_application_runs,
    |db: TestDatabase| async move {
        let (w, ci) = releasing(&db).await;
        let e = &w.engine;
        // 540 waits for an approval into green and holds its slot…
        let first = e.record_release(&ci, &kratos(540, "stable")).await.unwrap();
        let into_green = |r: &domain::RecordedRelease| {
            r.release
                .outcomes
                .iter()
                .find(|o| o.environment.as_str() == "green")
                .and_then(|o| o.promotion)
                .unwrap()
        };
        let a = into_green(&first);
        wait_state(e, a, PromotionState::AwaitingApproval).await;
        // …so 541 waits its turn, and 542 supersedes it.
        let b = into_green(&e.record_release(&ci, &kratos(541, "stable")).await.unwrap());
        let c = into_green(&e.record_release(&ci, &kratos(542, "stable")).await.unwrap());
        let system = Actor::system("test");
        let superseded = e.promotion(&system, b).await.unwrap();
        assert_eq!(superseded.promotion.state, PromotionState::Superseded);
        assert!(
            superseded
                .promotion
                .message
                .contains("superseded by release"),
            "{}",
            superseded.promotion.message
        );
        assert!(!superseded.actions.replan);
        assert!(matches!(
            e.replan_promotion(&w.alice, b).await,
            Err(Error::Conflict(_))
        ));
        let queued = e.promotion(&system, c).await.unwrap();
        assert_eq!(queued.promotion.state, PromotionState::Planning);
        assert_eq!(queued.waiting_for, Some(a));
        // The one in its slot is not superseded: a person decides on it.
        let approved = e
            .approve_promotion(&w.carol, a, &comment("fine"))
            .await
            .unwrap();
        assert_eq!(approved.state, PromotionState::Applying);
        wait_state(e, a, PromotionState::Succeeded).await;
        wait_state(e, c, PromotionState::AwaitingApproval).await;
    }
);

contract_test!(
    upstreams_order_the_matrix_and_never_form_a_cycle,
    |db: TestDatabase| async move {
        let (w, ci) = releasing(&db).await;
        let e = &w.engine;
        let with_upstream = |up: &str| PromotionPolicy {
            upstream: Some(name(up)),
            ..PromotionPolicy::default_for(Tier::Staging)
        };
        for (env, up, why) in [
            ("blue", "blue", "itself"),
            ("blue", "green", "a cycle"),
            ("blue", "teal", "no environment"),
        ] {
            let refused = e
                .set_promotion_policy(&w.alice, &name(env), &with_upstream(up))
                .await;
            assert!(
                matches!(&refused, Err(Error::Invalid(f)) if f[0].field == "upstream" && f[0].message.contains(why)),
                "{env} ← {up}: {refused:?}"
            );
        }
        e.record_release(&ci, &kratos(777, "stable")).await.unwrap();
        let matrix = e.release_matrix(&w.alice).await.unwrap();
        let order: Vec<&str> = matrix
            .environments
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(order, ["blue", "green"]);
        assert_eq!(matrix.environments[1].upstream, Some(name("blue")));
        assert!(matrix.can_quarantine);
        let row = |app: &str| matrix.rows.iter().find(|r| r.application == app).unwrap();
        let hydra = row("hydra");
        let green_hydra = hydra.cells[1].as_ref().unwrap();
        assert_eq!(green_hydra.revision, Some(398));
        assert!(green_hydra.differs_from_upstream, "398 ≠ blue's 412");
        assert!(!hydra.cells[0].as_ref().unwrap().differs_from_upstream);
        let newest = &row("kratos").newest;
        assert_eq!(newest.len(), 1, "{newest:?}");
        assert_eq!(
            (newest[0].channel.as_str(), newest[0].revision),
            ("latest/stable", 777)
        );
        // bob sees only what he may view, and may not quarantine.
        let bobs = e.release_matrix(&w.bob).await.unwrap();
        assert!(!bobs.can_quarantine);
        assert!(bobs
            .environments
            .iter()
            .any(|m| m.name.as_str() == "green" && m.can_promote));
        assert!(e.release_matrix(&Actor::anonymous()).await.is_err());
    }
);
