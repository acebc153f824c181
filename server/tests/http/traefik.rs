//! Palette behind the real Traefik (`testkit::traefik`, running
//! `deploy/traefik/dynamic.yml`) over TLS with a CA the test made, under the
//! path prefix `/palette`, Traefik's address (127.0.0.1) the only trusted
//! proxy. The browser-like client
//! connects to Traefik from 127.0.0.2 and a direct client to Palette from
//! 127.0.0.3, so each address Palette records says which way a request came.
//! One Traefik and one Palette for the whole walk, to keep CI time small.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use futures::StreamExt as _;
use serde_json::{json, Value};
use server::forwarded::TrustedProxies;
use testkit::traefik::{self, Traefik};

use crate::support::spawn_app_with;

const THROUGH_TRAEFIK: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const DIRECT: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
const SPOOFED: &str = "203.0.113.66";

fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("a _csrf field") + marker.len();
    html[start..].split('"').next().expect("token").to_owned()
}

#[tokio::test]
async fn behind_traefik_pages_api_and_event_streams_work_and_only_its_forwarded_client_counts() {
    let port = testkit::free_port();
    let origin = format!("https://localhost:{port}");
    let app = spawn_app_with(testkit::sqlite(), true, {
        let origin = origin.clone();
        move |config| {
            config.public_url = Some(origin);
            config.path_prefix = Some(traefik::PATH_PREFIX.to_owned());
            config.trusted_proxies = TrustedProxies::parse(&["127.0.0.1"]).unwrap();
        }
    })
    .await;
    let traefik = Traefik::start(port, app.addr).await;
    let browser = traefik
        .client_builder()
        .cookie_store(true)
        .local_address(THROUGH_TRAEFIK)
        .build()
        .unwrap();
    let public = traefik.url.clone();
    let url = |path: &str| format!("{public}{path}");

    // A page over TLS: Palette's own policy (one, with its nonce) and
    // Traefik's headers beside it, not fighting it.
    let login = browser
        .get(url("/auth/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let headers = login.headers().clone();
    let csp: Vec<_> = headers.get_all("content-security-policy").iter().collect();
    assert_eq!(csp.len(), 1, "{csp:?}");
    assert!(csp[0].to_str().unwrap().contains("'nonce-"), "{csp:?}");
    assert_eq!(headers.get_all("x-frame-options").iter().count(), 1);
    assert!(headers["permissions-policy"]
        .to_str()
        .unwrap()
        .contains("camera=()"));
    assert!(headers.contains_key("strict-transport-security"));
    let csrf = csrf_of(&login.text().await.unwrap());

    // The dev login through Traefik, with a spoofed X-Forwarded-For that
    // Traefik (the edge) replaces; the Secure cookie (`__Secure-`, since
    // `__Host-` must be `Path=/`) is scoped to the prefix.
    let logged_in = browser
        .post(url("/auth/dev-login"))
        .header("origin", &origin)
        .header("x-forwarded-for", SPOOFED)
        .form(&[("user", "alice"), ("_csrf", &csrf), ("return_to", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(logged_in.status(), 303, "{}", traefik.log());
    let cookie = logged_in.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Secure-palette_session="), "{cookie}");
    assert!(cookie.contains("Path=/palette"), "{cookie}");
    assert_eq!(logged_in.headers()["location"], "/palette/");
    let home = browser.get(url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home
        .text()
        .await
        .unwrap()
        .contains("href=\"/palette/environments/blue\""));

    // The API: a session request that creates an environment, then its
    // job's event stream through Traefik while the job is still open.
    let csrf = {
        let page = browser.get(url("/")).send().await.unwrap();
        csrf_of(&page.text().await.unwrap())
    };
    let created = browser
        .post(url("/api/v1/environments"))
        .header("origin", &origin)
        .header("x-csrf-token", &csrf)
        .json(&json!({
            "name": "teal", "tier": "staging", "purpose": "behind Traefik", "channel": "edge",
            "oidc_issuer": "https://iam.teal.example.com",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 202);
    let job = created.json::<Value>().await.unwrap()["job"]["id"]
        .as_i64()
        .unwrap();
    let events = browser
        .get(url(&format!("/api/v1/jobs/{job}/events")))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let mut body = events.bytes_stream();
    let first = tokio::time::timeout(Duration::from_secs(10), body.next())
        .await
        .expect("the first event arrives while the stream stays open")
        .unwrap()
        .unwrap();
    let first = String::from_utf8_lossy(&first);
    assert!(first.contains("event: job"), "{first}");
    drop(body);

    // Straight to Palette, bypassing Traefik: the same spoofed header from
    // an untrusted peer is ignored.
    let direct = reqwest::Client::builder()
        .local_address(DIRECT)
        .build()
        .unwrap();
    let token = app.demo_ci_token.clone().expect("the demo CI token");
    let bypass = direct
        .post(app.url("/palette/api/v1/environments/blue/lock"))
        .bearer_auth(&token)
        .header("x-forwarded-for", SPOOFED)
        .json(&json!({ "reason": "bypassing Traefik" }))
        .send()
        .await
        .unwrap();
    assert!(
        bypass.status().is_success() || bypass.status() == 403,
        "{}",
        bypass.status()
    );

    // What Palette audited: the client Traefik forwarded, the direct peer,
    // never the spoofed address.
    let audit: Value = browser
        .get(url("/api/v1/audit?limit=200"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = audit["items"].as_array().unwrap();
    let client_of = |actor: &str, action: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["actor"] == actor && e["action"].as_str().unwrap().starts_with(action))
            .map(|e| e["client"].as_str().unwrap_or("(none)").to_owned())
            .collect()
    };
    assert_eq!(client_of("user:alice", "auth.login"), ["127.0.0.2"]);
    assert_eq!(client_of("user:alice", "environment.create"), ["127.0.0.2"]);
    let ci = client_of("user:palette-demo-ci", "environment.")
        .into_iter()
        .chain(client_of("user:palette-demo-ci", "can_"))
        .collect::<Vec<_>>();
    assert_eq!(ci, ["127.0.0.3"], "{audit}");
    assert!(!audit.to_string().contains(SPOOFED), "{audit}");
}
