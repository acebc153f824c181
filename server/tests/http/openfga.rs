//! Palette on the real OpenFGA server (`PALETTE_OPENFGA_URL`): it finds or
//! creates its store at start, pages and the API answer through it, and
//! when OpenFGA goes down `/readyz` says so (a status only) and requests are refused with a
//! clear 503, until it is back, without restarting Palette.

use server::config::OpenFgaSettings;
use server::{Config, ServeOptions, Server};
use testkit::openfga::OpenFga;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_and_requests_follow_openfga_down_and_up_again() {
    testkit::init_tracing();
    let mut fga = OpenFga::start().await;
    let db = testkit::sqlite();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(db.url.clone().into()),
        dev_login: true,
        openfga: Some(OpenFgaSettings {
            url: fga.url.clone(),
            store_id: None,
            model_id: None,
            token: None,
            timeout_ms: 1000,
        }),
        ..Config::default()
    };
    let options = ServeOptions {
        demo: true,
        workers: false,
    };
    let server = Server::build(&config, &options).await.unwrap();
    let base = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Log in as the dev login's alice (platform-admins, granted by the
    // demo through OpenFGA).
    let login = http
        .get(format!("{base}/auth/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let start = login.find(marker).unwrap() + marker.len();
    let csrf = login[start..].split('"').next().unwrap().to_owned();
    let done = http
        .post(format!("{base}/auth/dev-login"))
        .header("origin", &base)
        .form(&[("user", "alice"), ("_csrf", &csrf), ("return_to", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);

    let environments = || async {
        let r = http
            .get(format!("{base}/api/v1/environments"))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json::<serde_json::Value>().await.unwrap())
    };
    let ready = || async {
        let r = http.get(format!("{base}/readyz")).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json::<serde_json::Value>().await.unwrap())
    };
    assert_eq!(ready().await.0, 200);
    let (status, body) = environments().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(4), "{body}");

    fga.stop();
    let (status, body) = ready().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, serde_json::json!({ "status": "unavailable" }));
    let (status, body) = environments().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");

    fga.start_again().await;
    assert_eq!(ready().await.0, 200);
    let (status, body) = environments().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(4), "{body}");
}
