//! The OpenFGA server as the authorizer, over its HTTP API. The store and
//! model are bootstrapped at start when not configured by id (a new model
//! version is written when the model in the binary changed).

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
    store_id: String,
    model_id: String,
}

fn map(e: HttpError) -> AuthzError {
    if e.is_unavailable() {
        AuthzError::Unavailable(e.to_string())
    } else {
        AuthzError::Rejected(e.to_string())
    }
}

impl OpenFgaAuthorizer {
    /// Connects and bootstraps the store and model.
    pub async fn connect(config: &OpenFgaConfig) -> Result<Self, AuthzError> {
        let mut client_config = ClientConfig::new(config.url.clone()).with_timeout(config.timeout);
        if let Some(token) = &config.token {
            client_config = client_config.with_token(token.clone());
        }
        let client = OpenFgaClient::new(client_config).map_err(map)?;
        let boot = client
            .bootstrap(
                "palette",
                config.store_id.as_deref(),
                config.model_id.as_deref(),
                PALETTE_MODEL_JSON,
            )
            .await
            .map_err(map)?;
        tracing::info!(store_id = %boot.store_id, model_id = %boot.model_id, model_written = boot.model_written, "OpenFGA ready");
        Ok(Self {
            client,
            store_id: boot.store_id,
            model_id: boot.model_id,
        })
    }

    fn model(&self) -> Option<&str> {
        Some(&self.model_id)
    }

    /// The store Palette's tuples are in (found by name, or created).
    pub fn store_id(&self) -> &str {
        &self.store_id
    }

    /// The model version in use (written only when the model changed).
    pub fn model_id(&self) -> &str {
        &self.model_id
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
            let tuple = Tuple::new(user, relation, object);
            self.client
                .check(&self.store_id, self.model(), &tuple)
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
            self.client
                .batch_check(&self.store_id, self.model(), checks)
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
            self.client
                .list_objects(&self.store_id, self.model(), user, relation, object_type)
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
            self.client
                .list_users(&self.store_id, self.model(), object, relation, user_filter)
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
            // OpenFGA accepts 100 tuples a request by default; within that,
            // writes and deletes go in one request, so they apply together.
            if writes.len() + deletes.len() <= 100 {
                return self
                    .client
                    .write(&self.store_id, self.model(), writes, deletes)
                    .await
                    .map_err(map);
            }
            for chunk in writes.chunks(100) {
                self.client
                    .write(&self.store_id, self.model(), chunk, &[])
                    .await
                    .map_err(map)?;
            }
            for chunk in deletes.chunks(100) {
                self.client
                    .write(&self.store_id, self.model(), &[], chunk)
                    .await
                    .map_err(map)?;
            }
            Ok(())
        }
        .boxed()
    }

    fn read_object<'a>(&'a self, object: &'a str) -> BoxFuture<'a, Result<Vec<Tuple>, AuthzError>> {
        async move {
            let filter = TupleFilter {
                object: Some(object.to_owned()),
                ..TupleFilter::default()
            };
            self.client
                .read(&self.store_id, Some(&filter))
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
            // Read with a user needs the object's type; a bare `type:`
            // matches every object of it.
            let filter = TupleFilter {
                user: Some(user.to_owned()),
                relation: Some(relation.to_owned()),
                object: Some(format!("{object_type}:")),
            };
            self.client
                .read(&self.store_id, Some(&filter))
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
