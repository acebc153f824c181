//! Palette's control plane, without a web framework.
//!
//! Every use case is one method on [`Engine`] that validates, authorizes,
//! does its work in one transaction, writes the audit record and enqueues
//! the jobs it needs. The REST API and the Leptos server functions both call
//! these methods and re-implement none of their rules.

pub mod actor;
pub mod demo;
pub mod error;
pub mod queue;
pub mod runner;
pub mod services;
pub mod store;

pub use actor::Actor;
pub use error::Error;
pub use store::{Backend, Store, StoreError};

/// The control plane: one per process, cheap to clone.
#[derive(Clone, Debug)]
pub struct Engine {
    store: Store,
}

impl Engine {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether the engine's dependencies answer; the reason when not.
    pub async fn readiness(&self) -> Result<(), String> {
        self.store.ping().await.map_err(|e| format!("database: {e}"))
    }
}
