//! Evaluator behaviour beyond the `.fga.yaml` file: explanations, limits,
//! operators Palette's model does not use yet, and error propagation.

use palette_fga::{
    AuthorizationModel, Error, Evaluator, MemoryTuples, ReaderError, Step, Tuple, TupleReader,
};
use serde_json::json;

fn t(user: &str, relation: &str, object: &str) -> Tuple {
    Tuple::new(user, relation, object)
}

fn palette_store() -> (Evaluator, MemoryTuples) {
    let ev = Evaluator::palette().expect("model");
    let tuples = [
        t("user:anne", "member", "group:sre"),
        t("group:sre#member", "member", "group:platform-admins"),
        t("group:platform-admins#member", "admin", "platform:default"),
        t("platform:default", "platform", "environment:blue"),
        t("user:oscar", "operator", "environment:blue"),
        t("user:*", "viewer", "environment:demo"),
    ];
    let store = MemoryTuples::from_tuples(ev.model(), tuples).expect("valid tuples");
    (ev, store)
}

#[tokio::test]
async fn explains_the_granting_path() {
    let (ev, store) = palette_store();
    let why = ev
        .explain(&store, "user:anne", "can_apply", "environment:blue")
        .await
        .expect("evaluates")
        .expect("granted");
    assert_eq!(
        why.render(),
        "environment:blue#can_apply ← operator ← owner ← admin from platform:default \
         ← group:platform-admins#member ← group:sre#member ← user:anne"
    );
    let json = serde_json::to_value(&why).expect("serializes");
    assert_eq!(json["steps"][2]["kind"], "from_related");
    let back: palette_fga::Explanation = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back, why);

    let public = ev
        .explain(&store, "user:zoe", "can_view", "environment:demo")
        .await
        .expect("evaluates")
        .expect("granted");
    assert!(matches!(public.steps.last(), Some(Step::Wildcard { .. })));
    assert_eq!(
        public.to_string(),
        "environment:demo#can_view ← viewer ← user:* ∋ user:zoe"
    );

    let denied = ev
        .explain(&store, "user:oscar", "can_destroy", "environment:blue")
        .await
        .expect("evaluates");
    assert_eq!(denied, None);
}

#[tokio::test]
async fn batch_check_answers_in_order() {
    let (ev, store) = palette_store();
    let results = ev
        .batch_check(
            &store,
            &[
                t("user:oscar", "can_apply", "environment:blue"),
                t("user:oscar", "can_destroy", "environment:blue"),
                t("user:oscar", "no_such_relation", "environment:blue"),
            ],
        )
        .await;
    assert!(matches!(results[0], Ok(true)));
    assert!(matches!(results[1], Ok(false)));
    assert!(matches!(results[2], Err(Error::UnknownRelation { .. })));
}

#[tokio::test]
async fn rejects_malformed_and_unknown_queries() {
    let (ev, store) = palette_store();
    let bad = [
        ("anne", "can_view", "environment:blue"),
        ("user:anne", "can_view", "blue"),
        ("robot:r2", "can_view", "environment:blue"),
        ("user:anne", "can_fly", "environment:blue"),
        ("group:sre#boss", "can_view", "environment:blue"),
    ];
    for (user, relation, object) in bad {
        let r = ev.check(&store, user, relation, object).await;
        assert!(r.is_err(), "{user} {relation} {object}: {r:?}");
    }
    assert!(ev
        .list_users(&store, "environment:blue", "can_view", "robot")
        .await
        .is_err());
    assert!(ev
        .list_objects(&store, "user:anne", "can_fly", "environment")
        .await
        .is_err());
}

#[tokio::test]
async fn depth_limit_is_an_error_not_a_denial() {
    let ev = Evaluator::palette().expect("model");
    let mut store = MemoryTuples::new();
    store.insert(t("user:deep", "member", "group:g0"));
    for i in 0..30 {
        store.insert(t(
            &format!("group:g{i}#member"),
            "member",
            &format!("group:g{}", i + 1),
        ));
    }
    assert!(ev
        .check(&store, "user:deep", "member", "group:g10")
        .await
        .expect("shallow"));
    let deep = ev.check(&store, "user:deep", "member", "group:g30").await;
    assert!(matches!(deep, Err(Error::DepthExceeded(25))), "{deep:?}");
}

#[tokio::test]
async fn tuples_the_model_does_not_allow_are_ignored() {
    let ev = Evaluator::palette().expect("model");
    let mut store = MemoryTuples::new();
    store.insert(t("user:*", "owner", "environment:blue"));
    assert!(!ev
        .check(&store, "user:bob", "owner", "environment:blue")
        .await
        .expect("ok"));
    assert!(store
        .write(ev.model(), t("user:*", "owner", "environment:blue"))
        .is_err());
}

#[tokio::test]
async fn intersection_and_difference() {
    let model = json!({
        "schema_version": "1.1",
        "type_definitions": [
            {"type": "user"},
            {"type": "doc",
             "relations": {
                "allowed": {"this": {}},
                "blocked": {"this": {}},
                "editor": {"difference": {"base": {"computedUserset": {"relation": "allowed"}},
                                          "subtract": {"computedUserset": {"relation": "blocked"}}}},
                "audited": {"intersection": {"child": [{"computedUserset": {"relation": "allowed"}},
                                                       {"computedUserset": {"relation": "blocked"}}]}}
             },
             "metadata": {"relations": {
                "allowed": {"directly_related_user_types": [{"type": "user"}, {"type": "user", "wildcard": {}}]},
                "blocked": {"directly_related_user_types": [{"type": "user"}]}
             }}}
        ]
    });
    let model = AuthorizationModel::from_json(&model.to_string()).expect("valid");
    let ev = Evaluator::new(model);
    let mut store = MemoryTuples::new();
    for tuple in [
        t("user:*", "allowed", "doc:1"),
        t("user:bob", "blocked", "doc:1"),
    ] {
        store.write(ev.model(), tuple).expect("allowed tuple");
    }
    let check = |u: &'static str, r: &'static str| {
        let ev = &ev;
        let store = &store;
        async move { ev.check(store, u, r, "doc:1").await.expect("evaluates") }
    };
    assert!(check("user:amy", "editor").await);
    assert!(!check("user:bob", "editor").await);
    assert!(check("user:bob", "audited").await);
    assert!(!check("user:amy", "audited").await);
}

struct BrokenStore;

impl TupleReader for BrokenStore {
    async fn read_users(&self, _: &str, _: &str) -> Result<Vec<String>, ReaderError> {
        Err(ReaderError::new("database is down"))
    }
    async fn object_ids(&self, _: &str) -> Result<Vec<String>, ReaderError> {
        Err(ReaderError::new("database is down"))
    }
    async fn users_of_type(&self, _: &str) -> Result<Vec<String>, ReaderError> {
        Err(ReaderError::new("database is down"))
    }
}

#[tokio::test]
async fn reader_errors_propagate() {
    let ev = Evaluator::palette().expect("model");
    let r = ev
        .check(&BrokenStore, "user:anne", "can_view", "environment:blue")
        .await;
    assert!(matches!(r, Err(Error::Reader(_))), "{r:?}");
    let l = ev
        .list_objects(&BrokenStore, "user:anne", "can_view", "environment")
        .await;
    assert!(l.is_err());
}
