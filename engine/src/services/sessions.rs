//! Browser sessions as the web layer keeps them: opaque JSON records with an
//! expiry, in Palette's own database. Not a use case (nothing to authorize):
//! the server's session store reads and writes them through [`Sessions`], so
//! it never touches the store itself.

use crate::store::{now_ms, sessions, Store};
use crate::{Engine, Error};

/// A stored session: its data (opaque JSON) and when it expires (Unix ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub data: String,
    pub expires_at_ms: i64,
}

/// The sessions table; cheap to clone.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: Store,
}

impl Engine {
    /// A handle on the browser sessions.
    pub fn sessions(&self) -> Sessions {
        Sessions {
            store: self.store().clone(),
        }
    }
}

impl Sessions {
    /// Stores a new session; false when the id is taken.
    pub async fn create(&self, id: &str, session: &StoredSession) -> Result<bool, Error> {
        Ok(sessions::insert(self.store.pool(), id, &session.data, session.expires_at_ms).await?)
    }

    /// Stores the session, replacing what the id held.
    pub async fn save(&self, id: &str, session: &StoredSession) -> Result<(), Error> {
        Ok(sessions::upsert(self.store.pool(), id, &session.data, session.expires_at_ms).await?)
    }

    /// The session unless it is missing or has expired.
    pub async fn load(&self, id: &str) -> Result<Option<StoredSession>, Error> {
        let found = sessions::load(self.store.pool(), id, now_ms()).await?;
        Ok(found.map(|(data, expires_at_ms)| StoredSession {
            data,
            expires_at_ms,
        }))
    }

    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        Ok(sessions::delete(self.store.pool(), id).await?)
    }

    /// Removes every expired session; returns how many.
    pub async fn sweep_expired(&self) -> Result<u64, Error> {
        Ok(sessions::delete_expired(self.store.pool(), now_ms()).await?)
    }
}
