//! The real OpenFGA server for tests, built from its Go module by
//! `scripts/servers openfga` into `/var/tmp/palette-servers` (or
//! `PALETTE_SERVERS_DIR`). Each [`OpenFga`] is its own process on free
//! loopback ports over its own SQLite datastore, so it can be stopped and
//! started again with its stores, models and tuples intact. Killed on drop.
//!
//! When the binary is missing the test fails with the command that builds
//! it: it never skips.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The version `scripts/servers` builds.
pub const VERSION: &str = "v1.18.1";

/// The OpenFGA binary, or a panic saying how to build it.
pub fn binary() -> PathBuf {
    let dir = std::env::var_os("PALETTE_SERVERS_DIR")
        .map_or_else(|| PathBuf::from("/var/tmp/palette-servers"), PathBuf::from);
    let path = dir.join(format!("openfga-{VERSION}")).join("openfga");
    assert!(
        path.is_file(),
        "the OpenFGA server is not built: run `scripts/servers openfga` (it builds {} from \
         github.com/openfga/openfga {VERSION} with Go)",
        path.display()
    );
    path
}

/// A running OpenFGA server.
pub struct OpenFga {
    /// `http://127.0.0.1:<port>`: the HTTP API.
    pub url: String,
    http_port: u16,
    grpc_port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl OpenFga {
    /// Migrates a fresh datastore and starts the server; returns once
    /// `/healthz` answers.
    pub async fn start() -> Self {
        let bin = binary();
        let dir = tempfile::Builder::new()
            .prefix("palette-openfga")
            .tempdir()
            .expect("a temp dir for OpenFGA");
        let status = Command::new(&bin)
            .args(["migrate", "--datastore-engine", "sqlite", "--datastore-uri"])
            .arg(datastore(&dir))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openfga migrate runs");
        assert!(status.success(), "openfga migrate failed: {status}");
        let http_port = crate::free_port();
        let mut server = Self {
            url: format!("http://127.0.0.1:{http_port}"),
            http_port,
            grpc_port: crate::free_port(),
            dir,
            child: None,
        };
        server.run().await;
        server
    }

    async fn run(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("openfga.log"))
            .expect("the OpenFGA log file");
        let child = Command::new(binary())
            .args(["run", "--datastore-engine", "sqlite", "--datastore-uri"])
            .arg(datastore(&self.dir))
            .args([
                "--http-addr",
                &format!("127.0.0.1:{}", self.http_port),
                "--grpc-addr",
                &format!("127.0.0.1:{}", self.grpc_port),
                "--metrics-enabled=false",
                "--playground-enabled=false",
                "--log-level=warn",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("openfga run starts");
        self.child = Some(child);
        let http = reqwest::Client::new();
        let start = Instant::now();
        loop {
            let healthy = http
                .get(format!("{}/healthz", self.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "OpenFGA did not become healthy within 30 s; its log: {}",
                std::fs::read_to_string(self.dir.path().join("openfga.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills the server (its data stays); requests now fail to connect.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the stopped server again on the same ports and data.
    pub async fn start_again(&mut self) {
        assert!(self.child.is_none(), "OpenFGA is already running");
        self.run().await;
    }
}

fn datastore(dir: &tempfile::TempDir) -> String {
    format!("file:{}", dir.path().join("openfga.db").display())
}

impl Drop for OpenFga {
    fn drop(&mut self) {
        self.stop();
    }
}
