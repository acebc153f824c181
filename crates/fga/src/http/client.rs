//! [`OpenFgaClient`]: configuration, request plumbing and error mapping,
//! and the store and model endpoints.

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::wire::*;
use super::{ClientConfig, HttpError};
use crate::model::AuthorizationModel;

/// A client of one OpenFGA server.
#[derive(Debug, Clone)]
pub struct OpenFgaClient {
    http: reqwest::Client,
    config: ClientConfig,
}

impl OpenFgaClient {
    pub fn new(config: ClientConfig) -> Result<Self, HttpError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| HttpError::Config(e.to_string()))?;
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        reqwest::Url::parse(&base_url)
            .map_err(|e| HttpError::Config(format!("{base_url}: {e}")))?;
        Ok(Self {
            http,
            config: ClientConfig { base_url, ..config },
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// `POST /stores`
    pub async fn create_store(&self, name: &str) -> Result<Store, HttpError> {
        let body = CreateStoreRequest {
            name: name.to_owned(),
        };
        self.send(Method::POST, "/stores", Some(&body)).await
    }

    /// `GET /stores`, following pagination.
    pub async fn list_stores(&self) -> Result<Vec<Store>, HttpError> {
        let mut stores = Vec::new();
        let mut token = String::new();
        loop {
            let query = [("page_size", "100"), ("continuation_token", token.as_str())];
            let query = if token.is_empty() {
                &query[..1]
            } else {
                &query[..]
            };
            let page: ListStoresResponse = self.get("/stores", query).await?;
            stores.extend(page.stores);
            if page.continuation_token.is_empty() || page.continuation_token == token {
                return Ok(stores);
            }
            token = page.continuation_token;
        }
    }

    /// The first store named `name`, if any.
    pub async fn find_store(&self, name: &str) -> Result<Option<Store>, HttpError> {
        Ok(self
            .list_stores()
            .await?
            .into_iter()
            .find(|s| s.name == name))
    }

    /// `POST /stores/{store_id}/authorization-models`; returns the new model id.
    pub async fn write_model(
        &self,
        store_id: &str,
        model: &AuthorizationModel,
    ) -> Result<String, HttpError> {
        let body = AuthorizationModel {
            id: None,
            ..model.clone()
        };
        let path = format!("/stores/{store_id}/authorization-models");
        let r: WriteModelResponse = self.send(Method::POST, &path, Some(&body)).await?;
        Ok(r.authorization_model_id)
    }

    /// `GET /stores/{store_id}/authorization-models?page_size=1`: the latest model.
    pub async fn latest_model(
        &self,
        store_id: &str,
    ) -> Result<Option<AuthorizationModel>, HttpError> {
        let path = format!("/stores/{store_id}/authorization-models");
        let r: ReadModelsResponse = self.get(&path, &[("page_size", "1")]).await?;
        Ok(r.authorization_models.into_iter().next())
    }

    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, HttpError> {
        self.request(Method::GET, path, query, None::<&()>).await
    }

    pub(super) async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, HttpError> {
        self.request(method, path, &[], body).await
    }

    async fn request<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<T, HttpError> {
        let url = format!("{}{path}", self.config.base_url);
        let mut req = self.http.request(method.clone(), &url).query(query);
        if let Some(token) = &self.config.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        tracing::debug!(%method, %url, "openfga request");
        let resp = req.send().await.map_err(|e| unavailable(&url, &e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| unavailable(&url, &e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| HttpError::InvalidResponse(format!("{method} {path}: {e}")));
        }
        let err: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(HttpError::Unavailable(format!(
                "{method} {path}: HTTP {status}: {}",
                err.message
            )));
        }
        Err(HttpError::Rejected {
            status: status.as_u16(),
            code: err.code,
            message: err.message,
        })
    }
}

fn unavailable(url: &str, e: &reqwest::Error) -> HttpError {
    let what = if e.is_timeout() {
        "timed out"
    } else {
        "failed"
    };
    HttpError::Unavailable(format!("{url}: request {what}: {e}"))
}
