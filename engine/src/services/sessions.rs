//! Browser sessions as the web layer keeps them: opaque JSON records with an
//! expiry and the subject whose login they hold, in Palette's own database.
//! The server's session store reads and writes them through [`Sessions`]
//! (nothing to authorize: it never touches the store itself); ending a
//! person's sessions is a use case, [`Engine::end_sessions`].

use domain::access::Subject;
use domain::user::SessionsEnded;

use crate::authz::Action;
use crate::store::{audit, now_ms, sessions, settings, NewAuditEvent, Store};

/// The `settings` key of [`Sessions::signing_key`].
const SIGNING_KEY: &str = "sessions.signing_key";
use crate::{Actor, Engine, Error};

/// A stored session: its data (opaque JSON), when it expires (Unix ms), and
/// the OIDC subject of the login it holds (none while nobody is logged in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub data: String,
    pub expires_at_ms: i64,
    pub subject: Option<String>,
}

impl StoredSession {
    fn row(&self) -> sessions::Row<'_> {
        sessions::Row {
            data: &self.data,
            expires_at: self.expires_at_ms,
            subject: self.subject.as_deref(),
        }
    }
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
        Ok(sessions::insert(self.store.pool(), id, &session.row()).await?)
    }

    /// Stores the session, replacing what the id held.
    pub async fn save(&self, id: &str, session: &StoredSession) -> Result<(), Error> {
        Ok(sessions::upsert(self.store.pool(), id, &session.row()).await?)
    }

    /// The session unless it is missing or has expired.
    pub async fn load(&self, id: &str) -> Result<Option<StoredSession>, Error> {
        let found = sessions::load(self.store.pool(), id, now_ms()).await?;
        Ok(found.map(|(data, expires_at_ms, subject)| StoredSession {
            data,
            expires_at_ms,
            subject,
        }))
    }

    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        Ok(sessions::delete(self.store.pool(), id).await?)
    }

    /// The key that signs what a browser holds before it has a session (the
    /// anonymous anti-CSRF token), the same for every process on this
    /// database: the stored one, else `candidate`, stored now.
    pub async fn signing_key(&self, candidate: &str) -> Result<String, Error> {
        let pool = self.store.pool();
        settings::insert_once(pool, SIGNING_KEY, candidate).await?;
        settings::get(pool, SIGNING_KEY)
            .await?
            .ok_or_else(|| Error::Internal("the session signing key vanished".into()))
    }

    /// Removes every expired session; returns how many.
    pub async fn sweep_expired(&self) -> Result<u64, Error> {
        Ok(sessions::delete_expired(self.store.pool(), now_ms()).await?)
    }
}

impl Engine {
    /// Ends every browser session of the person `subject` (their OIDC
    /// subject, without `user:`): anyone may end their own ("log out
    /// everywhere"), platform admins anyone's. Audited as `sessions.end`,
    /// also when there was none to end.
    pub async fn end_sessions(&self, actor: &Actor, subject: &str) -> Result<SessionsEnded, Error> {
        let principal = Subject::parse(&format!("user:{subject}")).map_err(|_| {
            Error::invalid(domain::ValidationError::new(
                "subject",
                "must be a subject: 1 to 128 letters, digits, . _ @ -",
            ))
        })?;
        if actor.principal != principal.as_str() {
            self.authorize(actor, Action::ManageUsers).await?;
        }
        let ended = sessions::delete_of_subject(self.store().pool(), subject).await?;
        audit::append(
            self.store().pool(),
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action: "sessions.end",
                object: principal.as_str(),
                allowed: true,
                reason: None,
                before: None,
                after: Some(serde_json::json!({ "ended": ended })),
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        Ok(SessionsEnded {
            subject: subject.to_owned(),
            ended,
        })
    }
}
