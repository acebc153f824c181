//! `palette check-oidc`: exit codes and the exact `--json` document.

use palette_oidc_check::cli::{render_human, run_to, use_color, Args};
use palette_oidc_check::RULE_IDS;
use serde_json::json;

use crate::server::{check, Route, TestServer, HYDRA_JWKS_PATH};

fn args(issuer: &str) -> Args {
    Args {
        issuer_url: issuer.to_owned(),
        json: true,
        allow_http: true,
        allow_private_network: true,
        ca_file: None,
    }
}

/// Runs the CLI, returning the exit code and what it printed.
async fn run(args: Args) -> (i32, String) {
    let mut out = Vec::new();
    let code = run_to(args, &mut out, false).await;
    (code, String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn exit_code_is_0_for_a_passing_provider_even_with_warnings() {
    let server = TestServer::start().await;
    server.hydra_with(
        |d| {
            _ = d
                .as_object_mut()
                .unwrap()
                .remove("code_challenge_methods_supported")
        },
        |_| {},
    );
    assert_eq!(run(args(&server.hydra_issuer())).await.0, 0);
}

#[tokio::test]
async fn exit_code_is_1_when_a_rule_fails() {
    let server = TestServer::start().await;
    server.set(HYDRA_JWKS_PATH, Route::status(503));
    let (code, printed) = run(args(&server.hydra_issuer())).await;
    assert_eq!(code, 1);
    let printed: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(printed["ok"], json!(false));
    assert_eq!(printed["rules"][10]["status"], json!("fail"));
    let human = Args {
        json: false,
        ..args(&server.hydra_issuer())
    };
    let (code, printed) = run(human).await;
    assert_eq!(code, 1);
    assert!(printed.contains("fail jwks-fetch"), "{printed}");
    assert!(
        printed.lines().last().unwrap().starts_with("FAIL"),
        "{printed}"
    );
}

#[tokio::test]
async fn exit_code_is_2_for_a_relative_issuer_or_an_unreadable_ca_file() {
    assert_eq!(
        run(args("auth.example.com/realms/x")).await,
        (2, String::new())
    );
    assert_eq!(run(args("not a url")).await.0, 2);
    let missing = Args {
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..args("https://auth.example.com")
    };
    assert_eq!(run(missing).await.0, 2);
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "no certificate here\n").unwrap();
    let empty = Args {
        ca_file: Some(empty),
        ..args("https://auth.example.com")
    };
    assert_eq!(run(empty).await.0, 2);
}

/// An object's keys, sorted (independent of serde_json's preserve_order).
fn keys(value: &serde_json::Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn cli_json_has_exactly_issuer_ok_rules_and_timings() {
    let server = TestServer::start().await;
    let report = check(&server.hydra_issuer()).await;
    let value = report.to_cli_json();
    let (code, printed) = run(args(&server.hydra_issuer())).await;
    assert_eq!(code, 0);
    let printed: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(
        keys(&printed),
        keys(&value),
        "--json prints the to_cli_json document"
    );
    assert_eq!(keys(&value), ["issuer", "ok", "rules", "timings_ms"]);
    assert_eq!(value["issuer"], json!(server.hydra_issuer()));
    assert_eq!(value["ok"], json!(true));
    let rules = value["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULE_IDS.len());
    for (rule, id) in rules.iter().zip(RULE_IDS) {
        assert_eq!(keys(rule), ["detail", "id", "status"]);
        assert_eq!(rule["id"], json!(id));
        assert_eq!(rule["status"], json!("pass"));
        assert!(rule["detail"].is_string());
    }
    assert_eq!(keys(&value["timings_ms"]), ["discovery", "jwks", "total"]);
    assert!(value["timings_ms"]["discovery"].is_u64());

    // The stored form round-trips.
    let stored = serde_json::to_string(&report).unwrap();
    assert_eq!(
        serde_json::from_str::<palette_oidc_check::Report>(&stored).unwrap(),
        report
    );
}

#[tokio::test]
async fn human_output_has_one_line_per_rule_and_colours_only_when_asked() {
    let server = TestServer::start().await;
    let report = check(&server.hydra_issuer()).await;
    let plain = render_human(&report, false);
    assert_eq!(plain.lines().count(), RULE_IDS.len() + 1);
    assert!(!plain.contains('\x1b'));
    assert!(plain.lines().last().unwrap().starts_with("OK"));
    assert!(render_human(&report, true).contains("\x1b[32mpass\x1b[0m"));
    assert!(use_color(true, None));
    assert!(use_color(true, Some("".into())));
    assert!(!use_color(true, Some("1".into())));
    assert!(!use_color(false, None));
}
