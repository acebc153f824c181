//! Promotions: list, preview, open, review and move one along; an
//! environment's policy, deployment history and holds. Each function calls
//! one engine method and returns the domain's types, the same the REST
//! API's `/promotions` routes answer; the engine decides everything.
//!
//! The state-changing ones are plain form posts too: without JavaScript a
//! success goes to the page that shows the result, a refusal back to the
//! form's page with the reason (and what was typed).

// `EnvironmentReleases` and `OpenPromotion` are also the names of the
// server functions' argument types: those two are named by path.
use domain::{
    Page, PolicyForm, Promotion, PromotionDetail, PromotionId, PromotionPolicy, PromotionPreview,
    PromotionQuery,
};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::UiError;

#[cfg(feature = "ssr")]
use super::environments::env_name;
#[cfg(feature = "ssr")]
use super::form_return::land;

/// How many promotions a page of the list holds.
pub const PAGE: i64 = 25;

/// The page of promotion `id`.
#[cfg(feature = "ssr")]
fn promotion_page(id: i64) -> String {
    format!("/promotions/{id}")
}

/// The page of environment `name`; the overview when it names none.
#[cfg(feature = "ssr")]
fn environment_page(name: &str) -> String {
    domain::EnvironmentName::parse(name)
        .map_or_else(|_| "/".to_owned(), |env| format!("/environments/{env}"))
}

/// Promotions into (or out of) environments the caller may view, newest
/// first, filtered as `GET /api/v1/promotions` filters.
#[server(prefix = "/_fn", endpoint = "list_promotions", input = GetUrl)]
pub async fn list_promotions(
    #[server(default)] query: PromotionQuery,
) -> Result<Page<Promotion, PromotionId>, UiError> {
    let engine = super::context::engine()?;
    Ok(engine.promotions(&super::context::actor(), &query).await?)
}

/// What opening a promotion of `applications` (none: every one that
/// differs) from `source` into `target` would do.
#[server(prefix = "/_fn", endpoint = "preview_promotion", input = GetUrl)]
pub async fn preview_promotion(
    source: String,
    target: String,
    #[server(default)] applications: Vec<String>,
) -> Result<PromotionPreview, UiError> {
    let engine = super::context::engine()?;
    let request = domain::OpenPromotion {
        source,
        target,
        applications,
        acknowledge: false,
    };
    Ok(engine
        .preview_promotion(&super::context::actor(), &request)
        .await?)
}

/// Opens a promotion and goes to its page; `acknowledge` (a ticked
/// checkbox) goes on despite channel warnings.
#[server(prefix = "/_fn", endpoint = "open_promotion")]
pub async fn open_promotion(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    source: String,
    target: String,
    #[server(default)] applications: Vec<String>,
    #[server(default)] acknowledge: Option<String>,
) -> Result<Promotion, UiError> {
    let request = domain::OpenPromotion {
        source,
        target,
        applications,
        acknowledge: acknowledge.is_some(),
    };
    let opened = async {
        let engine = super::context::engine()?;
        Ok::<_, UiError>(
            engine
                .open_promotion(&super::context::actor(), &request)
                .await?,
        )
    }
    .await;
    match opened {
        Ok(promotion) => {
            leptos_axum::redirect(&crate::base::prefixed(&promotion_page(promotion.id.0)));
            Ok(promotion)
        }
        Err(error) => {
            let mut typed = vec![
                ("source", request.source.as_str()),
                ("target", request.target.as_str()),
            ];
            typed.extend(
                request
                    .applications
                    .iter()
                    .map(|a| ("applications", a.as_str())),
            );
            if request.acknowledge {
                typed.push(("acknowledge", "on"));
            }
            super::form_return::back_to_form("/promotions", &typed, "/_fn/open_promotion", &error);
            Err(error)
        }
    }
}

/// A promotion with everything a reviewer needs, and what the caller may
/// do with it now.
#[server(prefix = "/_fn", endpoint = "get_promotion", input = GetUrl)]
pub async fn get_promotion(id: i64) -> Result<PromotionDetail, UiError> {
    let engine = super::context::engine()?;
    Ok(engine
        .promotion(&super::context::actor(), PromotionId(id))
        .await?)
}

/// Approves the current plan, with an optional comment.
#[server(prefix = "/_fn", endpoint = "approve_promotion")]
pub async fn approve_promotion(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    id: i64,
    #[server(default)] comment: String,
) -> Result<Promotion, UiError> {
    let decided = async {
        let engine = super::context::engine()?;
        let request = domain::DecisionRequest {
            comment: comment.clone(),
        };
        Ok(engine
            .approve_promotion(&super::context::actor(), PromotionId(id), &request)
            .await?)
    }
    .await;
    let typed = [("approve_comment", comment.as_str())];
    land(
        decided,
        &promotion_page(id),
        "/_fn/approve_promotion",
        &typed,
    )
}

/// Rejects the promotion; the comment says why.
#[server(prefix = "/_fn", endpoint = "reject_promotion")]
pub async fn reject_promotion(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    id: i64,
    #[server(default)] comment: String,
) -> Result<Promotion, UiError> {
    let decided = async {
        let engine = super::context::engine()?;
        let request = domain::DecisionRequest {
            comment: comment.clone(),
        };
        Ok(engine
            .reject_promotion(&super::context::actor(), PromotionId(id), &request)
            .await?)
    }
    .await;
    let typed = [("reject_comment", comment.as_str())];
    land(
        decided,
        &promotion_page(id),
        "/_fn/reject_promotion",
        &typed,
    )
}

/// One move of a promotion that takes nothing but its id: a server
/// function calling the engine method of the same name.
macro_rules! promotion_move {
    ($(#[$meta:meta])* $name:ident, $endpoint:literal) => {
        $(#[$meta])*
        #[server(prefix = "/_fn", endpoint = $endpoint)]
        pub async fn $name(
            // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
            #[server(default)] _csrf: String,
            id: i64,
        ) -> Result<Promotion, UiError> {
            let moved = async {
                let engine = super::context::engine()?;
                Ok(engine.$name(&super::context::actor(), PromotionId(id)).await?)
            }
            .await;
            land(moved, &promotion_page(id), concat!("/_fn/", $endpoint), &[])
        }
    };
}

promotion_move!(
    /// Cancels a promotion in any state that is not final.
    cancel_promotion,
    "cancel_promotion"
);
promotion_move!(
    /// Accepts a promotion awaiting a decision, without verification.
    accept_promotion,
    "accept_promotion"
);
promotion_move!(
    /// Rolls the target back to its last verified revisions.
    rollback_promotion,
    "rollback_promotion"
);
promotion_move!(
    /// Plans again a promotion whose plan went stale; approvals are voided.
    replan_promotion,
    "replan_promotion"
);
promotion_move!(
    /// Runs the verification again.
    reverify_promotion,
    "reverify_promotion"
);

/// An environment's promotion side: policy, deployment history and holds,
/// and whether the caller may change the policy or lift holds.
#[server(prefix = "/_fn", endpoint = "environment_releases", input = GetUrl)]
pub async fn environment_releases(name: String) -> Result<domain::EnvironmentReleases, UiError> {
    let engine = super::context::engine()?;
    Ok(engine
        .environment_releases(&super::context::actor(), &env_name(&name)?)
        .await?)
}

/// Changes the promotion policy of `name` from the policy form
/// (`policy[required_approvals]`, `policy[auto_rollback]`, …,
/// `policy[auto_deploy]`, `policy[upstream]`).
#[server(prefix = "/_fn", endpoint = "set_promotion_policy")]
pub async fn set_promotion_policy(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    name: String,
    #[server(default)] policy: PolicyForm,
) -> Result<PromotionPolicy, UiError> {
    let set = async {
        let env = env_name(&name)?;
        let parsed = policy.parse()?;
        let engine = super::context::engine()?;
        Ok(engine
            .set_promotion_policy(&super::context::actor(), &env, &parsed)
            .await?)
    }
    .await;
    let typed = [
        ("required_approvals", policy.required_approvals.as_str()),
        (
            "auto_rollback",
            if policy.auto_rollback.is_some() {
                "on"
            } else {
                "off"
            },
        ),
        ("verify_passes", policy.verify_passes.as_str()),
        ("verify_interval_secs", policy.verify_interval_secs.as_str()),
        ("verify_window_secs", policy.verify_window_secs.as_str()),
        (
            "auto_deploy",
            if policy.auto_deploy.is_some() {
                "on"
            } else {
                "off"
            },
        ),
        ("upstream", policy.upstream.as_str()),
    ];
    let page = environment_page(&name);
    land(set, &page, "/_fn/set_promotion_policy", &typed)
}

/// Lifts the hold on `application` at `revision` in `name`, so promotions
/// may bring that revision in again.
#[server(prefix = "/_fn", endpoint = "lift_hold")]
pub async fn lift_hold(
    // The anti-CSRF token travels as a form field; the CSRF middleware checks it.
    #[server(default)] _csrf: String,
    name: String,
    application: String,
    revision: String,
) -> Result<(), UiError> {
    let lifted = async {
        let env = env_name(&name)?;
        let key = domain::HoldKey::parse(&application, &revision)?;
        let engine = super::context::engine()?;
        Ok(engine
            .lift_hold(&super::context::actor(), &env, &key)
            .await?)
    }
    .await;
    let page = environment_page(&name);
    land(lifted, &page, "/_fn/lift_hold", &[])
}
