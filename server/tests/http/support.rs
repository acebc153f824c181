use std::net::SocketAddr;

use server::{Config, ServeOptions, Server};
use testkit::TestDatabase;

pub struct TestApp {
    pub addr: SocketAddr,
    /// The metrics listener, when the test's configuration has one.
    pub metrics_addr: Option<SocketAddr>,
    /// A browser-like client: cookies kept, redirects not followed.
    pub client: reqwest::Client,
    pub engine: engine::Engine,
    /// The demo CI principal's bearer token, with `demo`.
    pub demo_ci_token: Option<String>,
    _db: Option<TestDatabase>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `/metrics` on the metrics listener.
    pub fn metrics_url(&self) -> String {
        let addr = self.metrics_addr.expect("a metrics listener");
        format!("http://{addr}/metrics")
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .expect("request")
    }

    /// The anti-CSRF token of this client's session (starting one if needed).
    /// Once logged in, the login page redirects: the home page's forms carry
    /// the token then.
    pub async fn csrf(&self) -> String {
        let marker = "name=\"_csrf\" value=\"";
        for path in ["/auth/login", "/"] {
            let html = self.get(path).await.text().await.expect("a page");
            if let Some(start) = html.find(marker).map(|i| i + marker.len()) {
                return html[start..].split('"').next().expect("token").to_owned();
            }
        }
        panic!("no _csrf field on the login page nor on the home page");
    }

    /// Logs in through the dev login as one of its seeded users.
    pub async fn login_dev(&self, user: &str) {
        let csrf = self.csrf().await;
        let response = self
            .client
            .post(self.url("/auth/dev-login"))
            .header("origin", self.origin())
            .form(&[("user", user), ("_csrf", &csrf), ("return_to", "/")])
            .send()
            .await
            .expect("dev login");
        assert_eq!(response.status(), 303, "dev login redirects home");
    }
}

/// Starts Palette on 127.0.0.1:0 over `db` with the dev login, with demo
/// data when asked. Its tracing output shows with `TEST_LOG=1`.
pub async fn spawn_app(db: TestDatabase, demo: bool) -> TestApp {
    spawn_app_with(db, demo, |_| {}).await
}

/// [`spawn_app`] with the configuration changed by `adjust` first.
pub async fn spawn_app_with(
    db: TestDatabase,
    demo: bool,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(db.url.clone().into()),
        dev_login: true,
        ..Config::default()
    };
    adjust(&mut config);
    let mut app = spawn_app_on(&config, demo).await;
    app._db = Some(db);
    app
}

/// Starts Palette as `config` says (its database included), without workers.
pub async fn spawn_app_on(config: &Config, demo: bool) -> TestApp {
    testkit::init_tracing();
    let server = Server::build(
        config,
        &ServeOptions {
            demo,
            workers: false,
        },
    )
    .await
    .expect("server starts");
    let addr = server.local_addr().unwrap();
    let metrics_addr = server.metrics_addr();
    let engine = server.engine().clone();
    let demo_ci_token = server.demo_ci_token().map(str::to_owned);
    tokio::spawn(server.run(std::future::pending()));
    let client = spawn_client();
    TestApp {
        addr,
        metrics_addr,
        client,
        engine,
        demo_ci_token,
        _db: None,
    }
}

/// A browser-like client: cookies kept, redirects not followed.
pub fn spawn_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
