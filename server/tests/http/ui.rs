//! The environment, job and audit pages as a browser without JavaScript
//! sees them, and their forms posted as plain HTML forms.

use testkit::contract_test;

use crate::support::{spawn_app, TestApp};

/// Posts a form to a server function as a browser without JavaScript does.
async fn post_form(app: &TestApp, function: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let csrf = app.csrf().await;
    let mut form: Vec<(&str, &str)> = vec![("_csrf", &csrf)];
    form.extend_from_slice(fields);
    app.client
        .post(app.url(&format!("/_fn/{function}")))
        .header("accept", "text/html")
        .header("origin", app.origin())
        .header("referer", app.url("/environments/new"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

contract_test!(
    environment_job_and_audit_pages_render_on_the_server,
    |db| async move {
        let app = spawn_app(db, true).await;
        app.login_dev("alice").await;

        let html = app.get("/environments/new").await.text().await.unwrap();
        assert!(
            html.contains(r#"name="layers[]""#) && html.contains("needs: k8s"),
            "the layer graph: {html}"
        );
        assert!(
            html.contains(r#"name="manifest[hydra][charm]""#),
            "the manifest table"
        );

        let response = app.get("/environments/blue").await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        for expected in [
            "Bleeding edge",
            "/simulated/oidc/blue",
            "juju-jimm-k8s",
            "Destroy",
            "Lock",
            r#"href="/jobs/1""#,
        ] {
            assert!(
                html.contains(expected),
                "{expected} missing from the environment page"
            );
        }

        let html = app.get("/jobs/1").await.text().await.unwrap();
        assert!(
            html.contains("environment.create") && html.contains(r#"href="/environments/blue""#),
            "{html}"
        );

        let html = app
            .get("/jobs?environment=green")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(r#"href="/environments/green""#)
                && !html.contains(r#"href="/environments/blue""#)
        );

        let html = app
            .get("/audit?action=environment.create")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("environment:blue") && !html.contains("auth.login"),
            "{html}"
        );
    }
);

contract_test!(
    creating_through_the_plain_form_lands_on_the_new_job,
    |db| async move {
        let app = spawn_app(db, true).await;
        app.login_dev("dave").await;
        let fields = [
            ("name", "teal"),
            ("tier", "staging"),
            ("purpose", "try things"),
            ("channel", "2/edge"),
            ("oidc_issuer", ""),
            ("layers[]", "k8s"),
            ("layers[]", "core"),
            ("manifest[hydra][charm]", "hydra"),
            ("manifest[hydra][channel]", ""),
            ("manifest[hydra][revision]", "42"),
        ];
        let response = post_form(&app, "create_environment", &fields).await;
        assert_eq!(response.status(), 302);
        let job = location(&response);
        assert!(job.starts_with("/jobs/"), "lands on the job, not {job}");

        let html = app.get(&job).await.text().await.unwrap();
        assert!(html.contains(r#"href="/environments/teal""#), "{html}");
        let html = app.get("/environments/teal").await.text().await.unwrap();
        assert!(
            html.contains("https://iam.teal.example.com"),
            "the issuer follows the template"
        );
        assert!(
            html.contains(">42<") && html.contains("2/edge"),
            "the manifest as typed: {html}"
        );
        assert!(
            html.contains(r#"data-layer="core""#) && !html.contains(r#"data-layer="iam""#),
            "only the chosen layers"
        );
    }
);

contract_test!(
    a_refused_plain_form_comes_back_with_what_was_typed_and_why,
    |db| async move {
        let app = spawn_app(db, true).await;
        app.login_dev("dave").await;
        let fields = [
            ("name", "Teal"),
            ("tier", "staging"),
            ("purpose", "x"),
            ("channel", "nightly"),
        ];
        let response = post_form(&app, "create_environment", &fields).await;
        assert_eq!(response.status(), 302);
        let back = location(&response);
        assert!(back.starts_with("/environments/new?"), "{back}");
        let html = app.get(&back).await.text().await.unwrap();
        assert!(
            html.contains("must start with a lowercase letter"),
            "the name's error: {html}"
        );
        assert!(
            html.contains("optionally with a track"),
            "the channel's error"
        );
        assert!(html.contains(r#"value="Teal""#), "what was typed is kept");
    }
);

contract_test!(destroy_refuses_a_mistyped_confirmation, |db| async move {
    let app = spawn_app(db, true).await;
    app.login_dev("alice").await;
    let csrf = app.csrf().await;
    let response = app
        .client
        .post(app.url("/_fn/destroy_environment"))
        .header("origin", app.origin())
        .header("accept", "application/json")
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "blue"),
            ("confirm", "bleu"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("type blue to confirm"));
    let blue = domain::EnvironmentName::parse("blue").unwrap();
    let env = app
        .engine
        .get_environment(&engine::Actor::system("test"), &blue)
        .await
        .unwrap();
    assert_ne!(env.status, domain::EnvironmentStatus::Destroying);
});

contract_test!(
    people_without_rights_see_no_controls_and_no_hidden_environment,
    |db| async move {
        let app = spawn_app(db, true).await;
        // Dave (staff) may view blue but neither apply nor destroy it.
        app.login_dev("dave").await;
        let html = app.get("/environments/blue").await.text().await.unwrap();
        assert!(html.contains("juju-jimm-k8s"), "he sees it");
        assert!(
            !html.contains("destroy-confirm") && !html.contains("lock-reason"),
            "but no controls"
        );
        let missing = app.get("/environments/no-such-colour").await;
        assert_eq!(missing.status(), 404);

        let anonymous = spawn_app(testkit::sqlite(), true).await;
        let response = anonymous.get("/environments/blue").await;
        assert_eq!(response.status(), 404);
        assert!(!response.text().await.unwrap().contains("juju-jimm-k8s"));
    }
);
