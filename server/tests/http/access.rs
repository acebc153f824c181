use testkit::contract_test;

use crate::support::spawn_app;

contract_test!(
    an_admin_grants_and_revokes_through_server_functions,
    |db| async move {
        let app = spawn_app(db, true).await;
        app.login_dev("alice").await;
        let csrf = app.csrf().await;
        let grant = app
            .client
            .post(app.url("/_fn/grant_access"))
            .header("origin", app.origin())
            .header("accept", "application/json")
            .form(&[
                ("env", "blue"),
                ("relation", "operator"),
                ("subject", "user:zed"),
                ("_csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(grant.status(), 200, "{}", grant.text().await.unwrap());
        let list = app
            .get("/_fn/list_access?env=blue")
            .await
            .text()
            .await
            .unwrap();
        assert!(list.contains("user:zed"), "{list}");
        let audit =
            engine::store::audit::for_object(app.engine.store().pool(), "environment:blue", 10)
                .await
                .unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "access.grant" && e.actor == "user:alice"),
            "{audit:?}"
        );
        let html = app
            .get("/access?env=blue&who=user:zed&permission=can_apply")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("environment:blue#can_apply ← operator ← user:zed"),
            "{html}"
        );
    }
);

contract_test!(
    a_viewer_cannot_grant_and_the_refusal_is_audited,
    |db| async move {
        let app = spawn_app(db, true).await;
        app.login_dev("dave").await;
        let csrf = app.csrf().await;
        let grant = app
            .client
            .post(app.url("/_fn/grant_access"))
            .header("origin", app.origin())
            .header("accept", "application/json")
            .form(&[
                ("env", "blue"),
                ("relation", "owner"),
                ("subject", "user:dave"),
                ("_csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(grant.status(), 403);
        let body = grant.text().await.unwrap();
        assert!(body.contains("forbidden"), "{body}");
        let audit =
            engine::store::audit::for_object(app.engine.store().pool(), "environment:blue", 10)
                .await
                .unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.decision == domain::audit::Decision::Denied && e.actor == "user:dave"),
            "{audit:?}"
        );
    }
);
