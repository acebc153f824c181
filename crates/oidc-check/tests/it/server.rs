//! An in-test OpenID Provider: axum on 127.0.0.1 port 0 serving routes that
//! each test can replace (documents, redirects, slow and oversized bodies).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use palette_oidc_check::{CheckOptions, Checker, Report};
use serde_json::Value;

pub const HYDRA_DISCOVERY: &str = include_str!("../fixtures/hydra-discovery.json");
pub const HYDRA_JWKS: &str = include_str!("../fixtures/hydra-jwks.json");
pub const KEYCLOAK_DISCOVERY: &str = include_str!("../fixtures/keycloak-discovery.json");
pub const KEYCLOAK_JWKS: &str = include_str!("../fixtures/keycloak-jwks.json");
pub const RSA1024_JWK: &str = include_str!("../fixtures/rsa1024-jwk.json");

pub const HYDRA_DISCOVERY_PATH: &str = "/hydra/.well-known/openid-configuration";
pub const HYDRA_JWKS_PATH: &str = "/hydra/.well-known/jwks.json";
pub const KEYCLOAK_DISCOVERY_PATH: &str = "/realms/palette/.well-known/openid-configuration";
pub const KEYCLOAK_JWKS_PATH: &str = "/realms/palette/protocol/openid-connect/certs";

/// What one path answers.
#[derive(Clone)]
pub enum Route {
    Body {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
        delay: Duration,
    },
    Redirect(String),
    /// A chunked body that never ends.
    Endless,
}

impl Route {
    pub fn json(value: &Value) -> Self {
        Self::typed("application/json", value.to_string().into_bytes())
    }
    pub fn typed(content_type: &str, body: Vec<u8>) -> Self {
        Route::Body {
            status: 200,
            content_type: Some(content_type.to_owned()),
            body,
            delay: Duration::ZERO,
        }
    }
    pub fn status(status: u16) -> Self {
        Route::Body {
            status,
            content_type: Some("text/plain".into()),
            body: b"no".to_vec(),
            delay: Duration::ZERO,
        }
    }
}

type Routes = Arc<Mutex<HashMap<String, Route>>>;

pub struct TestServer {
    pub base: String,
    routes: Routes,
}

impl TestServer {
    /// Starts a server with the Hydra-like and Keycloak-like providers.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = Self::with_routes(base);
        let app = server.router();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        server
    }

    /// A server object whose routes `router()` serves (for custom listeners).
    pub fn with_routes(base: String) -> Self {
        testkit::init_tracing();
        let server = Self {
            base,
            routes: Arc::default(),
        };
        server.set(
            HYDRA_DISCOVERY_PATH,
            Route::json(&server.fixture(HYDRA_DISCOVERY)),
        );
        server.set(HYDRA_JWKS_PATH, Route::json(&server.fixture(HYDRA_JWKS)));
        let kc = server.fixture(KEYCLOAK_DISCOVERY).to_string().into_bytes();
        server.set(
            KEYCLOAK_DISCOVERY_PATH,
            Route::typed("application/json;charset=UTF-8", kc),
        );
        let kc_jwks = server.fixture(KEYCLOAK_JWKS).to_string().into_bytes();
        server.set(
            KEYCLOAK_JWKS_PATH,
            Route::typed("application/jwk-set+json", kc_jwks),
        );
        server
    }

    pub fn router(&self) -> Router {
        Router::new()
            .fallback(serve)
            .with_state(self.routes.clone())
    }

    /// A fixture with `{{BASE}}` replaced by this server's base URL.
    pub fn fixture(&self, text: &str) -> Value {
        serde_json::from_str(&text.replace("{{BASE}}", &self.base)).unwrap()
    }

    pub fn set(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_owned(), route);
    }

    pub fn hydra_issuer(&self) -> String {
        format!("{}/hydra/", self.base)
    }

    pub fn keycloak_issuer(&self) -> String {
        format!("{}/realms/palette", self.base)
    }

    /// Serves a changed Hydra-like discovery document and JWKS.
    pub fn hydra_with(&self, doc: impl FnOnce(&mut Value), jwks: impl FnOnce(&mut Value)) {
        let mut d = self.fixture(HYDRA_DISCOVERY);
        doc(&mut d);
        self.set(HYDRA_DISCOVERY_PATH, Route::json(&d));
        let mut j = self.fixture(HYDRA_JWKS);
        jwks(&mut j);
        self.set(HYDRA_JWKS_PATH, Route::json(&j));
    }
}

async fn serve(State(routes): State<Routes>, uri: Uri) -> Response {
    let route = routes.lock().unwrap().get(uri.path()).cloned();
    let mut response = Response::builder();
    match route {
        None => response
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("not found")),
        Some(Route::Redirect(to)) => response
            .status(StatusCode::FOUND)
            .header(header::LOCATION, to)
            .body(Body::empty()),
        Some(Route::Endless) => {
            let chunk = Bytes::from(vec![b' '; 64 * 1024]);
            let stream = futures::stream::repeat_with(move || Ok::<_, Infallible>(chunk.clone()));
            response
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(stream))
        }
        Some(Route::Body {
            status,
            content_type,
            body,
            delay,
        }) => {
            tokio::time::sleep(delay).await;
            response = response.status(status);
            if let Some(ct) = content_type {
                response = response.header(header::CONTENT_TYPE, ct);
            }
            response.body(Body::from(body))
        }
    }
    .unwrap()
}

/// Options for the loopback test server: http and private networks allowed.
pub fn local_options() -> CheckOptions {
    CheckOptions {
        allow_http: true,
        allow_private_network: true,
        ..CheckOptions::default()
    }
}

pub async fn check(issuer: &str) -> Report {
    Checker::new(local_options()).unwrap().check(issuer).await
}
