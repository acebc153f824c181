//! Databases for tests: a fresh SQLite file or a fresh PostgreSQL database
//! per test.
//!
//! PostgreSQL comes from `TEST_DATABASE_URL` (an admin URL; each test creates
//! its own database there) or, when that is unset, from a throwaway cluster
//! this process starts once: `initdb --auth=trust` as the `postgres` user into
//! a temp dir and `postgres` on a free loopback port with `fsync=off`. A
//! watchdog stops the cluster and removes its files when the test process
//! exits. When PostgreSQL cannot be started the test fails, loudly: it never
//! skips.
//!
//! [`init_tracing`] shows the code's tracing output in tests when `TEST_LOG`
//! is set; [`contract_test!`] calls it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod hydra;
pub mod oidc;
pub mod openfga;
mod pg;
pub mod s3;
mod standin;
mod telemetry;
pub mod terraform;
pub mod traefik;

pub use pg::Cluster as PgCluster;
pub use standin::standin;

pub use telemetry::{init_tracing, DEFAULT_FILTER};

use sqlx::{Connection, Executor};

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A new, empty SQLite database file.
pub fn sqlite() -> TestDatabase {
    let dir = tempfile::Builder::new()
        .prefix("palette-sqlite")
        .tempdir()
        .expect("create a temp dir for SQLite");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("palette.db").display()
    );
    TestDatabase {
        url,
        _dir: Some(dir),
    }
}

/// A new, empty PostgreSQL database.
pub async fn postgres() -> TestDatabase {
    let admin = pg::admin_url();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("connect to the test PostgreSQL at {admin}: {e}"));
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap_or_else(|e| panic!("create test database {name}: {e}"));
    let _ = conn.close().await;
    TestDatabase {
        url: pg::with_database(&admin, &name),
        _dir: None,
    }
}

/// The admin URL of the test cluster (starting it if needed), for tests that
/// need a second connection of their own.
pub fn postgres_admin_url() -> String {
    pg::admin_url()
}

/// Runs the same async test body against SQLite and PostgreSQL, with
/// [`init_tracing`].
///
/// ```text
/// contract_test!(creating_twice_conflicts, |db: TestDatabase| async move { ... });
/// ```
#[macro_export]
macro_rules! contract_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::init_tracing();
                let db = $crate::sqlite();
                ($body)(db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::init_tracing();
                let db = $crate::postgres().await;
                ($body)(db).await;
            }
        }
    };
}

/// A loopback port that was free a moment ago, for a server a test starts
/// (OpenFGA, Hydra, Traefik, PostgreSQL) or must name before it starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
