//! Who is asking.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The principal behind a request, in OpenFGA's `type:id` form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// `user:<sub>` for people and clients, `system:<component>` for Palette itself.
    pub principal: String,
    /// The request that carried the action, for the audit log.
    pub request_id: Option<String>,
    /// The client's address (the peer's, or the one a trusted proxy
    /// forwarded), for the audit log.
    pub client: Option<String>,
}

impl Actor {
    pub fn user(subject: &str) -> Self {
        Self {
            principal: format!("user:{subject}"),
            request_id: None,
            client: None,
        }
    }

    pub fn system(component: &str) -> Self {
        Self {
            principal: format!("system:{component}"),
            request_id: None,
            client: None,
        }
    }

    pub fn anonymous() -> Self {
        Self {
            principal: "anonymous".to_owned(),
            request_id: None,
            client: None,
        }
    }

    /// Palette itself (demo seeding, the scheduler): trusted, never from HTTP,
    /// where every principal is `user:<sub>`.
    pub fn is_system(&self) -> bool {
        self.principal.starts_with("system:")
    }

    pub fn is_anonymous(&self) -> bool {
        self.principal == "anonymous"
    }

    #[must_use]
    pub fn with_client(mut self, client: Option<String>) -> Self {
        self.client = client;
        self
    }

    #[must_use]
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.principal)
    }
}
