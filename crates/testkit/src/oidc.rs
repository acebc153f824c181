//! A real OpenID Provider for tests: `end2end/oidc/provider.mjs` (npm
//! `oidc-provider`, OpenID Certified) started per test on a free loopback
//! port and killed when the handle drops.
//!
//! The provider knows the accounts `alice` (groups `platform-admins`), `bob`
//! (`blue-operators`, `staff`) and `carol`; the clients `palette`
//! (authorization code, `client_secret_basic`), `ci-pipeline` and
//! `ci-unknown` (client credentials) and `palette-introspection` (may
//! introspect every token); every secret is `<client_id>-secret`. Access
//! tokens for [`RESOURCE_JWT`] are JWTs and for [`RESOURCE_OPAQUE`] opaque,
//! both with audience [`AUDIENCE`]; [`RESOURCE_OTHER`] gives JWTs for another
//! audience.
//!
//! Hostile tokens: [`OidcProvider::sign`] asks the script's test-only
//! `POST /test/sign` endpoint to sign arbitrary claims with the provider's own
//! JWKS key (so an expired or wrong-issuer token is otherwise perfectly
//! valid), with a key outside the JWKS, or with HS256 keyed by the public
//! key; [`tamper`] and [`alg_none`] are pure string surgery.
//!
//! Needs `node` on `PATH` and `end2end/node_modules/oidc-provider`
//! (`cd end2end && npm ci`); without them the test panics saying so.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

/// The audience Palette's API accepts in these tests (`PALETTE_API_AUDIENCE`).
pub const AUDIENCE: &str = "palette-api";
/// Resource indicator for JWT access tokens with audience [`AUDIENCE`].
pub const RESOURCE_JWT: &str = "urn:palette:api";
/// Resource indicator for opaque access tokens with audience [`AUDIENCE`].
pub const RESOURCE_OPAQUE: &str = "urn:palette:api:opaque";
/// Resource indicator for JWT access tokens with audience `other-api`.
pub const RESOURCE_OTHER: &str = "urn:other:api";
/// Palette's own client (authorization code flow).
pub const PALETTE_CLIENT: &str = "palette";
/// The client Palette introspects opaque tokens as.
pub const INTROSPECTION_CLIENT: &str = "palette-introspection";

/// Every client's secret.
pub fn secret(client_id: &str) -> String {
    format!("{client_id}-secret")
}

/// Which key `POST /test/sign` signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningKey {
    /// The provider's own key, as published in its JWKS (RS256).
    Provider,
    /// A fresh RSA key that is not in the JWKS, under an unknown `kid`.
    Foreign,
    /// HS256 with the provider's public key (PEM) as the shared secret.
    HmacPublicKey,
}

impl SigningKey {
    fn name(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Foreign => "foreign",
            Self::HmacPublicKey => "hmac-public-key",
        }
    }
}

/// A running provider; the process is killed on drop.
pub struct OidcProvider {
    /// `http://127.0.0.1:<port>`, exactly as in its discovery document.
    pub issuer: String,
    child: Child,
    http: reqwest::Client,
    bases: Vec<String>,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Starts the provider, accepting `palette_base` (e.g.
/// `http://127.0.0.1:41234`) as the redirect and post-logout target of the
/// `palette` client.
pub fn start(palette_base: &str) -> OidcProvider {
    start_with(&[palette_base])
}

/// [`start`] for several Palette base URLs.
pub fn start_with(palette_bases: &[&str]) -> OidcProvider {
    let bases: Vec<String> = palette_bases.iter().map(|b| (*b).to_owned()).collect();
    let (issuer, child) = spawn(0, &bases);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    OidcProvider {
        issuer,
        child,
        http,
        bases,
    }
}

fn spawn(port: u16, palette_bases: &[String]) -> (String, Child) {
    let root = repo_root();
    let script = root.join("end2end/oidc/provider.mjs");
    let module = root.join("end2end/node_modules/oidc-provider/package.json");
    assert!(
        module.exists(),
        "the test OpenID Provider needs the npm package oidc-provider, which is not installed at {}: \
         run `cd end2end && npm ci` (with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 if browsers cannot be downloaded)",
        module.display()
    );
    let mut command = Command::new("node");
    command.arg(&script).args(["--port", &port.to_string()]);
    for base in palette_bases {
        command.args(["--palette", base.as_str()]);
    }
    let mut child = command
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `node {}`: {e}. The test OpenID Provider needs Node.js (20 or later) on PATH, \
                 e.g. `apt-get install nodejs npm`, then `cd end2end && npm ci`",
                script.display()
            )
        });
    let stdout = child.stdout.take().expect("the provider's stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(read.map(|_| line));
    });
    let line = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(line)) if !line.trim().is_empty() => line,
        Ok(Ok(_)) | Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            let status = child.wait().ok();
            panic!("the test OpenID Provider ({}) exited before it listened ({status:?}); see its stderr above", script.display())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let _ = child.kill();
            panic!(
                "the test OpenID Provider ({}) did not print its issuer within 60 s",
                script.display()
            )
        }
    };
    let issuer = serde_json::from_str::<Value>(&line)
        .ok()
        .and_then(|v| v.get("issuer").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| {
            panic!("the test OpenID Provider printed {line:?}, not {{\"issuer\": ...}}")
        });
    (issuer, child)
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OidcProvider {
    /// Stops the provider (its port then refuses connections).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the provider and starts a new one on the same port: the same
    /// issuer and clients, but new signing keys (a key rotation) and no
    /// memory of codes, sessions or tokens.
    pub fn restart(&mut self) {
        self.stop();
        let (issuer, child) = spawn(self.port(), &self.bases);
        assert_eq!(
            issuer, self.issuer,
            "the restarted provider has the same issuer"
        );
        self.child = child;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The issuer's port.
    pub fn port(&self) -> u16 {
        self.issuer
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("the issuer has a port")
    }

    /// A client-credentials access token for `client_id` and `resource`.
    pub async fn client_credentials(&self, client_id: &str, resource: &str) -> String {
        let response = self
            .http
            .post(self.url("/token"))
            .basic_auth(client_id, Some(secret(client_id)))
            .form(&[
                ("grant_type", "client_credentials"),
                ("resource", resource),
                ("scope", "palette"),
            ])
            .send()
            .await
            .expect("the token endpoint answers");
        let status = response.status();
        let body: Value = response.json().await.expect("a JSON token response");
        assert!(
            status.is_success(),
            "client credentials for {client_id} refused: {status} {body}"
        );
        body["access_token"]
            .as_str()
            .expect("an access_token")
            .to_owned()
    }

    /// A JWT access token for Palette's API (audience [`AUDIENCE`]).
    pub async fn jwt_token(&self, client_id: &str) -> String {
        self.client_credentials(client_id, RESOURCE_JWT).await
    }

    /// An opaque access token for Palette's API (audience [`AUDIENCE`]).
    pub async fn opaque_token(&self, client_id: &str) -> String {
        self.client_credentials(client_id, RESOURCE_OPAQUE).await
    }

    /// Revokes `token` (RFC 7009) as the client it was issued to.
    pub async fn revoke(&self, client_id: &str, token: &str) {
        let response = self
            .http
            .post(self.url("/token/revocation"))
            .basic_auth(client_id, Some(secret(client_id)))
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await
            .expect("the revocation endpoint answers");
        assert!(
            response.status().is_success(),
            "revocation refused: {}",
            response.status()
        );
    }

    /// Claims of a valid access token for `subject`, as the provider would
    /// issue them: change a member to make it invalid in one way.
    pub fn claims(&self, subject: &str) -> Value {
        let now = now_secs();
        json!({
            "iss": self.issuer,
            "sub": subject,
            "client_id": subject,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 600,
            "jti": format!("test-{now}-{subject}"),
            "scope": "palette",
        })
    }

    /// A compact JWT over `claims`, signed by the provider script.
    pub async fn sign(&self, claims: &Value, key: SigningKey) -> String {
        let response = self
            .http
            .post(self.url("/test/sign"))
            .json(&json!({ "claims": claims, "key": key.name() }))
            .send()
            .await
            .expect("the test signer answers");
        let status = response.status();
        let text = response.text().await.expect("a token");
        assert!(
            status.is_success(),
            "the test signer refused: {status} {text}"
        );
        text
    }

    /// Signed by the provider's own key, but expired an hour ago.
    pub async fn expired_token(&self, subject: &str) -> String {
        let mut claims = self.claims(subject);
        let now = now_secs();
        claims["iat"] = json!(now - 7200);
        claims["exp"] = json!(now - 3600);
        self.sign(&claims, SigningKey::Provider).await
    }

    /// Signed by the provider's own key, but naming another issuer.
    pub async fn wrong_issuer_token(&self, subject: &str) -> String {
        let mut claims = self.claims(subject);
        claims["iss"] = json!("https://issuer.evil.example");
        self.sign(&claims, SigningKey::Provider).await
    }

    /// Signed by the provider's own key, for another audience.
    pub async fn wrong_audience_token(&self, subject: &str) -> String {
        let mut claims = self.claims(subject);
        claims["aud"] = json!("other-api");
        self.sign(&claims, SigningKey::Provider).await
    }

    /// Valid claims, HS256-signed with the provider's public key as secret.
    pub async fn hmac_public_key_token(&self, subject: &str) -> String {
        self.sign(&self.claims(subject), SigningKey::HmacPublicKey)
            .await
    }

    /// Valid claims, signed by a key that is not in the provider's JWKS.
    pub async fn foreign_key_token(&self, subject: &str) -> String {
        self.sign(&self.claims(subject), SigningKey::Foreign).await
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

fn decode_part(part: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD.decode(part).expect("a base64url JWT part");
    serde_json::from_slice(&bytes).expect("a JSON JWT part")
}

fn encode_part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON"))
}

/// The claims of a compact JWT (unverified).
pub fn claims_of(jwt: &str) -> Value {
    decode_part(jwt.split('.').nth(1).expect("a JWT payload"))
}

/// `jwt` with its payload changed by `edit` and the original signature kept.
pub fn tamper(jwt: &str, edit: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS");
    let mut claims = decode_part(parts[1]);
    edit(&mut claims);
    format!("{}.{}.{}", parts[0], encode_part(&claims), parts[2])
}

/// `jwt` re-headed as `{"alg":"none"}` with an empty signature.
pub fn alg_none(jwt: &str) -> String {
    let payload = jwt.split('.').nth(1).expect("a JWT payload");
    format!(
        "{}.{payload}.",
        encode_part(&json!({ "alg": "none", "typ": "JWT" }))
    )
}

/// A user row as login left it in Palette's `users` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedUser {
    pub kind: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub username: Option<String>,
    pub groups: Vec<String>,
}

/// Reads `subject`'s row from the `users` table of the database at `url`.
pub async fn recorded_user(url: &str, subject: &str) -> Option<RecordedUser> {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("connect to the test database");
    let row = sqlx::query("SELECT kind, email, name, username, groups FROM users WHERE id = $1")
        .bind(subject)
        .fetch_optional(&mut conn)
        .await
        .expect("read the users table")?;
    let groups: String = row.get("groups");
    let user = RecordedUser {
        kind: row.get("kind"),
        email: row.get("email"),
        name: row.get("name"),
        username: row.get("username"),
        groups: serde_json::from_str(&groups).expect("groups are a JSON array"),
    };
    let _ = conn.close().await;
    Some(user)
}

/// The `auth.login` audit events about `user:<subject>`, as (actor, after).
pub async fn login_audit(url: &str, subject: &str) -> Vec<(String, Option<Value>)> {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("connect to the test database");
    let rows = sqlx::query(
        "SELECT actor, after FROM audit_events WHERE action = 'auth.login' AND object = $1 ORDER BY id",
    )
    .bind(format!("user:{subject}"))
    .fetch_all(&mut conn)
    .await
    .expect("read the audit log");
    let events = rows
        .iter()
        .map(|row| {
            let after: Option<String> = row.get("after");
            (
                row.get::<String, _>("actor"),
                after.and_then(|a| serde_json::from_str(&a).ok()),
            )
        })
        .collect();
    let _ = conn.close().await;
    events
}
