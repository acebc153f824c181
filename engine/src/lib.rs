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
pub mod notify;
pub mod oidc;
pub mod promotion;
pub mod queue;
pub mod runner;
pub mod services;
// The repository layer is the engine's own: outside it, only the opaque
// `Store` handle (connect, migrate) is public. The integration tests of
// this crate and the server's reach inside with the `test-support` feature
// (their dev-dependencies turn it on); no build of the server does.
#[cfg(feature = "test-support")]
pub mod store;
#[cfg(not(feature = "test-support"))]
pub(crate) mod store;

pub use actor::Actor;
pub use error::Error;
pub use store::{Backend, Store, StoreError};

use std::sync::Arc;

use authz::Authorizer;
use runner::Blueprint;

/// The control plane: one per process, cheap to clone.
#[derive(Clone, Debug)]
pub struct Engine {
    store: Store,
    authorizer: Arc<dyn Authorizer>,
    blueprint: Arc<Blueprint>,
    simulated_layers: bool,
}

/// The write-up's layers; empty only if the shipped default were invalid
/// (a test proves it is not).
fn default_blueprint() -> Arc<Blueprint> {
    Arc::new(Blueprint::default_blueprint().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the default blueprint is invalid");
        Blueprint::empty()
    }))
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
            blueprint: default_blueprint(),
            simulated_layers: false,
        }
    }

    /// An engine with the given authorizer (OpenFGA in production).
    pub fn with_authorizer(store: Store, authorizer: Arc<dyn Authorizer>) -> Self {
        Self {
            store,
            authorizer,
            blueprint: default_blueprint(),
            simulated_layers: false,
        }
    }

    /// Builds environments from `blueprint` (configuration) instead of the
    /// write-up's layers.
    #[must_use]
    pub fn with_blueprint(mut self, blueprint: Blueprint) -> Self {
        self.blueprint = Arc::new(blueprint);
        self
    }

    /// The layers environments are built from, validated.
    pub fn blueprint(&self) -> &Blueprint {
        &self.blueprint
    }

    /// The blueprint's layers, each after those it depends on.
    pub fn layers(&self) -> Vec<domain::Layer> {
        self.blueprint
            .order()
            .iter()
            .map(|l| domain::Layer {
                name: l.name.clone(),
                depends_on: l.depends_on.clone(),
                applications: l.applications.clone(),
            })
            .collect()
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

    /// The database handle, for the tests' fixtures (`test-support`).
    #[cfg(feature = "test-support")]
    pub fn store(&self) -> &Store {
        &self.store
    }

    #[cfg(not(feature = "test-support"))]
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub fn authorizer(&self) -> &dyn Authorizer {
        self.authorizer.as_ref()
    }

    /// The authorizer, to share with the job workers.
    pub fn shared_authorizer(&self) -> Arc<dyn Authorizer> {
        Arc::clone(&self.authorizer)
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
