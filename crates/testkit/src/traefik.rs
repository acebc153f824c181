//! The real Traefik for tests, built from its Go module by
//! `scripts/servers traefik` into `/var/tmp/palette-servers` (or
//! `PALETTE_SERVERS_DIR`). Each [`Traefik`] is its own process with a
//! generated static file (no version check, no anonymous usage, one
//! explicit loopback entry point: nothing on :80 or :8080) and a dynamic
//! file for the file provider: `deploy/traefik/dynamic.yml`, on
//! `Host(localhost) && PathPrefix(/palette)` to one Palette), serving a certificate signed by a CA
//! this test made with the `openssl` CLI. Killed on drop.
//!
//! When the binary is missing the test fails with the command that builds
//! it: it never skips.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The version `scripts/servers` builds.
pub const VERSION: &str = "v3.6.12";

/// The path prefix `deploy/traefik/dynamic.yml` routes: the Palette behind
/// it must be started with it as `PALETTE_PATH_PREFIX`.
pub const PATH_PREFIX: &str = "/palette";

/// The Traefik binary, or a panic saying how to build it.
pub fn binary() -> PathBuf {
    let dir = std::env::var_os("PALETTE_SERVERS_DIR")
        .map_or_else(|| PathBuf::from("/var/tmp/palette-servers"), PathBuf::from);
    let path = dir.join(format!("traefik-{VERSION}")).join("traefik");
    assert!(
        path.is_file(),
        "Traefik is not built: run `scripts/servers traefik` (it builds {} from \
         github.com/traefik/traefik {VERSION} with Go)",
        path.display()
    );
    path
}

/// A CA made for one test and a certificate it signed for `localhost` and
/// 127.0.0.1.
pub struct TestCa {
    /// The CA certificate (PEM), for clients to trust.
    pub ca_pem: Vec<u8>,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the openssl CLI runs (apt-get install openssl)");
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

impl TestCa {
    /// Writes `ca.pem`, `server.pem` and `server.key` into `dir`.
    pub fn make(dir: &Path) -> Self {
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Palette test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(dir, &ca);
        let mut csr = vec!["req"];
        csr.extend(ec);
        csr.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        openssl(dir, &csr);
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write the certificate's extensions");
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
        );
        Self {
            ca_pem: std::fs::read(dir.join("ca.pem")).expect("read ca.pem"),
            cert_file: dir.join("server.pem"),
            key_file: dir.join("server.key"),
        }
    }
}

/// A running Traefik in front of one Palette.
pub struct Traefik {
    /// `https://localhost:<port>`: the origin.
    pub origin: String,
    /// `https://localhost:<port>/palette`: Palette through Traefik.
    pub url: String,
    pub ca: TestCa,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Traefik {
    /// Starts Traefik on `127.0.0.1:<port>` (TLS only) forwarding
    /// [`PATH_PREFIX`] to `palette`, and returns once Palette's `/healthz`
    /// answers through it.
    pub async fn start(port: u16, palette: SocketAddr) -> Self {
        let bin = binary();
        let dir = tempfile::Builder::new()
            .prefix("palette-traefik")
            .tempdir()
            .expect("a temp dir for Traefik");
        let ca = TestCa::make(dir.path());
        let dynamic = dir.path().join("dynamic.yml");
        std::fs::write(&dynamic, dynamic_config(palette, &ca)).expect("write dynamic.yml");
        let static_file = dir.path().join("traefik.yml");
        std::fs::write(&static_file, static_config(port, &dynamic)).expect("write traefik.yml");
        let log = std::fs::File::create(dir.path().join("traefik.log")).expect("the Traefik log");
        let child = Command::new(bin)
            .arg(format!("--configFile={}", static_file.display()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the Traefik log"))
            .stderr(log)
            .spawn()
            .expect("traefik starts");
        let traefik = Self {
            origin: format!("https://localhost:{port}"),
            url: format!("https://localhost:{port}{PATH_PREFIX}"),
            ca,
            dir,
            child: Some(child),
        };
        traefik.wait_until_routed().await;
        traefik
    }

    /// A client that trusts the test CA, without cookies or redirects.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let root = reqwest::Certificate::from_pem(&self.ca.ca_pem).expect("the test CA parses");
        reqwest::Client::builder()
            .add_root_certificate(root)
            .redirect(reqwest::redirect::Policy::none())
    }

    /// What Traefik logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("traefik.log")).unwrap_or_default()
    }

    async fn wait_until_routed(&self) {
        let client = self.client_builder().build().expect("an HTTPS client");
        let start = Instant::now();
        loop {
            let routed = client
                .get(format!("{}/healthz", self.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if routed {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "Traefik did not route to Palette within 30 s; its log: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Traefik {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The static configuration: `deploy/traefik/traefik.yml` with a loopback
/// entry point on `port` and the file provider on `dynamic`.
fn static_config(port: u16, dynamic: &Path) -> String {
    format!(
        "global:\n  checkNewVersion: false\n  sendAnonymousUsage: false\n\
         entryPoints:\n  websecure:\n    address: \"127.0.0.1:{port}\"\n\
         \x20   http:\n      tls: {{}}\n\
         providers:\n  file:\n    filename: \"{}\"\n    watch: false\n\
         log:\n  level: INFO\n",
        dynamic.display()
    )
}

/// `deploy/traefik/dynamic.yml` itself, with its example host, upstream
/// and certificate paths replaced by `localhost`, `palette` and the test
/// CA's certificate. A replacement that finds nothing fails: the test runs
/// the shipped file, not a copy that could drift from it.
fn dynamic_config(palette: SocketAddr, ca: &TestCa) -> String {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/traefik/dynamic.yml");
    let mut text = std::fs::read_to_string(&shipped)
        .unwrap_or_else(|e| panic!("read {}: {e}", shipped.display()));
    let replacements = [
        (
            "Host(`palette.example.com`) && PathPrefix(`/palette`)",
            format!("Host(`localhost`) && PathPrefix(`{PATH_PREFIX}`)"),
        ),
        ("http://palette:3000", format!("http://{palette}")),
        (
            "/etc/traefik/certs/palette.crt",
            ca.cert_file.display().to_string(),
        ),
        (
            "/etc/traefik/certs/palette.key",
            ca.key_file.display().to_string(),
        ),
    ];
    for (from, to) in replacements {
        assert!(
            text.contains(from),
            "{} no longer has {from:?}: update testkit::traefik",
            shipped.display()
        );
        text = text.replace(from, &to);
    }
    text
}
