//! tower-sessions' store over Palette's own database (SQLite or PostgreSQL),
//! through the engine's [`Sessions`].

use async_trait::async_trait;
use engine::services::sessions::{Sessions, StoredSession};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use super::USER_KEY;

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    sessions: Sessions,
}

impl DbSessionStore {
    pub fn new(sessions: Sessions) -> Self {
        Self { sessions }
    }
}

/// A backend failure with its causes (an engine `internal error` alone
/// would say nothing in tower-sessions' log line).
fn backend(err: impl std::error::Error) -> session_store::Error {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    session_store::Error::Backend(text)
}

/// The record as stored, with the subject of the login it holds (so that
/// a person's sessions can be ended together).
fn stored(record: &Record) -> session_store::Result<StoredSession> {
    let subject = record
        .data
        .get(USER_KEY)
        .and_then(|user| user.get("subject"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    Ok(StoredSession {
        data: serde_json::to_string(&record.data).map_err(backend)?,
        expires_at_ms: record.expiry_date.unix_timestamp().saturating_mul(1000),
        subject,
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let session = stored(record)?;
            if self
                .sessions
                .create(&record.id.to_string(), &session)
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
        self.sessions
            .save(&record.id.to_string(), &stored(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(session) = self.sessions.load(&id.to_string()).await.map_err(backend)? else {
            return Ok(None);
        };
        let data = serde_json::from_str(&session.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(session.expires_at_ms / 1000)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.sessions.delete(&id.to_string()).await.map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.sessions
            .sweep_expired()
            .await
            .map(drop)
            .map_err(backend)
    }
}
