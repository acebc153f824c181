//! What the viewer may do with a promotion, each a form that works without
//! JavaScript. The engine's `actions` say which are shown; the engine
//! checks again when one is used.

use crate::components::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use domain::PromotionDetail;

use crate::server_fns::promotions::{
    AcceptPromotion, ApprovePromotion, CancelPromotion, RejectPromotion, ReplanPromotion,
    ReverifyPromotion, RollbackPromotion,
};
use crate::session::CsrfField;

/// The server actions of a promotion's page.
#[derive(Clone, Copy)]
pub struct Moves {
    pub approve: ServerAction<ApprovePromotion>,
    pub reject: ServerAction<RejectPromotion>,
    pub cancel: ServerAction<CancelPromotion>,
    pub accept: ServerAction<AcceptPromotion>,
    pub rollback: ServerAction<RollbackPromotion>,
    pub replan: ServerAction<ReplanPromotion>,
    pub reverify: ServerAction<ReverifyPromotion>,
}

impl Moves {
    pub fn new() -> Self {
        Self {
            approve: ServerAction::new(),
            reject: ServerAction::new(),
            cancel: ServerAction::new(),
            accept: ServerAction::new(),
            rollback: ServerAction::new(),
            replan: ServerAction::new(),
            reverify: ServerAction::new(),
        }
    }

    /// Changes each time any of them answers: the page reads the promotion again.
    pub fn version(self) -> [usize; 7] {
        [
            self.approve.version().get(),
            self.reject.version().get(),
            self.cancel.version().get(),
            self.accept.version().get(),
            self.rollback.version().get(),
            self.replan.version().get(),
            self.reverify.version().get(),
        ]
    }

    /// The refusal of the latest move, if it was refused.
    pub fn error(self) -> Option<crate::error::UiError> {
        let err =
            |v: Option<Result<domain::Promotion, crate::error::UiError>>| v.and_then(Result::err);
        err(self.approve.value().get())
            .or_else(|| err(self.reject.value().get()))
            .or_else(|| err(self.cancel.value().get()))
            .or_else(|| err(self.accept.value().get()))
            .or_else(|| err(self.rollback.value().get()))
            .or_else(|| err(self.replan.value().get()))
            .or_else(|| err(self.reverify.value().get()))
    }
}

impl Default for Moves {
    fn default() -> Self {
        Self::new()
    }
}

/// Approve and reject (with a comment), who could approve and why the
/// viewer can or cannot.
#[component]
pub fn Decision(detail: PromotionDetail, moves: Moves) -> impl IntoView {
    let query = use_query_map();
    let typed = move |k: &str| query.with_untracked(|q| q.get(k).unwrap_or_default());
    let id = detail.promotion.id.0;
    let actions = detail.actions;
    let note_class = if detail.viewer_can_approve {
        "viewer-note decision-allowed"
    } else {
        "viewer-note"
    };
    view! {
        <p class=note_class data-testid="viewer-approval-note">
            {if detail.viewer_can_approve { "You can approve: " } else { "You cannot approve: " }}
            {detail.viewer_approval_note.clone()}
        </p>
        {actions.approve.then(|| view! {
            <ActionForm action=moves.approve attr:class="decision-form">
                <CsrfField />
                <input type="hidden" name="id" value=id />
                <label for="approve-comment">"Comment (optional)"</label>
                <textarea id="approve-comment" name="comment" rows="2" maxlength=domain::promotion::MAX_COMMENT.to_string()>{typed("approve_comment")}</textarea>
                <button type="submit">"Approve"</button>
            </ActionForm>
        })}
        {actions.reject.then(|| view! {
            <ActionForm action=moves.reject attr:class="decision-form">
                <CsrfField />
                <input type="hidden" name="id" value=id />
                <label for="reject-comment">"Why reject? (required)"</label>
                <textarea id="reject-comment" name="comment" rows="2" required=true maxlength=domain::promotion::MAX_COMMENT.to_string()>{typed("reject_comment")}</textarea>
                <button type="submit" class="danger">"Reject"</button>
            </ActionForm>
        })}
    }
}

/// One button that moves the promotion on (a macro: the server functions
/// differ in type).
macro_rules! move_button {
    ($action:expr, $id:expr, $label:literal, $class:literal) => {{
        let action = $action;
        view! {
            <ActionForm action=action attr:class="inline-form">
                <CsrfField />
                <input type="hidden" name="id" value=$id />
                <button type="submit" class=$class disabled=move || action.pending().get()>{$label}</button>
            </ActionForm>
        }
    }};
}

/// Cancel, accept, roll back, plan again and verify again, each shown only
/// when the engine says the viewer may use it now.
#[component]
pub fn MoveButtons(detail: PromotionDetail, moves: Moves) -> impl IntoView {
    let id = detail.promotion.id.0;
    let a = detail.actions;
    if !(a.cancel || a.accept || a.rollback || a.replan || a.reverify) {
        return ().into_any();
    }
    view! {
        <div class="promotion-moves">
            {a.accept.then(|| move_button!(moves.accept, id, "Accept without verification", ""))}
            {a.reverify.then(|| move_button!(moves.reverify, id, "Verify again", ""))}
            {a.replan.then(|| move_button!(moves.replan, id, "Plan again", ""))}
            {a.rollback.then(|| move_button!(moves.rollback, id, "Roll back", "danger"))}
            {a.cancel.then(|| move_button!(moves.cancel, id, "Cancel promotion", "danger"))}
        </div>
    }
    .into_any()
}
