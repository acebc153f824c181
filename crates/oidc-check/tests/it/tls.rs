//! A real https provider (rustls test server, throwaway CA): TLS is verified,
//! `ca_file` extends the roots, and the certificate's expiry is reported.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use palette_oidc_check::Status::{Fail, Pass};
use palette_oidc_check::{CheckOptions, Checker, TLS_CERT_EXPIRY};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::server::TestServer;
use crate::{assert_all_pass, assert_rule};

struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

async fn start_https() -> TestServer {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(include_bytes!("../fixtures/server-cert.pem"))
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../fixtures/server-key.pem")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", tcp.local_addr().unwrap());
    let server = TestServer::with_routes(base);
    let listener = TlsListener {
        tcp,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    };
    let app = server.router();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    server
}

fn test_ca() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/test-ca.pem")
}

#[tokio::test]
async fn https_provider_trusted_through_ca_file_passes_and_reports_certificate_days() {
    let server = start_https().await;
    let checker = Checker::new(CheckOptions {
        allow_private_network: true,
        ca_file: Some(test_ca()),
        ..CheckOptions::default()
    })
    .unwrap();
    let report = checker.check(&server.keycloak_issuer()).await;
    assert_all_pass(&report);
    // notAfter 2126-11-04: about a century away.
    let days = report.cert_days_left.unwrap();
    assert!((30_000..36_600).contains(&days), "{days}");
    assert_rule(
        &report,
        TLS_CERT_EXPIRY,
        Pass,
        &format!("expires in {days} days"),
    );
    assert_eq!(report.rules.last().unwrap().id, TLS_CERT_EXPIRY);
}

#[tokio::test]
async fn https_provider_with_an_untrusted_certificate_fails_discovery_fetch() {
    let server = start_https().await;
    let checker = Checker::new(CheckOptions {
        allow_private_network: true,
        ..CheckOptions::default()
    })
    .unwrap();
    let report = checker.check(&server.keycloak_issuer()).await;
    assert_rule(&report, "discovery-fetch", Fail, "certificate");
    assert_eq!(report.cert_days_left, None);
    assert!(report.rule(TLS_CERT_EXPIRY).is_none());
}
