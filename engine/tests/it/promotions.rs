//! Promotions end to end in the engine, on SQLite and PostgreSQL: real
//! stand-in processes in real workspaces, real OIDC checks of the demo's
//! simulated endpoints (served here over loopback by the engine's own
//! `simulated_discovery`), the embedded authorizer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{
    CreateEnvironment, DecisionRequest, EnvironmentName, HoldKey, Manifest, ManifestEntry,
    OpenPromotion, PromotionDetail, PromotionId, PromotionPolicy, PromotionQuery, PromotionState,
    RecordRelease, Tier,
};
use engine::authz::Tuple;
use engine::oidc::CheckSettings;
use engine::queue::{self, JobStatus, Registry, StepStatus, Workers};
use engine::runner::{self, Blueprint, LayerBin, LayerRunner, LayerSpec, RunnerConfig};
use engine::{Actor, Engine, Error, Store};
use serde_json::json;
use testkit::{contract_test, TestDatabase};

use crate::support::queue::{
    assert_running, child_env, fast_config, infra_tree, path_str, pids_mentioning, spawn_child,
    standin, wait_finished,
};

pub(crate) fn name(n: &str) -> EnvironmentName {
    EnvironmentName::parse(n).unwrap()
}

fn layer(name: &str, deps: &[&str], apps: &[&str]) -> LayerSpec {
    LayerSpec {
        name: name.into(),
        depends_on: deps.iter().map(|d| (*d).into()).collect(),
        workspace: format!("environments/{{tier}}/{{env}}-{name}"),
        scaffold: None,
        applications: apps.iter().map(|a| (*a).into()).collect(),
        timeout: Duration::from_secs(60),
    }
}

fn manifest(revisions: &[(&str, u32)]) -> Manifest {
    Manifest(
        revisions
            .iter()
            .map(|(app, rev)| {
                let entry = ManifestEntry {
                    charm: (*app).to_owned(),
                    channel: "stable".into(),
                    revision: Some(*rev),
                };
                ((*app).to_owned(), entry)
            })
            .collect(),
    )
}

/// Serves `/simulated/oidc/{env}/…` from the engine, like the demo server.
async fn simulated_endpoints(engine: Engine) -> String {
    crate::support::oidc_provider::serve(move |path| {
        let engine = engine.clone();
        async move {
            let rest = path.strip_prefix("/simulated/oidc/")?;
            let (env, tail) = rest.split_once('/')?;
            let env = EnvironmentName::parse(env).ok()?;
            match tail {
                ".well-known/openid-configuration" => engine
                    .simulated_discovery(&env)
                    .await
                    .ok()
                    .flatten()
                    .map(|d| d.to_string()),
                ".well-known/jwks.json" => Some(Engine::simulated_jwks().to_string()),
                _ => None,
            }
        }
    })
    .await
}

pub(crate) struct World {
    pub engine: Engine,
    pub workers: Option<Workers>,
    pub infra: tempfile::TempDir,
    pub alice: Actor,
    pub bob: Actor,
    pub carol: Actor,
}

fn blueprint() -> Blueprint {
    Blueprint::new(vec![
        layer("core", &[], &["postgresql"]),
        layer("iam", &["core"], &["hydra", "kratos"]),
    ])
    .unwrap()
}

/// The handlers a Palette worker runs: layers, promotions (checks allowed
/// over http on loopback, where the simulated endpoints are).
fn registry(infra: &std::path::Path, bin: std::path::PathBuf) -> Registry {
    let runner = Arc::new(LayerRunner::new(RunnerConfig {
        bin: LayerBin {
            path: bin,
            simulated: true,
        },
        infra_dir: infra.to_path_buf(),
        blueprint: blueprint(),
        secrets: vec![],
        cancel_grace: Duration::from_millis(1500),
        env: engine::runner::EnvAllowList::default(),
        exec_wrapper: None,
        layer_parallelism: 4,
    }));
    let checker = CheckSettings {
        allow_http: true,
        allow_private_network: true,
        ..CheckSettings::default()
    }
    .checker()
    .unwrap();
    let registry = runner::register(Registry::new(), Arc::clone(&runner));
    engine::promotion::register(registry, runner, checker)
}

pub(crate) async fn world(db: &TestDatabase) -> World {
    world_with(db, 5).await
}

/// blue (edge revisions) and green (stable ones), created through the
/// engine and built by the stand-in (each iam resource taking
/// `iam_delay_ms`); bob operates green and is also in a group of green's
/// approvers; carol approves green.
async fn world_with(db: &TestDatabase, iam_delay_ms: u64) -> World {
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let fast = json!({ "delay_ms": 5, "resources": [{ "address": "terraform_data.app" }] });
    let iam = json!({ "delay_ms": iam_delay_ms, "resources": [
        { "address": "terraform_data.hydra" }, { "address": "terraform_data.kratos" }
    ] });
    let infra = infra_tree(&[("core", fast), ("iam", iam)]);
    let engine = Engine::new(store.clone()).with_blueprint(blueprint());
    let workers = Workers::start(
        store.clone(),
        registry(infra.path(), standin()),
        fast_config(2),
    );

    let tuples = [
        Tuple::new("user:alice", "admin", "platform:default"),
        Tuple::new("user:bob", "operator", "environment:green"),
        Tuple::new("user:bob", "viewer", "environment:blue"),
        Tuple::new("user:bob", "viewer", "environment:red"),
        Tuple::new("user:bob", "member", "group:green-approvers"),
        Tuple::new(
            "group:green-approvers#member",
            "approver",
            "environment:green",
        ),
        Tuple::new("user:carol", "approver", "environment:green"),
    ];
    engine.authorizer().write(&tuples, &[]).await.unwrap();
    let base = simulated_endpoints(engine.clone()).await;
    let alice = Actor::user("alice");
    for (env, revisions) in [
        (
            "blue",
            [("hydra", 412), ("kratos", 530), ("postgresql", 470)],
        ),
        (
            "green",
            [("hydra", 398), ("kratos", 501), ("postgresql", 460)],
        ),
    ] {
        let new = CreateEnvironment {
            name: env.into(),
            tier: "production".into(),
            purpose: "promotion tests".into(),
            channel: "stable".into(),
            oidc_issuer: engine::demo::simulated_issuer(&base, env),
            layers: vec!["core".into(), "iam".into()],
            manifest: Some(manifest(&revisions)),
        }
        .parse()
        .unwrap();
        let created = engine.create_environment(&alice, new).await.unwrap();
        let job = wait_finished(&store, created.job.id, Duration::from_secs(60)).await;
        assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    }
    // Fast verification: two passes a second apart.
    let policy = PromotionPolicy {
        verify_passes: 2,
        verify_interval_secs: 1,
        verify_window_secs: 20,
        ..PromotionPolicy::default_for(Tier::Production)
    };
    engine
        .set_promotion_policy(&alice, &name("green"), &policy)
        .await
        .unwrap();
    for (charm, revision) in [("hydra", 412), ("kratos", 530)] {
        let release = RecordRelease {
            application: charm.into(),
            charm: charm.into(),
            revision,
            channel: "stable".into(),
            ..RecordRelease::default()
        };
        engine.record_release(&alice, &release).await.unwrap();
    }
    World {
        engine,
        workers: Some(workers),
        infra,
        alice,
        bob: Actor::user("bob"),
        carol: Actor::user("carol"),
    }
}

fn open(source: &str, target: &str, apps: &[&str], acknowledge: bool) -> OpenPromotion {
    OpenPromotion {
        source: source.into(),
        target: target.into(),
        applications: apps.iter().map(|a| (*a).to_owned()).collect(),
        acknowledge,
    }
}

pub(crate) async fn wait_state(
    engine: &Engine,
    id: PromotionId,
    want: PromotionState,
) -> PromotionDetail {
    let start = Instant::now();
    loop {
        let detail = engine.promotion(&Actor::system("test"), id).await.unwrap();
        if detail.promotion.state == want {
            return detail;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60) && !detail.promotion.state.is_terminal(),
            "promotion {id} is {} ({}), waiting for {want}; timeline: {:#?}",
            detail.promotion.state,
            detail.promotion.message,
            detail.events
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn comment(text: &str) -> DecisionRequest {
    DecisionRequest {
        comment: text.into(),
    }
}

contract_test!(
    a_promotion_is_planned_approved_by_someone_else_applied_and_verified,
    |db: TestDatabase| async move {
        let w = world(&db).await;
        let e = &w.engine;
        // Refusals, each with a clear error.
        assert!(matches!(
            e.open_promotion(&w.bob, &open("green", "green", &[], false)).await,
            Err(Error::Invalid(f)) if f[0].field == "target"
        ));
        assert!(matches!(
            e.open_promotion(&w.bob, &open("blue", "green", &["kratos"], false)).await,
            Err(Error::Invalid(f)) if f[0].message.contains("move together")
        ));
        assert!(matches!(
            e.open_promotion(
                &w.carol,
                &open("blue", "green", &["hydra", "kratos"], false)
            )
            .await,
            Err(Error::Forbidden(_))
        ));

        let opened = e
            .open_promotion(&w.bob, &open("blue", "green", &["hydra", "kratos"], false))
            .await
            .unwrap();
        assert_eq!(opened.state, PromotionState::Planning);
        assert_eq!(opened.incoming.applications.0["hydra"].revision, Some(412));
        let review = wait_state(e, opened.id, PromotionState::AwaitingApproval).await;
        assert_eq!(review.diff.len(), 2);
        assert!(review
            .diff
            .iter()
            .all(|d| d.layer.as_deref() == Some("iam")));
        assert_eq!(review.plans.len(), 1, "only the iam workspace is affected");
        assert_eq!(review.plans[0].layer, "iam");
        assert!(review.plans[0].plan_hash.starts_with("sha256:"));
        assert_eq!(review.approvals_missing, 1);
        assert!(review.approvers.contains(&"user:carol".to_owned()));
        assert!(
            review
                .approvers
                .contains(&"group:green-approvers#member".to_owned()),
            "{:?}",
            review.approvers
        );
        assert!(
            !review.approvers.contains(&"user:bob".to_owned()),
            "{:?}",
            review.approvers
        );
        let first_hash = review.promotion.plan_hash.clone().unwrap();

        // The requester never approves, although a group makes him an approver.
        let as_bob = e.promotion(&w.bob, opened.id).await.unwrap();
        assert!(!as_bob.viewer_can_approve);
        assert!(as_bob.viewer_approval_note.contains("someone else"));
        assert!(matches!(
            e.approve_promotion(&w.bob, opened.id, &comment("lgtm")).await,
            Err(Error::Forbidden(m)) if m.contains("someone else")
        ));
        // A second promotion into green waits for the first (FIFO).
        let second = e
            .open_promotion(&w.bob, &open("blue", "green", &["postgresql"], true))
            .await
            .unwrap();
        let waiting = e.promotion(&w.alice, second.id).await.unwrap();
        assert_eq!(waiting.waiting_for, Some(opened.id));
        assert_eq!(waiting.promotion.job, None);

        // An approval binds to the plan: a re-plan voids it.
        let approver = e.promotion(&w.carol, opened.id).await.unwrap();
        assert!(
            approver.viewer_can_approve,
            "{}",
            approver.viewer_approval_note
        );
        e.replan_promotion(&w.bob, opened.id).await.unwrap();
        let replanned = wait_state(e, opened.id, PromotionState::AwaitingApproval).await;
        assert_ne!(
            replanned.promotion.plan_hash.as_deref(),
            Some(first_hash.as_str())
        );

        let approved = e
            .approve_promotion(&w.carol, opened.id, &comment("looks right"))
            .await
            .unwrap();
        assert_eq!(approved.state, PromotionState::Applying);
        assert!(matches!(
            e.approve_promotion(&w.carol, opened.id, &comment("again"))
                .await,
            Err(Error::Conflict(_))
        ));
        let done = wait_state(e, opened.id, PromotionState::Succeeded).await;
        assert!(done.checks.len() >= 2, "{:?}", done.checks);
        assert!(done.checks.iter().all(|c| c.passed == Some(true)));
        let green = e.get_environment(&w.alice, &name("green")).await.unwrap();
        assert_eq!(green.manifest.0["hydra"].revision, Some(412));
        assert_eq!(green.manifest.0["postgresql"].revision, Some(460));
        let releases = e
            .environment_releases(&w.alice, &name("green"))
            .await
            .unwrap();
        let newest = &releases.deployments[0];
        assert!(newest.verified && !newest.rollback);
        assert_eq!(newest.promotion, Some(opened.id));

        // Its turn came: the second plans now; a rejection needs a comment
        // and ends it.
        wait_state(e, second.id, PromotionState::AwaitingApproval).await;
        assert!(matches!(
            e.reject_promotion(&w.carol, second.id, &comment(" ")).await,
            Err(Error::Invalid(f)) if f[0].field == "comment"
        ));
        let rejected = e
            .reject_promotion(&w.carol, second.id, &comment("not this week"))
            .await
            .unwrap();
        assert_eq!(rejected.state, PromotionState::Rejected);
        assert!(matches!(
            e.cancel_promotion(&w.bob, second.id).await,
            Err(Error::Conflict(_))
        ));
        let listed = e
            .promotions(
                &w.alice,
                &PromotionQuery {
                    environment: Some("green".into()),
                    ..PromotionQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            listed.items.iter().map(|p| p.id).collect::<Vec<_>>(),
            [second.id, opened.id]
        );
        let audit = e
            .list_audit(
                &w.alice,
                &domain::audit::AuditQuery::default().parse().unwrap(),
            )
            .await
            .unwrap();
        let actions: Vec<&str> = audit.items.iter().map(|a| a.action.as_str()).collect();
        for want in [
            "promotion.open",
            "promotion.replan",
            "promotion.approve",
            "promotion.reject",
        ] {
            assert!(actions.contains(&want), "{want} missing from {actions:?}");
        }
    }
);

contract_test!(
    a_bad_revision_fails_verification_is_rolled_back_and_held,
    |db: TestDatabase| async move {
        let w = world(&db).await;
        let e = &w.engine;
        // red runs the demo's bad hydra revision, released on beta only.
        let base = {
            let green = e.get_environment(&w.alice, &name("green")).await.unwrap();
            green
                .oidc_issuer
                .trim_end_matches("/simulated/oidc/green")
                .to_owned()
        };
        let (bad_app, bad) = engine::demo::BAD_REVISION;
        let red = CreateEnvironment {
            name: "red".into(),
            tier: "staging".into(),
            purpose: "bad revisions".into(),
            channel: "beta".into(),
            oidc_issuer: engine::demo::simulated_issuer(&base, "red"),
            layers: vec!["core".into(), "iam".into()],
            manifest: Some(manifest(&[
                (bad_app, bad),
                ("kratos", 522),
                ("postgresql", 460),
            ])),
        }
        .parse()
        .unwrap();
        let created = e.create_environment(&w.alice, red).await.unwrap();
        wait_finished(e.store(), created.job.id, Duration::from_secs(60)).await;
        let no_approvals = PromotionPolicy {
            required_approvals: 0,
            verify_passes: 1,
            verify_interval_secs: 1,
            verify_window_secs: 10,
            auto_rollback: true,
            ..PromotionPolicy::default_for(Tier::Staging)
        };
        e.set_promotion_policy(&w.alice, &name("green"), &no_approvals)
            .await
            .unwrap();

        let request = open("red", "green", &[], false);
        let preview = e.preview_promotion(&w.bob, &request).await.unwrap();
        assert_eq!(
            preview.diff.len(),
            2,
            "hydra and kratos differ: {:?}",
            preview.diff
        );
        assert_eq!(preview.warnings.len(), 2, "{:?}", preview.warnings);
        assert!(matches!(
            e.open_promotion(&w.bob, &request).await,
            Err(Error::Invalid(f)) if f[0].field == "acknowledge"
        ));
        let opened = e
            .open_promotion(&w.bob, &open("red", "green", &[], true))
            .await
            .unwrap();
        assert!(opened.acknowledged);
        let rolled = wait_state(e, opened.id, PromotionState::RolledBack).await;
        assert!(rolled.checks.iter().any(|c| !c.rollback
            && c.passed == Some(false)
            && c.failed_rules.contains(&"issuer-match".to_owned())));
        assert!(rolled
            .checks
            .iter()
            .any(|c| c.rollback && c.passed == Some(true)));
        assert!(!rolled.actions.rollback, "a rollback is never rolled back");

        let green = e.get_environment(&w.alice, &name("green")).await.unwrap();
        assert_eq!(green.manifest.0["hydra"].revision, Some(398));
        assert_eq!(green.manifest.0["kratos"].revision, Some(501));
        let releases = e
            .environment_releases(&w.alice, &name("green"))
            .await
            .unwrap();
        assert!(releases.deployments[0].rollback && releases.deployments[0].verified);
        assert!(
            !releases.deployments[1].verified,
            "the bad set was never verified"
        );
        let hold = releases
            .holds
            .iter()
            .find(|h| h.application == bad_app)
            .expect("the bad revision is held");
        assert_eq!(hold.revision, bad);

        // The hold keeps it out until someone lifts it.
        assert!(matches!(
            e.open_promotion(&w.bob, &open("red", "green", &[], true)).await,
            Err(Error::Conflict(m)) if m.contains("held")
        ));
        let key = HoldKey::parse(bad_app, &bad.to_string()).unwrap();
        assert!(matches!(
            e.lift_hold(&w.carol, &name("green"), &key).await,
            Err(Error::Forbidden(_))
        ));
        e.lift_hold(&w.bob, &name("green"), &key).await.unwrap();
        // kratos moved with it, so its revision is held too.
        let kratos = HoldKey::parse("kratos", "522").unwrap();
        e.lift_hold(&w.bob, &name("green"), &kratos).await.unwrap();
        assert!(matches!(
            e.lift_hold(&w.bob, &name("green"), &kratos).await,
            Err(Error::NotFound(_))
        ));
        let again = e
            .open_promotion(&w.bob, &open("red", "green", &[], true))
            .await
            .unwrap();
        // Cancelled while it runs, the slot frees.
        e.cancel_promotion(&w.bob, again.id).await.unwrap();
        let cancelled = e.promotion(&w.bob, again.id).await.unwrap();
        assert_eq!(cancelled.promotion.state, PromotionState::Cancelled);
    }
);

/// The promotion's apply job once it runs, and its iam apply step once a
/// resource of it is done.
async fn wait_applying(e: &Engine, id: PromotionId) -> domain::JobId {
    let start = Instant::now();
    loop {
        let p = e.promotion(&Actor::system("test"), id).await.unwrap();
        if p.promotion.state == PromotionState::Applying {
            if let Some(job) = p.promotion.job {
                let steps = queue::steps(e.store().pool(), job).await.unwrap();
                if steps.iter().any(|s| {
                    s.layer == "iam" && s.status == StepStatus::Running && s.progress.done >= 1
                }) {
                    return job;
                }
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "promotion {id} never got into its apply: {} ({})",
            p.promotion.state,
            p.promotion.message
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn fast_policy() -> PromotionPolicy {
    PromotionPolicy {
        required_approvals: 0,
        auto_rollback: true,
        verify_passes: 1,
        verify_interval_secs: 1,
        verify_window_secs: 20,
        ..PromotionPolicy::default_for(Tier::Staging)
    }
}

contract_test!(
    promotions_and_layer_jobs_of_one_environment_never_run_at_once,
    |db: TestDatabase| async move {
        let w = world(&db).await;
        let e = &w.engine;
        e.set_promotion_policy(&w.alice, &name("green"), &fast_policy())
            .await
            .unwrap();
        let opened = e
            .open_promotion(&w.bob, &open("blue", "green", &["hydra", "kratos"], false))
            .await
            .unwrap();
        // Queued behind the plan and before the promotion's apply, the layer
        // job runs in between and changes green's state: the saved plan is
        // stale, so the promotion is superseded, and a re-plan takes it home.
        let layer_job = e
            .apply_environment(&w.alice, &name("green"), &[])
            .await
            .unwrap();
        let stale = wait_state(e, opened.id, PromotionState::Superseded).await;
        assert!(
            stale.actions.replan && !stale.actions.rollback,
            "{:?}",
            stale.actions
        );
        let ran = wait_finished(e.store(), layer_job, Duration::from_secs(60)).await;
        assert_eq!(ran.status, JobStatus::Succeeded);
        e.replan_promotion(&w.bob, opened.id).await.unwrap();
        wait_state(e, opened.id, PromotionState::Succeeded).await;
        let filter = queue::JobFilter {
            environment: Some(name("green")),
            limit: domain::Limit::clamped(100),
            ..queue::JobFilter::default()
        };
        let jobs = e.list_jobs(&w.alice, &filter).await.unwrap().items;
        let runs: Vec<(i64, i64, String)> = jobs
            .iter()
            .filter(|j| j.kind != queue::JobKind::OidcCheck)
            .map(|j| {
                (
                    j.started_at.unwrap(),
                    j.finished_at.unwrap(),
                    j.kind.to_string(),
                )
            })
            .collect();
        assert!(
            runs.iter().filter(|r| r.2 == "promotion.execute").count() >= 2,
            "{runs:?}"
        );
        // Times are stamped before each statement waits for the database
        // (SQLite's single writer), so a claim may read a few ms earlier
        // than the completion it waited for; a real overlap is a whole run
        // of stand-in processes long.
        const SLACK_MS: i64 = 50;
        for (i, a) in runs.iter().enumerate() {
            for b in &runs[i + 1..] {
                assert!(
                    a.1 <= b.0 + SLACK_MS || b.1 <= a.0 + SLACK_MS,
                    "{a:?} and {b:?} overlap"
                );
            }
        }
    }
);

contract_test!(
    a_promotion_cancelled_while_it_applies_stops_and_frees_the_slot,
    |db: TestDatabase| async move {
        let w = world_with(&db, 1500).await;
        let e = &w.engine;
        e.set_promotion_policy(&w.alice, &name("green"), &fast_policy())
            .await
            .unwrap();
        let opened = e
            .open_promotion(&w.bob, &open("blue", "green", &["hydra", "kratos"], false))
            .await
            .unwrap();
        let job = wait_applying(e, opened.id).await;
        let cancelled = e.cancel_promotion(&w.bob, opened.id).await.unwrap();
        assert_eq!(cancelled.state, PromotionState::Cancelled);
        let ended = wait_finished(e.store(), job, Duration::from_secs(30)).await;
        assert_eq!(ended.status, JobStatus::Cancelled, "{ended:?}");
        let ws = w.infra.path().join("environments/production/green-iam");
        assert!(pids_mentioning(&ws.display().to_string()).is_empty());
        // The slot is free: the next promotion plans at once.
        let next = e
            .open_promotion(&w.bob, &open("blue", "green", &["hydra", "kratos"], false))
            .await
            .unwrap();
        assert!(next.job.is_some(), "{next:?}");
        e.cancel_promotion(&w.bob, next.id).await.unwrap();
    }
);

/// Child-process entry point, not a test: a worker process over
/// `PALETTE_TEST_PROMOTION_DB`, run and killed by
/// `a_worker_killed_mid_apply_is_resumed_after_its_lease_expires`.
#[tokio::test]
#[ignore = "child-process entry point, run by a_worker_killed_mid_apply_is_resumed_after_its_lease_expires"]
async fn promotion_worker_child() {
    testkit::init_tracing();
    let url = child_env("PALETTE_TEST_PROMOTION_DB");
    let infra = std::path::PathBuf::from(child_env("PALETTE_TEST_INFRA"));
    let bin = std::path::PathBuf::from(child_env("PALETTE_TEST_BIN"));
    let store = Store::connect(&url).await.unwrap();
    let _workers = Workers::start(store, registry(&infra, bin), fast_config(1));
    tokio::time::sleep(Duration::from_secs(120)).await;
}

contract_test!(
    a_worker_killed_mid_apply_is_resumed_after_its_lease_expires,
    |db: TestDatabase| async move {
        let mut w = world_with(&db, 1500).await;
        if let Some(workers) = w.workers.take() {
            workers.shutdown(Duration::from_secs(10)).await;
        }
        let e = &w.engine;
        e.set_promotion_policy(&w.alice, &name("green"), &fast_policy())
            .await
            .unwrap();
        let opened = e
            .open_promotion(&w.bob, &open("blue", "green", &["hydra", "kratos"], false))
            .await
            .unwrap();
        let mut child = spawn_child(
            "promotions::promotion_worker_child",
            &[
                ("PALETTE_TEST_PROMOTION_DB", db.url.clone()),
                ("PALETTE_TEST_INFRA", path_str(w.infra.path())),
                ("PALETTE_TEST_BIN", path_str(&standin())),
            ],
        );
        let job = wait_applying(e, opened.id).await;
        assert_running(&mut child);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // The orphaned stand-in finishes its apply and releases the state
        // lock, as terraform would.
        let ws = path_str(&w.infra.path().join("environments/production/green-iam"));
        while !pids_mentioning(&ws).is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let workers = Workers::start(
            e.store().clone(),
            registry(w.infra.path(), standin()),
            fast_config(1),
        );
        let done = wait_state(e, opened.id, PromotionState::Succeeded).await;
        workers.shutdown(Duration::from_secs(10)).await;
        let ran = queue::get_job(e.store().pool(), job)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ran.attempts, 2, "{ran:?}");
        let logs = queue::logs(e.store().pool(), job, 0, 100_000)
            .await
            .unwrap();
        assert!(
            logs.iter().any(|l| l.line.contains("interrupted apply")),
            "the resumed apply says what it found"
        );
        assert!(done.checks.iter().any(|c| c.passed == Some(true)));
        let green = e.get_environment(&w.alice, &name("green")).await.unwrap();
        assert_eq!(green.manifest.0["hydra"].revision, Some(412));
    }
);

contract_test!(
    an_unreachable_endpoint_leaves_verification_undecided_until_someone_accepts,
    |db: TestDatabase| async move {
        let w = world(&db).await;
        let e = &w.engine;
        // teal's issuer answers nothing: checks error, they do not fail.
        let teal = CreateEnvironment {
            name: "teal".into(),
            tier: "staging".into(),
            purpose: "unreachable issuer".into(),
            channel: "stable".into(),
            oidc_issuer: "http://127.0.0.1:9/simulated/oidc/teal".into(),
            layers: vec!["core".into(), "iam".into()],
            manifest: Some(manifest(&[
                ("hydra", 398),
                ("kratos", 501),
                ("postgresql", 460),
            ])),
        }
        .parse()
        .unwrap();
        let created = e.create_environment(&w.alice, teal).await.unwrap();
        wait_finished(e.store(), created.job.id, Duration::from_secs(60)).await;
        let policy = PromotionPolicy {
            verify_passes: 2,
            verify_window_secs: 2,
            ..fast_policy()
        };
        e.set_promotion_policy(&w.alice, &name("teal"), &policy)
            .await
            .unwrap();
        let opened = e
            .open_promotion(&w.alice, &open("blue", "teal", &["hydra", "kratos"], false))
            .await
            .unwrap();
        let undecided = wait_state(e, opened.id, PromotionState::AwaitingDecision).await;
        assert!(!undecided.checks.is_empty());
        assert!(
            undecided.checks.iter().all(|c| c.passed.is_none()),
            "{:?}",
            undecided.checks
        );
        assert!(undecided.actions.accept && undecided.actions.rollback);
        assert!(matches!(
            e.reverify_promotion(&w.alice, opened.id).await,
            Err(Error::Conflict(_))
        ));
        let accepted = e.accept_promotion(&w.alice, opened.id).await.unwrap();
        assert_eq!(accepted.state, PromotionState::Succeeded);
        let releases = e
            .environment_releases(&w.alice, &name("teal"))
            .await
            .unwrap();
        assert!(!releases.deployments[0].verified, "accepted, not verified");
        assert_eq!(releases.policy, policy);
    }
);
