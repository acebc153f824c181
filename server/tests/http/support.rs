use std::net::SocketAddr;

use server::{Config, ServeOptions, Server};
use testkit::TestDatabase;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub engine: engine::Engine,
    _db: TestDatabase,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }
}

/// Starts Palette on 127.0.0.1:0 over `db`, with demo data when asked.
pub async fn spawn_app(db: TestDatabase, demo: bool) -> TestApp {
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(db.url.clone().into()),
        ..Config::default()
    };
    let server = Server::build(&config, &ServeOptions { demo }).await.expect("server starts");
    let addr = server.local_addr().unwrap();
    let engine = server.engine().clone();
    tokio::spawn(server.run(std::future::pending()));
    TestApp { addr, client: reqwest::Client::new(), engine, _db: db }
}
