//! Palette's control plane, without a web framework.
//!
//! Every use case is one method on [`Engine`] that validates, authorizes,
//! does its work in one transaction, writes the audit record and enqueues
//! the jobs it needs. The REST API and the Leptos server functions both call
//! these methods and re-implement none of their rules.

pub mod actor;
pub mod authz;
pub mod demo;
pub mod error;
pub mod oidc;
pub mod queue;
pub mod runner;
pub mod services;
pub mod store;

pub use actor::Actor;
pub use error::Error;
pub use store::{Backend, Store, StoreError};

use std::sync::Arc;

use authz::Authorizer;

/// The control plane: one per process, cheap to clone.
#[derive(Clone, Debug)]
pub struct Engine {
    store: Store,
    authorizer: Arc<dyn Authorizer>,
    simulated_layers: bool,
}

impl Engine {
    /// An engine with the embedded authorizer over the store's tuples.
    pub fn new(store: Store) -> Self {
        let authorizer: Arc<dyn Authorizer> = match authz::embedded::EmbeddedAuthorizer::new(
            store.clone(),
        ) {
            Ok(embedded) => Arc::new(embedded),
            Err(e) => {
                tracing::error!(error = %e, "the embedded authorizer cannot start: denying everything");
                Arc::new(authz::DenyAll(e.to_string()))
            }
        };
        Self {
            store,
            authorizer,
            simulated_layers: false,
        }
    }

    /// An engine with the given authorizer (OpenFGA in production).
    pub fn with_authorizer(store: Store, authorizer: Arc<dyn Authorizer>) -> Self {
        Self {
            store,
            authorizer,
            simulated_layers: false,
        }
    }

    /// Marks layer runs as simulated (the stand-in), so the UI says so.
    #[must_use]
    pub fn with_simulated_layers(mut self, simulated: bool) -> Self {
        self.simulated_layers = simulated;
        self
    }

    /// Whether layers run on the stand-in rather than tofu or terraform.
    pub fn simulated_layers(&self) -> bool {
        self.simulated_layers
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn authorizer(&self) -> &dyn Authorizer {
        self.authorizer.as_ref()
    }

    /// Whether the engine's dependencies answer; the reason when not.
    pub async fn readiness(&self) -> Result<(), String> {
        self.store
            .ping()
            .await
            .map_err(|e| format!("database: {e}"))?;
        self.authorizer
            .ping()
            .await
            .map_err(|e| format!("authorizer ({}): {e}", self.authorizer.kind()))
    }
}
