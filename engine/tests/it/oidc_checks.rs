//! OIDC checks in the engine: scheduling never queues duplicates, the
//! `oidc.check` job stores a result, results are as visible as their
//! environment. Both databases.

use std::time::{Duration, Instant};

use domain::EnvironmentName;
use engine::oidc::{self, CheckSettings, Status, Trigger};
use engine::queue::{self, JobFilter, JobKind, JobStatus, Registry, WorkerConfig, Workers};
use engine::{Actor, Engine, Error, Store};
use testkit::{contract_test, TestDatabase};

async fn demo(db: &TestDatabase) -> Engine {
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let engine = Engine::new(store);
    engine.seed_demo("http://127.0.0.1:9").await.expect("demo");
    engine
}

fn name(n: &str) -> EnvironmentName {
    EnvironmentName::parse(n).unwrap()
}

async fn check_jobs(engine: &Engine) -> Vec<queue::Job> {
    let filter = JobFilter {
        limit: domain::Limit::clamped(100),
        ..JobFilter::default()
    };
    queue::list_jobs(engine.store().pool(), &filter, &queue::Visible::All)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == JobKind::OidcCheck)
        .collect()
}

contract_test!(
    concurrent_schedulers_queue_one_check_per_environment,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        // A zero window: only the one-pending-check index stops duplicates.
        let passes = (0..6).map(|_| {
            let store = engine.store().clone();
            tokio::spawn(async move {
                oidc::schedule_due_checks(&store, Duration::from_millis(1))
                    .await
                    .unwrap()
            })
        });
        let mut queued = 0;
        for pass in passes {
            queued += pass.await.unwrap();
        }
        assert_eq!(
            queued, 4,
            "one check for each of the four demo environments"
        );
        let jobs = check_jobs(&engine).await;
        assert_eq!(jobs.len(), 4, "{jobs:?}");
        assert!(jobs
            .iter()
            .all(|j| j.actor == "system:scheduler" && j.status == JobStatus::Queued));
        assert_eq!(jobs[0].payload["trigger"], "schedule");

        // The next pass within the interval queues nothing; a manual request
        // gets the check already queued.
        assert_eq!(
            oidc::schedule_due_checks(engine.store(), Duration::from_secs(300))
                .await
                .unwrap(),
            0
        );
        let blue = jobs
            .iter()
            .find(|j| j.environment.as_deref() == Some("blue"))
            .unwrap();
        let asked = engine
            .request_oidc_check(&Actor::user("alice"), &name("blue"))
            .await;
        assert!(
            matches!(asked, Err(Error::NotFound(_))),
            "alice holds no grant yet: {asked:?}"
        );
        engine
            .bootstrap_platform("admin", &["user:alice".into()])
            .await
            .unwrap();
        let asked = engine
            .request_oidc_check(&Actor::user("alice"), &name("blue"))
            .await
            .unwrap();
        assert_eq!(asked, blue.id, "the pending check is reused");
        assert_eq!(check_jobs(&engine).await.len(), 4);
        let audit = engine::store::audit::for_object(engine.store().pool(), "environment:blue", 5)
            .await
            .unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "oidc.check.request" && e.actor == "user:alice"),
            "{audit:?}"
        );
    }
);

contract_test!(
    a_check_job_stores_the_report_of_the_environments_issuer,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        let issuer = crate::support::oidc_provider::start_provider().await;
        let system = Actor::system("test");
        let teal = domain::CreateEnvironment {
            name: "teal".into(),
            tier: "staging".into(),
            channel: "edge".into(),
            oidc_issuer: issuer.clone(),
            ..domain::CreateEnvironment::default()
        };
        engine
            .create_environment(&system, teal.parse().unwrap())
            .await
            .unwrap();
        let job = engine
            .request_oidc_check(&system, &name("teal"))
            .await
            .unwrap();

        let settings = CheckSettings {
            allow_http: true,
            allow_private_network: true,
            ..CheckSettings::default()
        };
        let registry = oidc::register(Registry::new(), settings.checker().unwrap());
        let config = WorkerConfig {
            workers: 1,
            retry_base: Duration::from_millis(50),
            ..WorkerConfig::default()
        };
        let workers = Workers::start(engine.store().clone(), registry, config);
        let started = Instant::now();
        let done = loop {
            let current = queue::get_job(engine.store().pool(), job)
                .await
                .unwrap()
                .unwrap();
            if current.status.is_finished() {
                break current;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "check did not finish: {current:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        workers.shutdown(Duration::from_secs(2)).await;
        assert_eq!(done.status, JobStatus::Succeeded, "{done:?}");

        let history = engine
            .oidc_check_history(&system, &name("teal"), 10)
            .await
            .unwrap();
        assert_eq!(history.len(), 1);
        let result = &history[0];
        assert!(result.ok, "{:?}", result.rules);
        assert_eq!(result.status, Status::Pass, "{:?}", result.rules);
        assert_eq!(result.trigger, Trigger::Manual);
        let stored = engine::store::oidc_checks::latest(engine.store().pool(), "teal")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.actor, "system:test");
        assert_eq!(stored.report.issuer, issuer);
        assert_eq!(stored.to_check(), *result);
        let latest = engine.latest_oidc_checks(&system).await.unwrap();
        let teal = latest
            .rows
            .iter()
            .find(|row| row.environment.as_str() == "teal")
            .unwrap();
        assert_eq!(teal.check.as_ref(), Some(result));
        assert!(latest
            .rows
            .iter()
            .filter(|row| row.environment.as_str() != "teal")
            .all(|row| row.check.is_none()));
        let series = engine
            .oidc_check_series(&system, &name("teal"), 0)
            .await
            .unwrap();
        assert_eq!(series.len(), 1);
        assert!(series[0].discovery_ms.is_some() && series[0].jwks_ms.is_some());
        let same = engine
            .compare_oidc(&system, &name("teal"), &name("teal"))
            .await
            .unwrap();
        assert!(same.is_same(), "{same:?}");
        let missing = engine
            .compare_oidc(&system, &name("teal"), &name("blue"))
            .await;
        assert!(
            matches!(missing, Err(Error::NotFound(_))),
            "blue has no check: {missing:?}"
        );
    }
);

contract_test!(
    checks_are_invisible_to_those_who_may_not_view_the_environment,
    |db: TestDatabase| async move {
        let engine = demo(&db).await;
        let stranger = Actor::user("ci-unknown");
        let blue = name("blue");
        let refused = [
            engine.oidc_check_history(&stranger, &blue, 5).await.err(),
            engine.request_oidc_check(&stranger, &blue).await.err(),
            engine.oidc_check_series(&stranger, &blue, 0).await.err(),
            engine
                .compare_oidc(&stranger, &blue, &name("green"))
                .await
                .err(),
            engine
                .oidc_check_history(&Actor::anonymous(), &blue, 5)
                .await
                .err(),
        ];
        for err in refused {
            assert!(matches!(err, Some(Error::NotFound(_))), "{err:?}");
        }
        assert!(engine
            .latest_oidc_checks(&stranger)
            .await
            .unwrap()
            .rows
            .is_empty());
        assert!(check_jobs(&engine).await.is_empty(), "nothing was queued");
        let unknown = engine
            .request_oidc_check(&Actor::system("test"), &name("nowhere"))
            .await;
        assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");
    }
);
