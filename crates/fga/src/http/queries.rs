//! The data-plane endpoints: check, batch-check, list-objects, list-users,
//! write and read.

use reqwest::Method;

use super::wire::*;
use super::{HttpError, OpenFgaClient};
use crate::tuple::{ObjectRef, Tuple};

/// OpenFGA's default limit of checks in one batch-check request.
pub const MAX_CHECKS_PER_BATCH: usize = 50;
const READ_PAGE_SIZE: u32 = 100;

impl OpenFgaClient {
    /// `POST /stores/{store_id}/check`
    pub async fn check(
        &self,
        store_id: &str,
        model_id: Option<&str>,
        tuple: &Tuple,
    ) -> Result<bool, HttpError> {
        let body = CheckRequest {
            tuple_key: tuple.clone(),
            authorization_model_id: model_id.map(str::to_owned),
        };
        let path = format!("/stores/{store_id}/check");
        let r: CheckResponse = self.send(Method::POST, &path, Some(&body)).await?;
        Ok(r.allowed)
    }

    /// `POST /stores/{store_id}/batch-check`, in requests of at most
    /// [`MAX_CHECKS_PER_BATCH`]. One result per input, in order; a check the
    /// server answered with an error is a `Rejected` error for that item.
    pub async fn batch_check(
        &self,
        store_id: &str,
        model_id: Option<&str>,
        checks: &[Tuple],
    ) -> Result<Vec<Result<bool, HttpError>>, HttpError> {
        let path = format!("/stores/{store_id}/batch-check");
        let mut results = Vec::with_capacity(checks.len());
        for chunk in checks.chunks(MAX_CHECKS_PER_BATCH) {
            let body = BatchCheckRequest {
                checks: chunk
                    .iter()
                    .enumerate()
                    .map(|(i, t)| BatchCheckItem {
                        tuple_key: t.clone(),
                        correlation_id: format!("c{i}"),
                    })
                    .collect(),
                authorization_model_id: model_id.map(str::to_owned),
            };
            let mut r: BatchCheckResponse = self.send(Method::POST, &path, Some(&body)).await?;
            for i in 0..chunk.len() {
                results.push(batch_item(r.result.remove(&format!("c{i}"))));
            }
        }
        Ok(results)
    }

    /// `POST /stores/{store_id}/list-objects`; objects as `type:id`.
    pub async fn list_objects(
        &self,
        store_id: &str,
        model_id: Option<&str>,
        user: &str,
        relation: &str,
        object_type: &str,
    ) -> Result<Vec<String>, HttpError> {
        let body = ListObjectsRequest {
            object_type: object_type.to_owned(),
            relation: relation.to_owned(),
            user: user.to_owned(),
            authorization_model_id: model_id.map(str::to_owned),
        };
        let path = format!("/stores/{store_id}/list-objects");
        let r: ListObjectsResponse = self.send(Method::POST, &path, Some(&body)).await?;
        Ok(r.objects)
    }

    /// `POST /stores/{store_id}/list-users`; `user_filter` is `user` or
    /// `group#member`; users come back as `user:anne`, `user:*`,
    /// `group:sre#member`.
    pub async fn list_users(
        &self,
        store_id: &str,
        model_id: Option<&str>,
        object: &str,
        relation: &str,
        user_filter: &str,
    ) -> Result<Vec<String>, HttpError> {
        let o = ObjectRef::parse(object).map_err(HttpError::InvalidInput)?;
        let filter = match user_filter.split_once('#') {
            Some((t, r)) => UserTypeFilter {
                user_type: t.to_owned(),
                relation: Some(r.to_owned()),
            },
            None => UserTypeFilter {
                user_type: user_filter.to_owned(),
                relation: None,
            },
        };
        let body = ListUsersRequest {
            object: FgaObject {
                object_type: o.object_type.to_owned(),
                id: o.id.to_owned(),
            },
            relation: relation.to_owned(),
            user_filters: vec![filter],
            authorization_model_id: model_id.map(str::to_owned),
        };
        let path = format!("/stores/{store_id}/list-users");
        let r: ListUsersResponse = self.send(Method::POST, &path, Some(&body)).await?;
        r.users
            .iter()
            .map(|u| {
                u.to_user_string()
                    .ok_or_else(|| HttpError::InvalidResponse(format!("list-users entry {u:?}")))
            })
            .collect()
    }

    /// `POST /stores/{store_id}/write`: writes and deletes in one transaction
    /// (OpenFGA allows 100 tuples per request by default). Idempotent:
    /// writing a tuple that exists or deleting one that does not is a no-op,
    /// so a retried or repeated write (bootstrap at every start) succeeds.
    pub async fn write(
        &self,
        store_id: &str,
        model_id: Option<&str>,
        writes: &[Tuple],
        deletes: &[Tuple],
    ) -> Result<(), HttpError> {
        let ignore = || Some("ignore".to_owned());
        let body = WriteRequest {
            writes: (!writes.is_empty()).then(|| WriteTuples {
                tuple_keys: writes.to_vec(),
                on_duplicate: ignore(),
            }),
            deletes: (!deletes.is_empty()).then(|| DeleteTuples {
                tuple_keys: deletes.to_vec(),
                on_missing: ignore(),
            }),
            authorization_model_id: model_id.map(str::to_owned),
        };
        if body.writes.is_none() && body.deletes.is_none() {
            return Ok(());
        }
        let path = format!("/stores/{store_id}/write");
        let _: serde_json::Value = self.send(Method::POST, &path, Some(&body)).await?;
        Ok(())
    }

    /// `POST /stores/{store_id}/read`, following continuation tokens.
    pub async fn read(
        &self,
        store_id: &str,
        filter: Option<&TupleFilter>,
    ) -> Result<Vec<Tuple>, HttpError> {
        let path = format!("/stores/{store_id}/read");
        let mut tuples = Vec::new();
        let mut token = String::new();
        loop {
            let body = ReadRequest {
                tuple_key: filter.cloned(),
                page_size: Some(READ_PAGE_SIZE),
                continuation_token: token.clone(),
            };
            let page: ReadResponse = self.send(Method::POST, &path, Some(&body)).await?;
            tuples.extend(page.tuples.into_iter().map(|t| t.key));
            if page.continuation_token.is_empty() || page.continuation_token == token {
                return Ok(tuples);
            }
            token = page.continuation_token;
        }
    }
}

fn batch_item(item: Option<BatchCheckResult>) -> Result<bool, HttpError> {
    match item {
        Some(BatchCheckResult {
            allowed: _,
            error: Some(e),
        }) => Err(HttpError::Rejected {
            status: 200,
            code: "batch_check_item".into(),
            message: e.to_string(),
        }),
        Some(BatchCheckResult {
            allowed,
            error: None,
        }) => Ok(allowed.unwrap_or(false)),
        None => Err(HttpError::InvalidResponse(
            "batch-check result missing an item".into(),
        )),
    }
}
