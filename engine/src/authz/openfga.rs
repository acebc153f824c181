//! The OpenFGA server as the authorizer, over its HTTP API. The store and
//! model are bootstrapped when not configured by id (a new model version is
//! written when the model in the binary changed).
//!
//! Bootstrapping happens at the first request that needs OpenFGA, and again
//! at the next one while OpenFGA does not answer (at most once a second):
//! Palette starts with OpenFGA down, is not ready and denies with "the
//! authorizer is unavailable" until it answers, then recovers without a
//! restart.

use futures::future::BoxFuture;
use futures::FutureExt;
use palette_fga::http::wire::TupleFilter;
use palette_fga::http::{ClientConfig, HttpError, OpenFgaClient};
use palette_fga::{Tuple, PALETTE_MODEL_JSON};

use super::{Authorizer, AuthzError};

/// Where the OpenFGA server is and which store and model to use.
#[derive(Debug, Clone)]
pub struct OpenFgaConfig {
    pub url: String,
    pub store_id: Option<String>,
    pub model_id: Option<String>,
    pub token: Option<String>,
    pub timeout: std::time::Duration,
}

#[derive(Debug)]
pub struct OpenFgaAuthorizer {
    client: OpenFgaClient,
    store_id: Option<String>,
    model_id: Option<String>,
    boot: tokio::sync::OnceCell<Boot>,
    /// When the last bootstrap failed, and why: answered again, without
    /// asking OpenFGA, for a second.
    failed: std::sync::Mutex<Option<(std::time::Instant, AuthzError)>>,
}

/// The store and model in use, once bootstrapped.
#[derive(Debug)]
struct Boot {
    store_id: String,
    model_id: String,
}

impl Boot {
    fn model(&self) -> Option<&str> {
        Some(&self.model_id)
    }
}

/// How long a failed bootstrap is answered from memory.
const RETRY_BOOT_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

fn map(e: HttpError) -> AuthzError {
    if e.is_unavailable() {
        AuthzError::Unavailable(e.to_string())
    } else {
        AuthzError::Rejected(e.to_string())
    }
}

impl OpenFgaAuthorizer {
    /// Connects and bootstraps the store and model; fails when OpenFGA
    /// does not answer.
    pub async fn connect(config: &OpenFgaConfig) -> Result<Self, AuthzError> {
        let authorizer = Self::lazy(config)?;
        authorizer.ready().await?;
        Ok(authorizer)
    }

    /// The authorizer without talking to OpenFGA yet (the configuration is
    /// checked): it bootstraps at the first request that needs it.
    pub fn lazy(config: &OpenFgaConfig) -> Result<Self, AuthzError> {
        let mut client_config = ClientConfig::new(config.url.clone()).with_timeout(config.timeout);
        if let Some(token) = &config.token {
            client_config = client_config.with_token(token.clone());
        }
        let client = OpenFgaClient::new(client_config).map_err(map)?;
        Ok(Self {
            client,
            store_id: config.store_id.clone(),
            model_id: config.model_id.clone(),
            boot: tokio::sync::OnceCell::new(),
            failed: std::sync::Mutex::new(None),
        })
    }

    /// Bootstraps the store and model unless done; a failure is remembered
    /// for a second, so that an outage does not make every request wait.
    pub async fn ready(&self) -> Result<(), AuthzError> {
        self.boot().await.map(drop)
    }

    async fn boot(&self) -> Result<&Boot, AuthzError> {
        if let Some(boot) = self.boot.get() {
            return Ok(boot);
        }
        if let Ok(failed) = self.failed.lock() {
            if let Some((at, why)) = failed.as_ref() {
                if at.elapsed() < RETRY_BOOT_AFTER {
                    return Err(why.clone());
                }
            }
        }
        let booted: Result<&Boot, AuthzError> = self
            .boot
            .get_or_try_init(|| async {
                let boot = self
                    .client
                    .bootstrap(
                        "palette",
                        self.store_id.as_deref(),
                        self.model_id.as_deref(),
                        PALETTE_MODEL_JSON,
                    )
                    .await
                    .map_err(map)?;
                tracing::info!(store_id = %boot.store_id, model_id = %boot.model_id, model_written = boot.model_written, "OpenFGA ready");
                Ok(Boot {
                    store_id: boot.store_id,
                    model_id: boot.model_id,
                })
            })
            .await;
        if let Err(e) = &booted {
            if let Ok(mut failed) = self.failed.lock() {
                *failed = Some((std::time::Instant::now(), e.clone()));
            }
        }
        booted
    }

    /// The store Palette's tuples are in (found by name, or created), once
    /// bootstrapped.
    pub fn store_id(&self) -> Option<&str> {
        self.boot.get().map(|b| b.store_id.as_str())
    }

    /// The model version in use (written only when the model changed), once
    /// bootstrapped.
    pub fn model_id(&self) -> Option<&str> {
        self.boot.get().map(|b| b.model_id.as_str())
    }
}

impl Authorizer for OpenFgaAuthorizer {
    fn check<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object: &'a str,
    ) -> BoxFuture<'a, Result<bool, AuthzError>> {
        async move {
            let boot = self.boot().await?;
            let tuple = Tuple::new(user, relation, object);
            self.client
                .check(&boot.store_id, boot.model(), &tuple)
                .await
                .map_err(map)
        }
        .boxed()
    }

    fn batch_check<'a>(
        &'a self,
        checks: &'a [Tuple],
    ) -> BoxFuture<'a, Result<Vec<bool>, AuthzError>> {
        async move {
            let boot = self.boot().await?;
            self.client
                .batch_check(&boot.store_id, boot.model(), checks)
                .await
                .map_err(map)?
                .into_iter()
                .map(|r| r.map_err(map))
                .collect()
        }
        .boxed()
    }

    fn list_objects<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object_type: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AuthzError>> {
        async move {
            let boot = self.boot().await?;
            self.client
                .list_objects(&boot.store_id, boot.model(), user, relation, object_type)
                .await
                .map_err(map)
        }
        .boxed()
    }

    fn list_users<'a>(
        &'a self,
        object: &'a str,
        relation: &'a str,
        user_filter: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AuthzError>> {
        async move {
            let boot = self.boot().await?;
            self.client
                .list_users(&boot.store_id, boot.model(), object, relation, user_filter)
                .await
                .map_err(map)
        }
        .boxed()
    }

    fn explain<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, AuthzError>> {
        // OpenFGA's Expand API returns a tree, not a path; report the check.
        async move {
            let allowed = self.check(user, relation, object).await?;
            Ok(allowed.then(|| format!("{object}#{relation} ← {user} (granted by OpenFGA; ask its Expand API for the tree)")))
        }
        .boxed()
    }

    fn write<'a>(
        &'a self,
        writes: &'a [Tuple],
        deletes: &'a [Tuple],
    ) -> BoxFuture<'a, Result<(), AuthzError>> {
        async move {
            let boot = self.boot().await?;
            // OpenFGA accepts 100 tuples a request by default; within that,
            // writes and deletes go in one request, so they apply together.
            if writes.len() + deletes.len() <= 100 {
                return self
                    .client
                    .write(&boot.store_id, boot.model(), writes, deletes)
                    .await
                    .map_err(map);
            }
            for chunk in writes.chunks(100) {
                self.client
                    .write(&boot.store_id, boot.model(), chunk, &[])
                    .await
                    .map_err(map)?;
            }
            for chunk in deletes.chunks(100) {
                self.client
                    .write(&boot.store_id, boot.model(), &[], chunk)
                    .await
                    .map_err(map)?;
            }
            Ok(())
        }
        .boxed()
    }

    fn read_object<'a>(&'a self, object: &'a str) -> BoxFuture<'a, Result<Vec<Tuple>, AuthzError>> {
        async move {
            let boot = self.boot().await?;
            let filter = TupleFilter {
                object: Some(object.to_owned()),
                ..TupleFilter::default()
            };
            self.client
                .read(&boot.store_id, Some(&filter))
                .await
                .map_err(map)
        }
        .boxed()
    }

    fn read_user<'a>(
        &'a self,
        user: &'a str,
        relation: &'a str,
        object_type: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Tuple>, AuthzError>> {
        async move {
            let boot = self.boot().await?;
            // Read with a user needs the object's type; a bare `type:`
            // matches every object of it.
            let filter = TupleFilter {
                user: Some(user.to_owned()),
                relation: Some(relation.to_owned()),
                object: Some(format!("{object_type}:")),
            };
            self.client
                .read(&boot.store_id, Some(&filter))
                .await
                .map_err(map)
        }
        .boxed()
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), AuthzError>> {
        async move {
            self.check("user:palette-readiness", "viewer", "platform:default")
                .await
                .map(drop)
        }
        .boxed()
    }

    fn kind(&self) -> &'static str {
        "openfga"
    }
}
