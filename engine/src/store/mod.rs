//! The repository layer: one set of SQL statements over SQLite (the embedded
//! default) and PostgreSQL, through sqlx's `Any` driver.
//!
//! Statements use `$N` placeholders, which both engines accept, and portable
//! types only: TEXT, 64-bit integers (Unix milliseconds for times) and JSON
//! kept as TEXT. Where the engines differ (row locking, wake-ups) the code
//! asks [`Store::backend`].

pub mod audit;
pub mod environments;
pub mod layer_commands;
pub mod layer_outputs;
pub mod oidc_checks;
pub mod promotions;
pub mod releases;
pub mod sessions;
pub mod settings;
pub mod tuples;
pub mod users;
pub mod webhooks;

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

pub use audit::NewAuditEvent;

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Storage failures. `Conflict` and `NotFound` are expected outcomes the
/// services turn into user-facing errors; the rest are faults.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    #[error("already exists")]
    Conflict,
    #[error("not found")]
    NotFound,
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether the same statement may work if tried again soon: the
    /// database could not be reached, went away, is restarting or was busy.
    /// Constraint violations, bad data and bad SQL are not transient.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Database(e) => is_transient(e),
            _ => false,
        }
    }

    /// Maps a unique-constraint violation to `Conflict`, anything else to `Database`.
    pub(crate) fn from_insert(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict,
            _ => Self::Database(err),
        }
    }
}

/// How long a pooled connection may sit idle before it is pinged on reuse.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// A handle on Palette's database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        // sqlx pings a connection before handing it out by default: one more
        // round trip per statement. A connection that was in use a moment
        // ago is known to work; only one idle for a while (the database may
        // have restarted meanwhile) is pinged, and replaced when that fails.
        let options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(5))
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            });
        let options = match backend {
            Backend::Sqlite => options.max_connections(4).after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            // Palette's statements are all short: JIT compilation never pays
            // for itself, and a claim's estimated cost (its recursive key scan
            // is costed blind) crosses `jit_above_cost` on a large table,
            // adding ~30 ms of compiling to a statement that runs in 0.3 ms.
            Backend::Postgres => options.max_connections(16).after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("SET jit = off").await?;
                    Ok(())
                })
            }),
        };
        let pool = options.connect(url).await?;
        Ok(Self { pool, backend })
    }

    /// Applies the migrations for this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("../migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("../migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Answers whether the database takes a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for the tests' fixtures (`test-support`).
    #[cfg(feature = "test-support")]
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    #[cfg(not(feature = "test-support"))]
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// See [`StoreError::is_transient`].
pub(crate) fn is_transient(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL: connection exceptions (08…), shutting down or
            // starting up (57P01–57P03), too many connections (53300),
            // serialization failures and deadlocks (40001, 40P01).
            // SQLite: busy and locked, with their extended codes.
            code.starts_with("08")
                || matches!(
                    code.as_ref(),
                    "57P01"
                        | "57P02"
                        | "57P03"
                        | "53300"
                        | "40001"
                        | "40P01"
                        | "5"
                        | "6"
                        | "261"
                        | "262"
                        | "517"
                )
        }),
        _ => false,
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(column).map_err(StoreError::Database)
}

fn json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}
