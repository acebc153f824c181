//! Releases from CI over the REST API and through `palette release record`,
//! against the demo with a real OpenID Provider: `user:ci-pipeline` is a
//! releaser (`PALETTE_RELEASERS`), `user:ci-unknown` is not. A release on
//! edge auto-deploys to blue (no approval) and verifies; green, given
//! auto-deploy with one approval, waits for it; quarantines block.

use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use testkit::oidc::{secret, SigningKey, RESOURCE_JWT};

use crate::promotions::{assert_error, pipeline_with, Pipeline};

async fn releasing() -> Pipeline {
    pipeline_with(&[("PALETTE_RELEASERS", "user:ci-pipeline")]).await
}

fn release(app: &str, revision: i64, channel: &str) -> Value {
    json!({ "application": app, "charm": app, "revision": revision, "channel": channel })
}

/// The promotion a release opened into `env`.
fn opened_into(answer: &Value, env: &str) -> Option<i64> {
    answer["release"]["outcomes"]
        .as_array()?
        .iter()
        .find(|o| o["environment"] == env)?["promotion"]
        .as_i64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_from_ci_auto_deploys_waits_for_approvals_and_respects_quarantines() {
    let p = releasing().await;
    let provider = &p._provider;
    let ci = provider.jwt_token("ci-pipeline").await;
    let stranger = provider.jwt_token("ci-unknown").await;
    let admin = provider
        .sign(&provider.claims("admin"), SigningKey::Provider)
        .await;

    // Only releasers record; bad input is refused field by field.
    let (status, body) = p
        .call(
            &stranger,
            Method::POST,
            "/api/v1/releases",
            Some(release("kratos", 531, "latest/edge")),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = p
        .call(
            &ci,
            Method::POST,
            "/api/v1/releases",
            Some(
                json!({ "application": "kratos", "charm": "Kratos!", "revision": 0,
                         "channel": "latest/nightly" }),
            ),
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
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["charm", "revision", "channel"]);

    // Edge: blue auto-deploys without an approval and verifies.
    let (status, recorded) = p
        .call(
            &ci,
            Method::POST,
            "/api/v1/releases",
            Some(release("kratos", 531, "latest/edge")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    assert_eq!(recorded["created"], true);
    let into_blue = opened_into(&recorded, "blue").expect("a promotion into blue");
    assert_eq!(recorded["opened"], json!([into_blue]));
    assert_eq!(
        recorded["release"]["outcomes"].as_array().map(Vec::len),
        Some(1),
        "only blue tracks edge: {recorded}"
    );
    let done = p.wait_state(&ci, into_blue, "succeeded").await;
    assert_eq!(done["source"]["release"]["revision"], 531);
    assert!(done["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["passed"] == true));
    let (_, blue) = p
        .call(&ci, Method::GET, "/api/v1/environments/blue", None)
        .await;
    assert_eq!(blue["manifest"]["kratos"]["revision"], 531);

    // The same release again is the same release and opens nothing.
    let (status, again) = p
        .call(
            &ci,
            Method::POST,
            "/api/v1/releases",
            Some(release("kratos", 531, "edge")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["created"], false);
    assert_eq!(again["opened"], json!([]));
    assert_eq!(again["release"]["id"], recorded["release"]["id"]);

    // Green, with auto-deploy and one approval, waits for the approval.
    let policy = json!({
        "required_approvals": 1, "auto_rollback": true, "verify_passes": 1,
        "verify_interval_secs": 1, "verify_window_secs": 60, "auto_deploy": true,
        "upstream": "blue",
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
    let (status, stable) = p
        .call(
            &ci,
            Method::POST,
            "/api/v1/releases",
            Some(release("kratos", 502, "latest/stable")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{stable}");
    let into_green = opened_into(&stable, "green").expect("a promotion into green");
    let waiting = p.wait_state(&ci, into_green, "awaiting_approval").await;
    assert_eq!(waiting["approvals_missing"], 1);

    // A quarantined revision is recorded and goes nowhere; lifting it twice
    // is a not-found.
    let (status, body) = p
        .call(
            &stranger,
            Method::POST,
            "/api/v1/quarantines",
            Some(json!({ "charm": "kratos", "revision": 503, "reason": "no" })),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = p
        .call(
            &ci,
            Method::POST,
            "/api/v1/quarantines",
            Some(json!({ "charm": "kratos", "revision": 503, "reason": "sessions lost" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, blocked) = p
        .call(
            &ci,
            Method::POST,
            "/api/v1/releases",
            Some(release("kratos", 503, "latest/stable")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{blocked}");
    assert_eq!(blocked["opened"], json!([]));
    let note = blocked["release"]["outcomes"][0]["note"]
        .as_str()
        .unwrap_or_default();
    assert!(note.contains("quarantined: sessions lost"), "{blocked}");
    let (_, quarantines) = p.call(&ci, Method::GET, "/api/v1/quarantines", None).await;
    assert_eq!(quarantines[0]["revision"], 503);
    for want in [StatusCode::NO_CONTENT, StatusCode::NOT_FOUND] {
        let (status, body) = p
            .call(&ci, Method::DELETE, "/api/v1/quarantines/kratos/503", None)
            .await;
        assert_eq!(status, want, "{body}");
    }

    // Where everything went, newest first, and what runs where.
    let (status, list) = p
        .call(&ci, Method::GET, "/api/v1/releases?limit=3", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let revisions: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["revision"].as_i64())
        .collect();
    assert_eq!(revisions, [503, 502, 531]);
    assert_eq!(list["items"][2]["outcomes"][0]["state"], "succeeded");
    let (status, matrix) = p
        .call(&ci, Method::GET, "/api/v1/release-matrix", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{matrix}");
    assert_eq!(matrix["environments"][0]["name"], "blue");
    assert_eq!(matrix["environments"][1]["name"], "green");
    assert_eq!(matrix["can_quarantine"], true);
}

/// Runs `palette release record` against the pipeline as `client`.
async fn palette_release(p: &Pipeline, client: &str, args: &[&str]) -> (i32, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_palette"))
        .args(["release", "record"])
        .args(args)
        .env_clear()
        .env("PALETTE_URL", &p.base)
        .env("PALETTE_ISSUER", &p._provider.issuer)
        .env("PALETTE_CLIENT_ID", client)
        .env("PALETTE_CLIENT_SECRET", secret(client))
        .env("PALETTE_RESOURCE", RESOURCE_JWT)
        .env("PALETTE_SCOPE", "palette")
        .stdin(Stdio::null())
        .output();
    let output = tokio::time::timeout(Duration::from_secs(240), output)
        .await
        .expect("palette release finishes")
        .expect("palette runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn palette_release_record_waits_and_exits_by_how_the_promotions_ended() {
    let p = releasing().await;
    let kratos = [
        "--application",
        "kratos",
        "--charm",
        "kratos",
        "--revision",
        "532",
        "--channel",
        "latest/edge",
        "--wait",
        "--timeout",
        "3m",
    ];
    let (code, out, err) = palette_release(&p, "ci-pipeline", &kratos).await;
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("kratos revision 532 on latest/edge (recorded)"),
        "{out}"
    );
    let states: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split("into blue: ").nth(1))
        .map(|rest| rest.split(" (").next().unwrap_or(rest))
        .collect();
    assert!(
        states.windows(2).all(|w| w[0] != w[1]),
        "one line per change: {out}"
    );
    assert!(states.contains(&"verifying"), "{out}");
    assert_eq!(states.last(), Some(&"succeeded"), "{out}");

    // The demo's bad hydra revision fails verification on blue and is
    // rolled back: exit 1.
    let hydra = [
        "--application",
        "hydra",
        "--charm",
        "hydra",
        "--revision",
        "405",
        "--channel",
        "edge",
        "--wait",
    ];
    let (code, out, err) = palette_release(&p, "ci-pipeline", &hydra).await;
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("into blue: rolled back"), "{out}");
    assert!(err.contains("rolled back"), "{err}");

    // No releaser, bad input, no credentials: exit 2, and nothing recorded.
    let (code, _, err) = palette_release(&p, "ci-unknown", &kratos).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("403"), "{err}");
    let mut zero = kratos;
    zero[5] = "0";
    let (code, _, err) = palette_release(&p, "ci-pipeline", &zero).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("revision"), "{err}");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_palette"))
        .args(["release", "record"])
        .args(kratos)
        .env_clear()
        .env("PALETTE_URL", &p.base)
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no credentials"));
}
