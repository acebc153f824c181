use testkit::contract_test;

use crate::support::spawn_app;

contract_test!(
    overview_asks_anonymous_visitors_to_log_in,
    |db| async move {
        let app = spawn_app(db, true).await;
        let html = app.get("/").await.text().await.unwrap();
        assert!(
            html.contains("to see the environments you may view"),
            "{html}"
        );
        assert!(
            !html.contains("data-environment="),
            "nothing is shown before login"
        );
        assert!(
            html.contains("Dev login is on"),
            "the dev login banner is on every page"
        );
    }
);

contract_test!(
    overview_renders_the_demo_environments_without_javascript,
    |db| async move {
        let app = spawn_app(db, true).await;
        app.login_dev("alice").await;
        let response = app.get("/").await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        for name in ["blue", "green", "yellow", "red"] {
            assert!(
                html.contains(&format!(r#"data-environment="{name}""#)),
                "{name} missing"
            );
        }
        assert!(
            html.contains("--env-colour:blue"),
            "cards are drawn in their colour"
        );
        assert!(html.contains("Identifier-first"), "purposes are shown");
        assert!(
            html.contains(r#"data-testid="current-user">Alice Admin<"#),
            "the header shows who is logged in"
        );
    }
);

contract_test!(
    overview_shows_only_what_the_user_may_view,
    |db| async move {
        let app = spawn_app(db, true).await;
        app.login_dev("bob").await;
        let html = app.get("/").await.text().await.unwrap();
        assert!(
            html.contains(r#"data-environment="blue""#),
            "bob operates blue"
        );
        assert!(
            html.contains(r#"data-environment="green""#),
            "bob is staff: staff create, and creators view all"
        );
    }
);

contract_test!(overview_filter_works_as_a_plain_get_form, |db| async move {
    let app = spawn_app(db, true).await;
    app.login_dev("alice").await;
    let html = app.get("/?q=juju").await.text().await.unwrap();
    assert!(html.contains(r#"data-environment="red""#));
    assert!(!html.contains(r#"data-environment="blue""#));
});

contract_test!(
    the_promotions_page_asks_anonymous_visitors_to_log_in,
    |db| async move {
        let app = spawn_app(db, false).await;
        let response = app.get("/promotions").await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        assert!(html.contains("<h1>Promotions</h1>"), "{html}");
        assert!(!html.contains("not built yet"), "{html}");
        assert!(html.contains("/auth/login"), "a way to log in: {html}");
    }
);

contract_test!(unknown_pages_are_404, |db| async move {
    let app = spawn_app(db, false).await;
    assert_eq!(app.get("/no/such/page").await.status(), 404);
});
