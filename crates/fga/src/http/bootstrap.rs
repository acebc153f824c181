//! Finding or creating the store and keeping its model in step with the
//! model compiled into the binary.

use super::{HttpError, OpenFgaClient};
use crate::model::AuthorizationModel;

/// The store and model to use, and what bootstrap had to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrap {
    pub store_id: String,
    pub model_id: String,
    pub store_created: bool,
    pub model_written: bool,
}

impl OpenFgaClient {
    /// Resolves the store and model to use:
    /// - store: `store_id` when given, else the store named `store_name`,
    ///   created if missing;
    /// - model: `model_id` when given (used as is), else the store's latest
    ///   model when it is semantically the same as `model_json`, else a new
    ///   model version written from `model_json`.
    pub async fn bootstrap(
        &self,
        store_name: &str,
        store_id: Option<&str>,
        model_id: Option<&str>,
        model_json: &str,
    ) -> Result<Bootstrap, HttpError> {
        let model = AuthorizationModel::from_json(model_json).map_err(HttpError::Model)?;
        let (store_id, store_created) = match store_id {
            Some(id) => (id.to_owned(), false),
            None => match self.find_store(store_name).await? {
                Some(store) => (store.id, false),
                None => {
                    let store = self.create_store(store_name).await?;
                    tracing::info!(store_id = %store.id, store_name, "created OpenFGA store");
                    (store.id, true)
                }
            },
        };
        if let Some(model_id) = model_id {
            return Ok(Bootstrap {
                store_id,
                model_id: model_id.to_owned(),
                store_created,
                model_written: false,
            });
        }
        let latest = self.latest_model(&store_id).await?;
        if let Some(latest) = latest.filter(|m| m.same_definition(&model)) {
            let model_id = latest.id.ok_or_else(|| {
                HttpError::InvalidResponse("latest authorization model has no id".into())
            })?;
            return Ok(Bootstrap {
                store_id,
                model_id,
                store_created,
                model_written: false,
            });
        }
        let model_id = self.write_model(&store_id, &model).await?;
        tracing::info!(%store_id, %model_id, "wrote OpenFGA authorization model");
        Ok(Bootstrap {
            store_id,
            model_id,
            store_created,
            model_written: true,
        })
    }
}
