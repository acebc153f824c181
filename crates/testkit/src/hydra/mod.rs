//! The real Ory Hydra for tests, built from its Go module by
//! `scripts/servers hydra` into `/var/tmp/palette-servers` (or
//! `PALETTE_SERVERS_DIR`), with a small login/consent/logout app of our own
//! in this process.
//!
//! Each [`Hydra`] is `hydra serve all --dev --sqa-opt-out` over `DSN=memory`
//! (its clients, sessions and keys die with the process) on free loopback
//! ports, with a low PBKDF2 iteration count so client secrets hash fast and
//! pre-made signing keys so that it generates none.
//! [`AccessTokens`] picks Hydra's default opaque access tokens or JWTs
//! (`STRATEGIES_ACCESS_TOKEN=jwt`). Killed on drop.
//!
//! The login app knows the accounts in [`ACCOUNTS`] (as the `oidc-provider`
//! script does): its login page is a form asking for a user name; it
//! accepts the login challenge with that subject over Hydra's admin API,
//! the consent challenge with the requested scopes and audience and the
//! account's `name`, `email`, `preferred_username` and `groups` in
//! `session.id_token` (and `groups` in `session.access_token`), and every
//! logout challenge, remembering whose ([`Hydra::logouts`]).
//!
//! When the binary is missing the test fails with the command that builds
//! it: it never skips.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod flows;
mod login_app;

/// The version `scripts/servers` builds.
pub const VERSION: &str = "v2.3.0";
/// The audience Palette's API accepts in these tests (`PALETTE_API_AUDIENCE`).
pub const AUDIENCE: &str = "palette-api";
/// Palette's own client (authorization code flow).
pub const PALETTE_CLIENT: &str = "palette";
/// The scopes Palette's client may ask for.
pub const PALETTE_SCOPES: &str = "openid profile email groups offline_access";

/// Every client's secret.
pub fn secret(client_id: &str) -> String {
    format!("{client_id}-secret")
}

/// Someone the login app can log in.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    pub subject: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub groups: &'static [&'static str],
}

/// `alice` is a platform admin (through her group), `bob` an operator,
/// `carol` in no group.
pub const ACCOUNTS: &[Account] = &[
    Account {
        subject: "alice",
        name: "Alice Admin",
        email: "alice@example.com",
        groups: &["platform-admins"],
    },
    Account {
        subject: "bob",
        name: "Bob Operator",
        email: "bob@example.com",
        groups: &["blue-operators", "staff"],
    },
    Account {
        subject: "carol",
        name: "Carol Viewer",
        email: "carol@example.com",
        groups: &[],
    },
];

pub(crate) fn account(subject: &str) -> Option<&'static Account> {
    ACCOUNTS.iter().find(|a| a.subject == subject)
}

/// Signing keys for Hydra's ID tokens (`hydra.openid.id-token`) and JWT
/// access tokens (`hydra.jwt.access-token`): RSA 2048, RS256. TEST KEYS
/// ONLY: they are public in this repository (made once with Node's
/// `crypto.generateKeyPairSync`), so nothing they sign means anything
/// outside these tests.
const KEYS: &str = include_str!("keys.json");

/// Which access tokens Hydra issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessTokens {
    /// Hydra's default: opaque `ory_at_…` tokens, checked by introspection.
    Opaque,
    /// JWTs signed with a key in Hydra's JWKS.
    Jwt,
}

/// The Hydra binary, or a panic saying how to build it.
pub fn binary() -> PathBuf {
    let dir = std::env::var_os("PALETTE_SERVERS_DIR")
        .map_or_else(|| PathBuf::from("/var/tmp/palette-servers"), PathBuf::from);
    let path = dir.join(format!("hydra-{VERSION}")).join("hydra");
    assert!(
        path.is_file(),
        "Ory Hydra is not built: run `scripts/servers hydra` (it builds {} from \
         github.com/ory/hydra/v2 {VERSION} with Go; about 10 minutes cold)",
        path.display()
    );
    path
}

/// A running Hydra and its login/consent app.
pub struct Hydra {
    /// Hydra's issuer (its public URL), exactly as in its discovery document.
    pub issuer: String,
    /// The admin API, e.g. `http://127.0.0.1:<port>` (no authentication).
    pub admin: String,
    /// The login/consent/logout app, e.g. `http://127.0.0.1:<port>`.
    pub login_app: String,
    http: reqwest::Client,
    logouts: Arc<Mutex<Vec<String>>>,
    app: tokio::task::JoinHandle<()>,
    child: Child,
    dir: tempfile::TempDir,
}

impl Hydra {
    /// Starts Hydra and the login app; returns once `/health/ready` answers.
    pub async fn start(tokens: AccessTokens) -> Self {
        crate::init_tracing();
        let bin = binary();
        let dir = tempfile::Builder::new()
            .prefix("palette-hydra")
            .tempdir()
            .expect("a temp dir for Hydra's log");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the login app");
        let login_app = format!(
            "http://{}",
            listener.local_addr().expect("the login app's address")
        );
        let (public, admin_port) = (crate::free_port(), crate::free_port());
        let issuer = format!("http://127.0.0.1:{public}");
        let admin = format!("http://127.0.0.1:{admin_port}");
        let log = std::fs::File::create(dir.path().join("hydra.log")).expect("Hydra's log file");
        let strategy = match tokens {
            AccessTokens::Opaque => "opaque",
            AccessTokens::Jwt => "jwt",
        };
        let child = Command::new(&bin)
            .args(["serve", "all", "--dev", "--sqa-opt-out"])
            .env("DSN", "memory")
            .env("SERVE_PUBLIC_HOST", "127.0.0.1")
            .env("SERVE_PUBLIC_PORT", public.to_string())
            .env("SERVE_ADMIN_HOST", "127.0.0.1")
            .env("SERVE_ADMIN_PORT", admin_port.to_string())
            .env("URLS_SELF_ISSUER", &issuer)
            .env("URLS_LOGIN", format!("{login_app}/login"))
            .env("URLS_CONSENT", format!("{login_app}/consent"))
            .env("URLS_LOGOUT", format!("{login_app}/logout"))
            .env("SECRETS_SYSTEM", "palette-tests-hydra-system-secret")
            .env("OAUTH2_HASHERS_PBKDF2_ITERATIONS", "1")
            .env("STRATEGIES_ACCESS_TOKEN", strategy)
            .env("LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        let logouts = Arc::new(Mutex::new(Vec::new()));
        let app = tokio::spawn(login_app::serve(
            listener,
            admin.clone(),
            http.clone(),
            logouts.clone(),
        ));
        let hydra = Self {
            issuer,
            admin,
            login_app,
            http,
            logouts,
            app,
            child,
            dir,
        };
        hydra.wait_until_ready().await;
        hydra.install_keys().await;
        hydra
    }

    /// Hydra would generate its signing keys (RSA 4096) on first use, which
    /// takes several seconds on a busy machine: give it [`KEYS`] instead.
    async fn install_keys(&self) {
        let sets: serde_json::Map<String, Value> =
            serde_json::from_str(KEYS).expect("hydra/keys.json is a JSON object");
        for (set, keys) in sets {
            let response = self
                .http
                .put(format!("{}/admin/keys/{set}", self.admin))
                .json(&keys)
                .send()
                .await
                .expect("Hydra's admin API answers");
            assert!(
                response.status().is_success(),
                "Hydra refused the {set} keys: {}",
                response.status()
            );
        }
    }

    async fn wait_until_ready(&self) {
        let start = Instant::now();
        loop {
            let ready = self
                .http
                .get(format!("{}/health/ready", self.admin))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "Hydra did not become ready within 30 s; its log: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What Hydra wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("hydra.log")).unwrap_or_default()
    }

    /// `<issuer><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The admin API's introspection endpoint (Hydra does not advertise one).
    pub fn introspection_url(&self) -> String {
        format!("{}/admin/oauth2/introspect", self.admin)
    }

    /// Creates an OAuth 2.0 client over the admin API (`POST /admin/clients`).
    pub async fn create_client(&self, client: &Value) -> Value {
        let response = self
            .http
            .post(format!("{}/admin/clients", self.admin))
            .json(client)
            .send()
            .await
            .expect("Hydra's admin API answers");
        let status = response.status();
        let body: Value = response.json().await.expect("a JSON client");
        assert!(status.is_success(), "client refused: {status} {body}");
        body
    }

    /// Palette's client [`PALETTE_CLIENT`]: authorization code (and refresh
    /// tokens with `offline_access`), `client_secret_basic`, redirected to
    /// `<palette_base>/auth/callback` and back to `<palette_base>/` after
    /// logout.
    pub async fn create_palette_client(&self, palette_base: &str) {
        self.create_client(&json!({
            "client_id": PALETTE_CLIENT,
            "client_secret": secret(PALETTE_CLIENT),
            "client_name": "Palette",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": PALETTE_SCOPES,
            "redirect_uris": [format!("{palette_base}/auth/callback")],
            "post_logout_redirect_uris": [format!("{palette_base}/")],
            "token_endpoint_auth_method": "client_secret_basic",
        }))
        .await;
    }

    /// A client-credentials client allowed to ask for [`AUDIENCE`].
    pub async fn create_machine_client(&self, client_id: &str) {
        self.create_client(&json!({
            "client_id": client_id,
            "client_secret": secret(client_id),
            "grant_types": ["client_credentials"],
            "audience": [AUDIENCE],
            "token_endpoint_auth_method": "client_secret_basic",
        }))
        .await;
    }

    /// The subjects whose logout the logout app accepted, in order.
    pub fn logouts(&self) -> Vec<String> {
        self.logouts.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Hydra {
    fn drop(&mut self) {
        self.app.abort();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
