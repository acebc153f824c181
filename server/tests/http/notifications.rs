//! Notifications end to end, on a Palette with workers, the stand-in
//! layers and a real OpenID Provider: webhooks that platform admins add
//! hear a promotion wait for approval (naming who can approve) and succeed,
//! and an infrastructure job fail; JSON bodies are signed, Slack bodies are
//! text; a receiver that fails is tried again; every delivery is recorded;
//! secrets are never shown; the header's "waiting for you" count is the
//! approver's.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use testkit::oidc::SigningKey;

use crate::promotions::{assert_error, pipeline_with};

/// What a receiver was sent: the path it was sent to, its headers, its body.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Value,
    raw: Bytes,
}

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// A webhook receiver on loopback: `/flaky` answers 500 to the first two
    /// requests of each delivery, everything else 200.
    async fn start() -> (Self, String) {
        let receiver = Self::default();
        async fn take(
            State(r): State<Receiver>,
            Path(path): Path<String>,
            headers: HeaderMap,
            raw: Bytes,
        ) -> AxumStatus {
            let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
            let delivery = headers.get("x-palette-delivery").cloned();
            let mut seen = r.seen.lock().unwrap();
            let earlier = seen
                .iter()
                .filter(|s| {
                    s.path == path && s.headers.get("x-palette-delivery") == delivery.as_ref()
                })
                .count();
            seen.push(Received {
                path: path.clone(),
                headers,
                body,
                raw,
            });
            if path == "flaky" && earlier < 2 {
                AxumStatus::INTERNAL_SERVER_ERROR
            } else {
                AxumStatus::OK
            }
        }
        let app = axum::Router::new()
            .route("/{path}", axum::routing::post(take))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, url)
    }

    /// Waits until `path` got an accepted (final) request of `event`.
    async fn wait(&self, path: &str, event: &str, attempts: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got: Vec<Received> = {
                let seen = self.seen.lock().unwrap();
                seen.iter()
                    .filter(|s| s.path == path && event_of(s) == event)
                    .cloned()
                    .collect()
            };
            if got.len() >= attempts {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "{path} got {} of {attempts} requests of {event}: {:?}",
                got.len(),
                self.seen
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|s| (s.path.clone(), event_of(s)))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn event_of(r: &Received) -> String {
    if let Some(event) = r.headers.get("x-palette-event") {
        return event.to_str().unwrap_or_default().to_owned();
    }
    String::new()
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    format!(
        "sha256={}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_hear_promotions_and_failed_jobs_signed_retried_and_recorded() {
    let (receiver, hooks) = Receiver::start().await;
    let p = pipeline_with(&[]).await;
    let provider = &p._provider;
    let ci = provider.jwt_token("ci-pipeline").await;
    let approver = provider
        .sign(&provider.claims("approver"), SigningKey::Provider)
        .await;
    let admin = provider
        .sign(&provider.claims("admin"), SigningKey::Provider)
        .await;

    // Only platform admins configure webhooks; bad input is named per field.
    let ops = json!({
        "name": "ops", "url": format!("{hooks}/flaky"), "secret": "s3cret",
        "events": ["promotion.awaiting_approval", "promotion.succeeded", "job.failed"],
    });
    let (status, body) = p
        .call(&ci, Method::POST, "/api/v1/webhooks", Some(ops.clone()))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = p
        .call(
            &admin,
            Method::POST,
            "/api/v1/webhooks",
            Some(json!({"name": " ", "url": "ftp://x", "format": "xml", "events": ["nope"]})),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "url", "format", "events"], "{body}");
    let (status, created) = p
        .call(&admin, Method::POST, "/api/v1/webhooks", Some(ops))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["signed"], true);
    assert!(!created.to_string().contains("s3cret"), "{created}");
    let ops_id = created["id"].as_i64().unwrap();
    let slack = json!({
        "name": "green channel", "url": format!("{hooks}/slack"), "format": "slack",
        "environment": "green",
    });
    let (status, created) = p
        .call(&admin, Method::POST, "/api/v1/webhooks", Some(slack))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["signed"], false);
    assert_eq!(created["events"], json!([]), "no events named: every event");

    // A promotion into green waits for the approver's approval.
    let policy = json!({
        "required_approvals": 1, "auto_rollback": true, "verify_passes": 1,
        "verify_interval_secs": 1, "verify_window_secs": 60,
    });
    let (status, body) = p
        .call(
            &admin,
            Method::PUT,
            "/api/v1/environments/green/promotion-policy",
            Some(policy),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
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
    p.wait_state(&ci, id, "awaiting_approval").await;

    // It waits for the approver, not for the pipeline that asked.
    let (_, waiting) = p
        .call(&approver, Method::GET, "/api/v1/waiting", None)
        .await;
    assert_eq!(waiting["approvals"], json!([id]), "{waiting}");
    let (_, waiting) = p.call(&ci, Method::GET, "/api/v1/waiting", None).await;
    assert_eq!(waiting["approvals"], json!([]), "{waiting}");

    // The JSON webhook: refused twice, delivered on the third attempt, the
    // same delivery each time, signed over the exact bytes sent.
    let tries = receiver
        .wait("flaky", "promotion.awaiting_approval", 3)
        .await;
    let delivery = tries[0].headers["x-palette-delivery"].clone();
    assert!(tries
        .iter()
        .all(|t| t.headers["x-palette-delivery"] == delivery));
    for t in &tries {
        assert_eq!(
            t.headers["x-palette-signature-256"].to_str().unwrap(),
            hmac_hex("s3cret", &t.raw),
            "signed with the webhook's secret"
        );
    }
    let body = &tries[2].body;
    assert_eq!(body["event"], "promotion.awaiting_approval");
    assert_eq!(body["environment"], "green");
    assert_eq!(body["url"], format!("{}/promotions/{id}", p.base));
    assert_eq!(body["details"]["promotion"], id);
    // Platform admins may approve anywhere.
    assert_eq!(
        body["details"]["approvers"],
        json!(["user:admin", "user:approver"]),
        "{body}"
    );
    let summary = body["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!("Promotion #{id} to green waits for approval"))
            && summary.ends_with("(who can approve: user:admin, user:approver)"),
        "{summary}"
    );
    // The Slack webhook (green only, every event): text with a link, unsigned.
    let slack = receiver
        .wait("slack", "promotion.awaiting_approval", 1)
        .await;
    assert!(slack[0].headers.get("x-palette-signature-256").is_none());
    let text = slack[0].body["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "*green*: Promotion #{id} to green waits for approval"
        )) && text.ends_with(&format!("<{}/promotions/{id}|Open in Palette>", p.base)),
        "{text}"
    );

    // Approved, it succeeds, and both hear it.
    let (status, body) = p
        .call(
            &approver,
            Method::POST,
            &format!("/api/v1/promotions/{id}/approve"),
            Some(json!({"comment": "ok"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    p.wait_state(&ci, id, "succeeded").await;
    receiver.wait("flaky", "promotion.succeeded", 3).await;
    receiver.wait("slack", "promotion.succeeded", 1).await;
    let (_, waiting) = p
        .call(&approver, Method::GET, "/api/v1/waiting", None)
        .await;
    assert_eq!(
        waiting["approvals"],
        json!([]),
        "nothing waits once approved"
    );

    // An infrastructure job that fails: the stand-in fails flaky-* at Hydra.
    let (status, body) = p
        .call(
            &admin,
            Method::POST,
            "/api/v1/environments",
            Some(
                json!({"name": "flaky-aqua", "tier": "staging", "purpose": "fails once",
                        "channel": "edge", "layers": ["k8s", "core", "iam"]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let job = body["job"]["id"].as_i64().unwrap();
    let failed = receiver.wait("flaky", "job.failed", 3).await;
    let body = &failed[2].body;
    assert_eq!(body["environment"], "flaky-aqua");
    assert_eq!(body["details"]["job"], job);
    assert_eq!(body["details"]["kind"], "environment.create");
    assert_eq!(body["url"], format!("{}/jobs/{job}", p.base));
    assert!(
        body["summary"].as_str().unwrap().starts_with(&format!(
            "Job #{job} environment.create on flaky-aqua failed at iam/apply"
        )),
        "{body}"
    );
    // The Slack webhook hears green only.
    assert!(receiver
        .seen
        .lock()
        .unwrap()
        .iter()
        .all(|r| r.path != "slack" || event_of(r) != "job.failed"));

    // The history: each delivery with its attempts and the last answer;
    // never the secret.
    let (status, listed) = p.call(&admin, Method::GET, "/api/v1/webhooks", None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert!(!listed.to_string().contains("s3cret"));
    let ops = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == ops_id)
        .unwrap();
    let events: Vec<&str> = ops["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "job.failed",
            "promotion.succeeded",
            "promotion.awaiting_approval"
        ]
    );
    for d in ops["deliveries"].as_array().unwrap() {
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"], 3, "{d}");
        assert_eq!(d["response_status"], 200, "{d}");
    }
    let (status, body) = p.call(&ci, Method::GET, "/api/v1/webhooks", None).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");

    // Deleted, with its history; audited both ways.
    let (status, _) = p
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/v1/webhooks/{ops_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = p
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/v1/webhooks/{ops_id}"),
            None,
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (_, listed) = p.call(&admin, Method::GET, "/api/v1/webhooks", None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    for action in ["webhook.create", "webhook.delete"] {
        let (_, audit) = p
            .call(
                &admin,
                Method::GET,
                &format!("/api/v1/audit?action={action}"),
                None,
            )
            .await;
        let objects: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["object"].as_str().unwrap())
            .collect();
        assert!(
            objects.contains(&format!("webhook:{ops_id}").as_str()),
            "{action}: {audit}"
        );
        assert!(!audit.to_string().contains("s3cret"), "{audit}");
    }
}
