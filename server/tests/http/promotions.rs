//! Promotions over the REST API as a pipeline drives them: a
//! client-credentials token from the test OpenID Provider opens blue →
//! green in the demo, a second principal approves, the stand-in applies and
//! the demo's simulated OIDC endpoint (served by this Palette) verifies.
//! Every refusal answers the error envelope.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::{Config, ServeOptions, Server};
use testkit::oidc::{secret, SigningKey, AUDIENCE, PALETTE_CLIENT};

pub(crate) struct Pipeline {
    pub base: String,
    http: reqwest::Client,
    pub _provider: testkit::oidc::OidcProvider,
    _infra: tempfile::TempDir,
    _db: testkit::TestDatabase,
}

impl Pipeline {
    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn wait_state(&self, token: &str, id: i64, want: &str) -> Value {
        let start = Instant::now();
        loop {
            let (status, body) = self
                .call(
                    token,
                    Method::GET,
                    &format!("/api/v1/promotions/{id}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            if body["state"] == want {
                return body;
            }
            assert!(
                start.elapsed() < Duration::from_secs(180),
                "promotion {id} is {} ({}), waiting for {want}: {:#}",
                body["state"],
                body["message"],
                body["events"]
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A copy of the shipped infrastructure tree, so workspaces land in a
/// temporary directory.
fn infra_copy() -> tempfile::TempDir {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/infra");
    for part in ["scaffold", "modules"] {
        copy(&shipped.join(part), &dir.path().join(part));
    }
    dir
}

async fn pipeline() -> Pipeline {
    pipeline_with(&[]).await
}

/// [`pipeline`] with more configuration.
pub(crate) async fn pipeline_with(extra: &[(&str, &str)]) -> Pipeline {
    testkit::init_tracing();
    let db = testkit::sqlite();
    let infra = infra_copy();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = testkit::oidc::start(&base);
    let env = [
        ("PALETTE_DATABASE_URL", db.url.clone()),
        ("PALETTE_OIDC_ISSUER", provider.issuer.clone()),
        ("PALETTE_OIDC_CLIENT_ID", PALETTE_CLIENT.to_owned()),
        ("PALETTE_OIDC_CLIENT_SECRET", secret(PALETTE_CLIENT)),
        ("PALETTE_API_AUDIENCE", AUDIENCE.to_owned()),
        ("PALETTE_ADMINS", "user:admin".to_owned()),
        (
            "PALETTE_LAYER_BIN",
            testkit::standin().display().to_string(),
        ),
        ("PALETTE_INFRA_DIR", infra.path().display().to_string()),
        ("PALETTE_WORKERS", "2".to_owned()),
        ("PALETTE_OIDC_CHECK_INTERVAL", "0".to_owned()),
    ]
    .into_iter()
    .chain(extra.iter().map(|(k, v)| (*k, (*v).to_owned())))
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = Config::load(None, &env).unwrap();
    let server = Server::build_on(
        listener,
        &config,
        &ServeOptions {
            demo: true,
            workers: true,
        },
    )
    .await
    .unwrap();
    let engine = server.engine().clone();
    tokio::spawn(server.run(std::future::pending()));
    let tuples = [
        engine::authz::Tuple::new("user:ci-pipeline", "operator", "environment:green"),
        engine::authz::Tuple::new("user:ci-pipeline", "viewer", "environment:blue"),
        engine::authz::Tuple::new("user:approver", "approver", "environment:green"),
    ];
    engine.authorizer().write(&tuples, &[]).await.unwrap();
    Pipeline {
        base,
        http: reqwest::Client::new(),
        _provider: provider,
        _infra: infra,
        _db: db,
    }
}

pub(crate) fn assert_error(status: StatusCode, body: &Value, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_promotes_blue_to_green_and_someone_else_approves() {
    let p = pipeline().await;
    let provider = &p._provider;
    let ci = provider.jwt_token("ci-pipeline").await;
    let approver = provider
        .sign(&provider.claims("approver"), SigningKey::Provider)
        .await;
    let admin = provider
        .sign(&provider.claims("admin"), SigningKey::Provider)
        .await;

    // Owners set green's policy: one approval, one fast verification pass.
    let policy = json!({
        "required_approvals": 1, "auto_rollback": true, "verify_passes": 1,
        "verify_interval_secs": 1, "verify_window_secs": 60,
    });
    let (status, body) = p
        .call(
            &ci,
            Method::PUT,
            "/api/v1/environments/green/promotion-policy",
            Some(policy.clone()),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = p
        .call(
            &admin,
            Method::PUT,
            "/api/v1/environments/green/promotion-policy",
            Some(policy),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bad_policy = json!({
        "required_approvals": 9, "auto_rollback": true, "verify_passes": 1,
        "verify_interval_secs": 1, "verify_window_secs": 60,
    });
    let (status, body) = p
        .call(
            &admin,
            Method::PUT,
            "/api/v1/environments/green/promotion-policy",
            Some(bad_policy),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_eq!(body["error"]["fields"][0]["field"], "required_approvals");

    // Refusals when opening.
    let (status, body) = p
        .call(
            &ci,
            Method::POST,
            "/api/v1/promotions",
            Some(json!({"source": "green", "target": "green"})),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_eq!(body["error"]["fields"][0]["field"], "target");
    let (status, body) = p
        .call(
            &approver,
            Method::POST,
            "/api/v1/promotions",
            Some(json!({"source": "blue", "target": "green"})),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = p
        .call(
            &ci,
            Method::POST,
            "/api/v1/promotions",
            Some(json!({"source": "blue", "target": "green", "bogus": 1})),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");

    let (status, preview) = p
        .call(
            &ci,
            Method::POST,
            "/api/v1/promotions/preview",
            Some(json!({"source": "blue", "target": "green", "applications": ["hydra", "kratos"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(
        preview["diff"].as_array().map(Vec::len),
        Some(2),
        "{preview}"
    );
    assert_eq!(preview["refusals"], json!([]));

    let (status, opened) = p
        .call(
            &ci,
            Method::POST,
            "/api/v1/promotions",
            Some(json!({"source": "blue", "target": "green", "applications": ["hydra", "kratos"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    let id = opened["id"].as_i64().unwrap();
    assert_eq!(opened["requested_by"], "user:ci-pipeline");
    // Follow it live, as the page does: each event's name and state, as it
    // arrives, until the stream ends.
    let (seen, mut events) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
    let streaming = {
        let request = p
            .http
            .get(format!("{}/api/v1/promotions/{id}/events", p.base))
            .bearer_auth(&ci);
        tokio::spawn(async move {
            let mut response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let mut buffer = String::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let event: String = buffer.drain(..end + 2).collect();
                    let field = |name: &str| {
                        event
                            .lines()
                            .find_map(|l| l.strip_prefix(name))
                            .unwrap_or("")
                            .to_owned()
                    };
                    let data: Value = serde_json::from_str(&field("data: ")).unwrap_or(Value::Null);
                    let state = data["state"].as_str().unwrap_or("").to_owned();
                    let _ = seen.send((field("event: "), state));
                }
            }
        })
    };
    let mut streamed = Vec::new();
    let mut wait_streamed = async |want: &str, streamed: &mut Vec<(String, String)>| {
        while !streamed.iter().any(|(_, s)| s == want) {
            let next = tokio::time::timeout(Duration::from_secs(30), events.recv())
                .await
                .unwrap_or_else(|_| panic!("{want} was not streamed: {streamed:?}"));
            streamed.push(
                next.unwrap_or_else(|| panic!("the stream ended before {want}: {streamed:?}")),
            );
        }
    };
    let review = p.wait_state(&ci, id, "awaiting_approval").await;
    assert_eq!(review["plans"][0]["layer"], "iam", "{review}");
    assert!(review["plan_hash"]
        .as_str()
        .is_some_and(|h| h.starts_with("sha256:")));
    assert_eq!(review["viewer_can_approve"], false);

    // The pipeline cannot approve its own promotion; a rejection needs words.
    let approve = format!("/api/v1/promotions/{id}/approve");
    let (status, body) = p.call(&ci, Method::POST, &approve, None).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = p
        .call(
            &approver,
            Method::POST,
            &format!("/api/v1/promotions/{id}/reject"),
            Some(json!({"comment": ""})),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_eq!(body["error"]["fields"][0]["field"], "comment");
    let (status, body) = p
        .call(
            &approver,
            Method::POST,
            &format!("/api/v1/promotions/{id}/accept"),
            None,
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");

    wait_streamed("awaiting_approval", &mut streamed).await;
    let (status, body) = p
        .call(
            &approver,
            Method::POST,
            &approve,
            Some(json!({"comment": "ship it"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "applying");
    let (status, body) = p.call(&approver, Method::POST, &approve, None).await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");

    let done = p.wait_state(&ci, id, "succeeded").await;
    wait_streamed("succeeded", &mut streamed).await;
    tokio::time::timeout(Duration::from_secs(30), streaming)
        .await
        .expect("the event stream closes once the promotion is final")
        .unwrap();
    assert_eq!(
        streamed.first().map(|e| e.0.as_str()),
        Some("promotion"),
        "{streamed:?}"
    );
    assert_eq!(
        streamed.last(),
        Some(&("end".to_owned(), "succeeded".to_owned())),
        "{streamed:?}"
    );
    assert!(done["checks"][0]["passed"] == true, "{done}");
    let (_, green) = p
        .call(&admin, Method::GET, "/api/v1/environments/green", None)
        .await;
    assert_eq!(
        green["manifest"]["hydra"]["revision"],
        done["incoming"]["applications"]["hydra"]["revision"]
    );
    let (_, releases) = p
        .call(
            &admin,
            Method::GET,
            "/api/v1/environments/green/releases",
            None,
        )
        .await;
    assert_eq!(releases["deployments"][0]["verified"], true, "{releases}");
    assert_eq!(releases["deployments"][0]["promotion"], id);
    let (_, audit) = p
        .call(&admin, Method::GET, "/api/v1/audit?limit=200", None)
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    for want in [
        "promotion.open",
        "promotion.approve",
        "promotion_policy.update",
    ] {
        assert!(actions.contains(&want), "{want} not in {actions:?}");
    }
    let (status, body) = p
        .call(
            &ci,
            Method::POST,
            &format!("/api/v1/promotions/{id}/cancel"),
            None,
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
}
