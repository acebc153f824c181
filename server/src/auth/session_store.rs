//! tower-sessions' store over Palette's own database (SQLite or PostgreSQL),
//! through the engine's repository layer.

use async_trait::async_trait;
use engine::store::{now_ms, sessions};
use engine::Store;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    store: Store,
}

impl DbSessionStore {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn expires_ms(record: &Record) -> i64 {
    record.expiry_date.unix_timestamp().saturating_mul(1000)
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let data = serde_json::to_string(&record.data).map_err(backend)?;
            let id = record.id.to_string();
            if sessions::insert(self.store.pool(), &id, &data, expires_ms(record))
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            // A collision of 128-bit random ids: draw again.
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(backend)?;
        sessions::upsert(
            self.store.pool(),
            &record.id.to_string(),
            &data,
            expires_ms(record),
        )
        .await
        .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some((data, expires_at)) = sessions::load(self.store.pool(), &id.to_string(), now_ms())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(expires_at / 1000)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sessions::delete(self.store.pool(), &id.to_string())
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sessions::delete_expired(self.store.pool(), now_ms())
            .await
            .map(drop)
            .map_err(backend)
    }
}
