//! The OpenFGA HTTP client against an in-test server speaking OpenFGA's
//! documented API shapes (see `support/fake_openfga/mod.rs`).

use std::time::Duration;

use axum::http::StatusCode;
use palette_fga::http::wire::TupleFilter;
use palette_fga::http::{ClientConfig, HttpError, OpenFgaClient};
use palette_fga::{Tuple, PALETTE_MODEL_JSON};

use crate::support::fake_openfga::{start, Fake};

fn client(base: &str) -> OpenFgaClient {
    OpenFgaClient::new(ClientConfig::new(base)).unwrap()
}

fn t(user: &str, relation: &str, object: &str) -> Tuple {
    Tuple::new(user, relation, object)
}

#[tokio::test]
async fn bootstrap_creates_store_and_writes_the_model_once() {
    let (base, state) = start(Fake::default()).await;
    let c = client(&base);
    for name in ["other-1", "other-2", "other-3"] {
        c.create_store(name).await.unwrap();
    }

    let first = c
        .bootstrap("palette", None, None, PALETTE_MODEL_JSON)
        .await
        .unwrap();
    assert!(first.store_created && first.model_written, "{first:?}");

    // Found again past the first page of stores; same model: nothing written.
    let second = c
        .bootstrap("palette", None, None, PALETTE_MODEL_JSON)
        .await
        .unwrap();
    assert_eq!(
        (second.store_id.as_str(), second.model_id.as_str()),
        (first.store_id.as_str(), first.model_id.as_str())
    );
    assert!(!second.store_created && !second.model_written);
    assert_eq!(state.lock().unwrap().model_writes, 1);
    assert_eq!(state.lock().unwrap().stores.len(), 4);

    // A changed model writes exactly one new version.
    let changed = PALETTE_MODEL_JSON.replace(
        r#""can_destroy": {
          "computedUserset": {
            "relation": "owner""#,
        r#""can_destroy": {
          "computedUserset": {
            "relation": "operator""#,
    );
    assert_ne!(changed, PALETTE_MODEL_JSON, "the replacement must apply");
    let third = c.bootstrap("palette", None, None, &changed).await.unwrap();
    assert!(third.model_written && third.model_id != first.model_id);
    let fourth = c.bootstrap("palette", None, None, &changed).await.unwrap();
    assert!(!fourth.model_written);
    assert_eq!(fourth.model_id, third.model_id);
    assert_eq!(state.lock().unwrap().model_writes, 2);

    // Configured ids are used as given, with no lookups.
    let before = state.lock().unwrap().requests;
    let pinned = c
        .bootstrap(
            "palette",
            Some("store-x"),
            Some("model-y"),
            PALETTE_MODEL_JSON,
        )
        .await
        .unwrap();
    assert_eq!(
        (pinned.store_id.as_str(), pinned.model_id.as_str()),
        ("store-x", "model-y")
    );
    assert_eq!(state.lock().unwrap().requests, before);

    assert!(matches!(
        c.bootstrap("palette", None, None, "{}").await,
        Err(HttpError::Model(_))
    ));
}

#[tokio::test]
async fn queries_round_trip_with_real_answers() {
    let (base, _state) = start(Fake::default()).await;
    let c = client(&base);
    let b = c
        .bootstrap("palette", None, None, PALETTE_MODEL_JSON)
        .await
        .unwrap();
    let (store, model) = (b.store_id.as_str(), Some(b.model_id.as_str()));
    let tuples = [
        t("user:anne", "member", "group:sre"),
        t("group:sre#member", "admin", "platform:default"),
        t("platform:default", "platform", "environment:blue"),
        t("user:oscar", "operator", "environment:blue"),
        t("user:ci-client", "operator", "environment:blue"),
        t("user:*", "viewer", "environment:demo"),
    ];
    c.write(store, model, &tuples, &[]).await.unwrap();

    assert!(c
        .check(
            store,
            model,
            &t("user:anne", "can_destroy", "environment:blue")
        )
        .await
        .unwrap());
    assert!(!c
        .check(
            store,
            model,
            &t("user:oscar", "can_destroy", "environment:blue")
        )
        .await
        .unwrap());

    let checks: Vec<Tuple> = (0..60)
        .map(|i| {
            t(
                if i % 2 == 0 {
                    "user:oscar"
                } else {
                    "user:nobody"
                },
                "can_apply",
                "environment:blue",
            )
        })
        .chain([t("user:oscar", "can_fly", "environment:blue")])
        .collect();
    let results = c.batch_check(store, model, &checks).await.unwrap();
    assert_eq!(results.len(), 61);
    assert!(results[..60]
        .iter()
        .enumerate()
        .all(|(i, r)| matches!(r, Ok(a) if *a == (i % 2 == 0))));
    assert!(matches!(results[60], Err(HttpError::Rejected { .. })));

    let objects = c
        .list_objects(store, model, "user:oscar", "can_view", "environment")
        .await
        .unwrap();
    assert_eq!(objects, ["environment:blue", "environment:demo"]);

    let users = c
        .list_users(store, model, "environment:blue", "can_apply", "user")
        .await
        .unwrap();
    assert_eq!(users, ["user:anne", "user:ci-client", "user:oscar"]);
    let groups = c
        .list_users(
            store,
            model,
            "environment:blue",
            "can_destroy",
            "group#member",
        )
        .await
        .unwrap();
    assert_eq!(groups, ["group:sre#member"]);
    let public = c
        .list_users(store, None, "environment:demo", "can_view", "user")
        .await
        .unwrap();
    assert!(public.contains(&"user:*".to_owned()), "{public:?}");

    let all = c.read(store, None).await.unwrap();
    assert_eq!(all.len(), tuples.len(), "read follows continuation tokens");
    let filter = TupleFilter {
        object: Some("environment:blue".into()),
        relation: Some("operator".into()),
        ..Default::default()
    };
    assert_eq!(c.read(store, Some(&filter)).await.unwrap().len(), 2);

    c.write(
        store,
        model,
        &[],
        &[t("user:oscar", "operator", "environment:blue")],
    )
    .await
    .unwrap();
    assert!(!c
        .check(
            store,
            model,
            &t("user:oscar", "can_apply", "environment:blue")
        )
        .await
        .unwrap());
}

#[tokio::test]
async fn client_errors_are_rejected() {
    let (base, _state) = start(Fake::default()).await;
    let c = client(&base);
    let b = c
        .bootstrap("palette", None, None, PALETTE_MODEL_JSON)
        .await
        .unwrap();
    let bad = c
        .check(
            &b.store_id,
            None,
            &t("user:anne", "can_fly", "environment:blue"),
        )
        .await;
    assert!(
        matches!(&bad, Err(HttpError::Rejected { status: 400, code, .. }) if code == "validation_error"),
        "{bad:?}"
    );
    let missing = c.latest_model("no-such-store").await;
    assert!(
        matches!(missing, Err(HttpError::Rejected { status: 404, .. })),
        "{missing:?}"
    );
    // Writes are idempotent: a duplicate write and a missing delete are
    // no-ops, not errors.
    for _ in 0..2 {
        let dup = c
            .write(&b.store_id, None, &[t("user:a", "member", "group:g")], &[])
            .await;
        assert!(dup.is_ok(), "{dup:?}");
    }
    for _ in 0..2 {
        let gone = c
            .write(&b.store_id, None, &[], &[t("user:a", "member", "group:g")])
            .await;
        assert!(gone.is_ok(), "{gone:?}");
    }
    assert!(matches!(
        c.list_users(&b.store_id, None, "blue", "can_view", "user")
            .await,
        Err(HttpError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn bearer_token_is_sent() {
    let fake = Fake {
        token: Some("s3cret".into()),
        ..Fake::default()
    };
    let (base, _state) = start(fake).await;
    let anonymous = client(&base).list_stores().await;
    assert!(
        matches!(anonymous, Err(HttpError::Rejected { status: 401, .. })),
        "{anonymous:?}"
    );
    let authed = OpenFgaClient::new(ClientConfig::new(&base).with_token("s3cret")).unwrap();
    assert!(authed.list_stores().await.is_ok());
    assert!(
        !format!("{:?}", authed.config()).contains("s3cret"),
        "token must not be logged"
    );
}

#[tokio::test]
async fn timeouts_and_server_errors_are_unavailable() {
    let fake = Fake {
        delay: Some(Duration::from_secs(3)),
        ..Fake::default()
    };
    let (base, _state) = start(fake).await;
    let slow =
        OpenFgaClient::new(ClientConfig::new(&base).with_timeout(Duration::from_millis(200)))
            .unwrap();
    let err = slow
        .check("s", None, &t("user:a", "can_view", "environment:b"))
        .await
        .unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");

    let fake = Fake {
        fail_with: Some(StatusCode::INTERNAL_SERVER_ERROR),
        ..Fake::default()
    };
    let (base, _state) = start(fake).await;
    let err = client(&base).list_stores().await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");

    let fake = Fake {
        fail_with: Some(StatusCode::TOO_MANY_REQUESTS),
        ..Fake::default()
    };
    let (base, _state) = start(fake).await;
    assert!(client(&base)
        .list_stores()
        .await
        .unwrap_err()
        .is_unavailable());

    // Nothing listening at all.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = client(&format!("http://{addr}"))
        .list_stores()
        .await
        .unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
}

#[test]
fn bad_base_url_is_a_config_error() {
    assert!(matches!(
        OpenFgaClient::new(ClientConfig::new("not a url")),
        Err(HttpError::Config(_))
    ));
}
