//! Promotions: open, review, approve or reject, cancel, decide, roll back,
//! re-plan and verify again; each environment's policy, history and holds.
//!
//! Every transition is one method here: authorized, in one transaction
//! with the state check (a promotion moved by someone else meanwhile is a
//! conflict), audited, and enqueueing the job of the next stage.

use domain::{
    DecisionRequest, DiffRow, EnvironmentName, EnvironmentReleases, EnvironmentStatus, HoldKey,
    Manifest, ManifestEntry, OpenPromotion, Page, Promotion, PromotionActions, PromotionDetail,
    PromotionId, PromotionPolicy, PromotionPreview, PromotionQuery, PromotionRequest,
    PromotionSource, PromotionState, ValidationError, Verdict, Warning, WarningKind,
};

use crate::authz::{environment_object, Action};
use crate::promotion::{self, release_set, Stage};
use crate::store::environments::EnvironmentRow;
use crate::store::promotions::{self as store, NewPromotion, PromotionRow};
use crate::store::releases;
use crate::store::{audit, now_ms, NewAuditEvent, StoreError};
use crate::{Actor, Engine, Error};

/// kratos and hydra are one identity service: they move together.
const MOVE_TOGETHER: &[(&str, &str)] = &[("kratos", "hydra")];

/// A promotion about to be stored: what [`Engine::insert_promotion`] takes.
pub(crate) struct Opened<'a> {
    pub source: PromotionSource,
    pub target: &'a EnvironmentName,
    pub applications: &'a [String],
    pub incoming: Manifest,
    pub previous: &'a Manifest,
    pub diff: &'a [DiffRow],
    pub warnings: &'a [Warning],
    pub acknowledged: bool,
    pub message: &'a str,
    pub policy: &'a PromotionPolicy,
}

/// What opening would do, worked out once for the preview and the open.
struct Opening {
    source: EnvironmentRow,
    target: EnvironmentRow,
    diff: Vec<DiffRow>,
    incoming: Manifest,
    previous: Manifest,
    applications: Vec<String>,
    warnings: Vec<Warning>,
    refusals: Vec<ValidationError>,
    conflicts: Vec<String>,
}

impl Engine {
    /// The policy that governs promotions into `env`.
    pub(crate) async fn policy_of(&self, env: &EnvironmentRow) -> Result<PromotionPolicy, Error> {
        Ok(store::policy(self.store().pool(), &env.summary.name)
            .await?
            .unwrap_or_else(|| PromotionPolicy::default_for(env.summary.tier)))
    }

    /// Why no promotion may bring `charm` at `revision`, if it is quarantined.
    async fn quarantined(&self, charm: &str, revision: u32) -> Result<Option<String>, Error> {
        let found = releases::quarantine(self.store().pool(), charm, revision).await?;
        Ok(found.map(|q| {
            format!(
                "{charm} revision {revision} is quarantined: {} (lift the quarantine first)",
                q.reason
            )
        }))
    }

    /// The layer of `env` that deploys `app`.
    pub(crate) fn layer_for(&self, env: &EnvironmentRow, app: &str) -> Option<String> {
        self.blueprint()
            .order()
            .iter()
            .filter(|l| env.layers.is_empty() || env.layers.contains(&l.name))
            .find(|l| l.applications.iter().any(|a| a == app))
            .map(|l| l.name.clone())
    }

    /// The diff, the warnings and every reason to refuse.
    async fn opening(&self, req: &PromotionRequest) -> Result<Opening, Error> {
        let source = self.environment_row(&req.source).await?;
        let target = self.environment_row(&req.target).await?;
        let mut refusals = Vec::new();
        let mut conflicts = Vec::new();
        if let Some(reason) = &target.locked_reason {
            conflicts.push(format!("{} is locked: {reason}", req.target));
        }
        if target.summary.status == EnvironmentStatus::Destroyed {
            conflicts.push(format!("{} has been destroyed", req.target));
        }
        let (src, dst) = (&source.summary.manifest.0, &target.summary.manifest.0);
        let mut applications = if req.applications.is_empty() {
            src.iter()
                .filter(|(app, e)| {
                    dst.get(*app).is_some_and(|d| d.revision != e.revision) && e.revision.is_some()
                })
                .map(|(app, _)| app.clone())
                .collect()
        } else {
            req.applications.clone()
        };
        for (a, b) in MOVE_TOGETHER {
            for (one, other) in [(a, b), (b, a)] {
                let differs = src
                    .get(*other)
                    .zip(dst.get(*other))
                    .is_some_and(|(s, d)| s.revision != d.revision);
                if applications.iter().any(|x| x == one)
                    && !applications.iter().any(|x| x == other)
                    && differs
                {
                    if req.applications.is_empty() {
                        applications.push((*other).to_owned());
                    } else {
                        refusals.push(ValidationError::new(
                            "applications",
                            format!("{a} and {b} move together: include {other} too"),
                        ));
                    }
                }
            }
        }
        applications.sort();
        applications.dedup();
        if applications.is_empty() && refusals.is_empty() {
            refusals.push(ValidationError::new(
                "applications",
                format!(
                    "nothing to promote: {} already runs {}'s revisions",
                    req.target, req.source
                ),
            ));
        }
        let holds = store::holds(self.store().pool(), &req.target).await?;
        let mut diff = Vec::new();
        let mut incoming = Manifest::default();
        let mut previous = Manifest::default();
        let mut warnings = Vec::new();
        for app in &applications {
            let Some(current) = dst.get(app) else {
                refusals.push(ValidationError::new(
                    "applications",
                    format!("{} does not run {app}", req.target),
                ));
                continue;
            };
            let Some(from) = src.get(app) else {
                refusals.push(ValidationError::new(
                    "applications",
                    format!("{} does not run {app}", req.source),
                ));
                continue;
            };
            let Some(revision) = from.revision else {
                refusals.push(ValidationError::new(
                    "applications",
                    format!("{}'s {app} has no pinned revision to promote", req.source),
                ));
                continue;
            };
            let layer = self.layer_for(&target, app);
            if layer.is_none() {
                refusals.push(ValidationError::new(
                    "applications",
                    format!("no layer of {} deploys {app}", req.target),
                ));
            }
            if let Some(hold) = holds
                .iter()
                .find(|h| &h.application == app && h.revision == revision)
            {
                conflicts.push(format!(
                    "{app} revision {revision} is held on {}: {} (lift the hold first)",
                    req.target, hold.reason
                ));
            }
            let entry = ManifestEntry {
                charm: current.charm.clone(),
                channel: current.channel.clone(),
                revision: Some(revision),
            };
            conflicts.extend(self.quarantined(&entry.charm, revision).await?);
            let released = match domain::Channel::parse(&entry.channel) {
                Ok(channel) => {
                    releases::is_released(self.store().pool(), &entry.charm, &channel, revision)
                        .await?
                }
                Err(_) => false,
            };
            if !released && current.revision != Some(revision) {
                warnings.push(Warning {
                    kind: WarningKind::Channel,
                    subject: app.clone(),
                    message: format!(
                        "{} revision {revision} is not known to be released on {}; Juju refuses \
                         to pin a revision its tracked channel does not carry",
                        entry.charm, entry.channel
                    ),
                });
            }
            diff.push(DiffRow {
                application: app.clone(),
                layer,
                current: Some(current.clone()),
                incoming: entry.clone(),
            });
            incoming.0.insert(app.clone(), entry);
            previous.0.insert(app.clone(), current.clone());
        }
        Ok(Opening {
            source,
            target,
            diff,
            incoming,
            previous,
            applications,
            warnings,
            refusals,
            conflicts,
        })
    }

    /// What opening `request` would do, for the form to show before it is
    /// submitted. Needs `can_promote_to` on the target.
    pub async fn preview_promotion(
        &self,
        actor: &Actor,
        request: &OpenPromotion,
    ) -> Result<PromotionPreview, Error> {
        let req = request.parse().map_err(Error::Invalid)?;
        self.authorize(actor, Action::ViewEnvironment(&req.source))
            .await?;
        self.authorize(actor, Action::ViewEnvironment(&req.target))
            .await?;
        let opening = self.opening(&req).await?;
        let mut refusals: Vec<String> = opening.conflicts;
        refusals.extend(opening.refusals.into_iter().map(|e| e.message));
        Ok(PromotionPreview {
            diff: opening.diff,
            warnings: opening.warnings,
            refusals,
        })
    }

    /// Opens a promotion: refused with a clear error when the target is
    /// locked, an application cannot move or a revision is held; channel
    /// warnings need `acknowledge`. It plans at once, or waits for the
    /// target's earlier promotions (first in, first out).
    #[tracing::instrument(skip_all, fields(actor = %actor))]
    pub async fn open_promotion(
        &self,
        actor: &Actor,
        request: &OpenPromotion,
    ) -> Result<Promotion, Error> {
        let req = request.parse().map_err(Error::Invalid)?;
        self.authorize(actor, Action::PromoteTo(&req.target))
            .await?;
        self.authorize(actor, Action::ViewEnvironment(&req.source))
            .await?;
        let opening = self.opening(&req).await?;
        if !opening.refusals.is_empty() {
            return Err(Error::Invalid(opening.refusals));
        }
        if let Some(conflict) = opening.conflicts.first() {
            return Err(Error::Conflict(conflict.clone()));
        }
        if !opening.warnings.is_empty() && !req.acknowledge {
            let list: Vec<&str> = opening
                .warnings
                .iter()
                .map(|w| w.message.as_str())
                .collect();
            return Err(Error::invalid(ValidationError::new(
                "acknowledge",
                format!("acknowledge to go on: {}", list.join("; ")),
            )));
        }
        let policy = self.policy_of(&opening.target).await?;
        let message = format!(
            "opened by {}: {} from {}",
            actor.principal,
            opening.applications.join(", "),
            opening.source.summary.name
        );
        let mut tx = self.store().pool().begin().await?;
        let id = self
            .insert_promotion(
                &mut tx,
                actor,
                Opened {
                    source: PromotionSource::Environment(req.source.clone()),
                    target: &req.target,
                    applications: &opening.applications,
                    incoming: opening.incoming,
                    previous: &opening.previous,
                    diff: &opening.diff,
                    warnings: &opening.warnings,
                    acknowledged: req.acknowledge && !opening.warnings.is_empty(),
                    message: &message,
                    policy: &policy,
                },
            )
            .await?;
        tx.commit().await?;
        Ok(self.promotion_row(id).await?.promotion)
    }

    /// Stores a promotion that may be opened, audited as `promotion.open`:
    /// it plans at once, or waits for the target's earlier promotions.
    pub(crate) async fn insert_promotion(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        actor: &Actor,
        opened: Opened<'_>,
    ) -> Result<PromotionId, Error> {
        let incoming = release_set(opened.incoming);
        let now = now_ms();
        let id = store::insert(
            &mut **tx,
            &NewPromotion {
                source: &opened.source,
                target: opened.target,
                applications: opened.applications,
                incoming: &incoming,
                previous: opened.previous,
                diff: opened.diff,
                warnings: opened.warnings,
                policy: opened.policy,
                acknowledged: opened.acknowledged,
                requested_by: &actor.principal,
                message: opened.message,
                at: now,
            },
        )
        .await?;
        store::event(
            tx,
            id,
            PromotionState::Planning,
            &actor.principal,
            opened.message,
            now,
        )
        .await?;
        let started = promotion::start_next(tx, opened.target).await?;
        if started.is_none() {
            store::event(
                tx,
                id,
                PromotionState::Planning,
                "palette",
                &format!(
                    "waiting: another promotion into {} is in flight",
                    opened.target
                ),
                now,
            )
            .await?;
        }
        self.audit_promotion(tx, actor, "promotion.open", opened.target, id, None)
            .await?;
        Ok(id)
    }

    async fn promotion_row(&self, id: PromotionId) -> Result<PromotionRow, Error> {
        store::get_row(self.store().pool(), id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("promotion {id}")))
    }

    /// The promotion, if `actor` may view its target (else not found).
    async fn visible_promotion(
        &self,
        actor: &Actor,
        id: PromotionId,
    ) -> Result<PromotionRow, Error> {
        let row = self.promotion_row(id).await?;
        self.authorize(actor, Action::ViewEnvironment(&row.promotion.target))
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => Error::NotFound(format!("promotion {id}")),
                other => other,
            })?;
        Ok(row)
    }

    /// Promotions into environments `actor` may view, newest first.
    pub async fn promotions(
        &self,
        actor: &Actor,
        query: &PromotionQuery,
    ) -> Result<Page<Promotion, PromotionId>, Error> {
        let filter = query.parse().map_err(Error::Invalid)?;
        let visible = self.visibility(actor).await?;
        let items = store::list(self.store().pool(), &filter, &visible).await?;
        Ok(Page::from_overfetch(items, filter.limit, |p| p.id))
    }

    /// Everything a reviewer needs, and what `actor` may do now.
    pub async fn promotion(
        &self,
        actor: &Actor,
        id: PromotionId,
    ) -> Result<PromotionDetail, Error> {
        let row = self.visible_promotion(actor, id).await?;
        let p = &row.promotion;
        let pool = self.store().pool();
        let approvals = store::approvals(pool, id, p.plan_hash.as_deref()).await?;
        let events = store::events(pool, id).await?;
        let object = environment_object(&p.target);
        let can_promote = self.may(actor, "can_promote_to", &p.target).await;
        let can_approve = self.may(actor, "can_approve_promotion", &p.target).await;
        // People first, then the groups whose members approve (expanded
        // where the authorizer can); the requester is never among them.
        let mut approvers = Vec::new();
        for filter in ["user", "group#member"] {
            let found = self
                .authorizer()
                .list_users(&object, "can_approve_promotion", filter)
                .await
                .unwrap_or_default();
            approvers.extend(
                found
                    .into_iter()
                    .filter(|u| u != &p.requested_by && u != "user:*"),
            );
        }
        let current_approvals = count_approvals(&approvals);
        let missing = row
            .policy
            .required_approvals
            .saturating_sub(current_approvals);
        let voted = approvals
            .iter()
            .any(|a| a.current && a.approver == actor.principal);
        let (viewer_can_approve, note) = if p.state != PromotionState::AwaitingApproval {
            (
                false,
                format!("it is {}, not awaiting approval", p.state.label()),
            )
        } else if p.requested_by == actor.principal {
            (
                false,
                "you opened it: someone else must approve it".to_owned(),
            )
        } else if !can_approve {
            (false, format!("you are not an approver of {}", p.target))
        } else if voted {
            (false, "you already approved this plan".to_owned())
        } else {
            (true, format!("you are an approver of {}", p.target))
        };
        let flight = store::in_flight(pool, &p.target).await?;
        // Moves that start a job wait while another promotion holds the slot.
        let slot_free = slot_holder(&flight, id).is_none();
        let actions = PromotionActions {
            approve: viewer_can_approve,
            reject: viewer_can_approve,
            cancel: can_promote && allows(&row, Move::Cancel),
            accept: can_promote && allows(&row, Move::Accept),
            rollback: can_promote && slot_free && allows(&row, Move::Rollback),
            replan: can_promote && allows(&row, Move::Replan),
            reverify: can_promote && slot_free && allows(&row, Move::Reverify),
        };
        Ok(PromotionDetail {
            waiting_for: promotion::waiting_for(&flight, p),
            promotion: row.promotion.clone(),
            diff: row.diff,
            plans: row.plans,
            warnings: row.warnings,
            policy: row.policy,
            approvals,
            approvals_missing: missing,
            approvers,
            viewer_can_approve,
            viewer_approval_note: note,
            actions,
            checks: row.checks,
            events,
        })
    }

    /// Approves the current plan. The requester never approves their own
    /// promotion, whatever groups they are in; approvals bind to the plan
    /// hash. Enough distinct approvals start the apply.
    #[tracing::instrument(skip_all, fields(actor = %actor, promotion = %id))]
    pub async fn approve_promotion(
        &self,
        actor: &Actor,
        id: PromotionId,
        request: &DecisionRequest,
    ) -> Result<Promotion, Error> {
        let comment = request.parse(false).map_err(Error::invalid)?;
        self.decide(actor, id, Verdict::Approve, comment).await
    }

    /// Rejects the promotion (a comment says why); it ends as rejected.
    #[tracing::instrument(skip_all, fields(actor = %actor, promotion = %id))]
    pub async fn reject_promotion(
        &self,
        actor: &Actor,
        id: PromotionId,
        request: &DecisionRequest,
    ) -> Result<Promotion, Error> {
        let comment = request.parse(true).map_err(Error::invalid)?;
        self.decide(actor, id, Verdict::Reject, comment).await
    }

    async fn decide(
        &self,
        actor: &Actor,
        id: PromotionId,
        verdict: Verdict,
        comment: String,
    ) -> Result<Promotion, Error> {
        let row = self.visible_promotion(actor, id).await?;
        let p = &row.promotion;
        let action = Action::ApprovePromotion(&p.target);
        self.authorize(actor, action.clone()).await?;
        if p.requested_by == actor.principal {
            let reason = "the requester cannot approve or reject their own promotion";
            self.audit_denial(actor, &action, reason).await;
            return Err(Error::Forbidden(format!(
                "you opened promotion {id}: someone else must {}",
                if verdict == Verdict::Approve {
                    "approve"
                } else {
                    "reject"
                }
            )));
        }
        let (PromotionState::AwaitingApproval, Some(plan_hash)) = (p.state, p.plan_hash.clone())
        else {
            return Err(Error::Conflict(format!(
                "promotion {id} is {}, not awaiting approval",
                p.state.label()
            )));
        };
        let now = now_ms();
        let approval = domain::Approval {
            approver: actor.principal.clone(),
            verdict,
            comment: comment.clone(),
            at: now,
            plan_hash: plan_hash.clone(),
            current: true,
        };
        let mut tx = self.store().pool().begin().await?;
        store::insert_approval(&mut *tx, id, &approval)
            .await
            .map_err(|e| match e {
                StoreError::Conflict => Error::Conflict(format!(
                    "you already decided on this plan of promotion {id}"
                )),
                other => other.into(),
            })?;
        let said = if comment.is_empty() {
            String::new()
        } else {
            format!(": {comment}")
        };
        match verdict {
            Verdict::Reject => {
                transition(
                    &mut tx,
                    &row,
                    PromotionState::Rejected,
                    &actor.principal,
                    &format!("rejected by {}{said}", actor.principal),
                )
                .await?;
                promotion::start_next(&mut tx, &p.target).await?;
            }
            Verdict::Approve => {
                let approvals = store::approvals(&mut *tx, id, Some(&plan_hash)).await?;
                let have = count_approvals(&approvals);
                let need = row.policy.required_approvals;
                let message = format!("approved by {} ({have} of {need}){said}", actor.principal);
                if have >= need {
                    transition(
                        &mut tx,
                        &row,
                        PromotionState::Applying,
                        &actor.principal,
                        &format!("{message}; applying the approved plan"),
                    )
                    .await?;
                    promotion::enqueue_stage(&mut tx, p, Stage::Apply, &p.requested_by).await?;
                } else {
                    store::event(&mut tx, id, p.state, &actor.principal, &message, now).await?;
                }
            }
        }
        let action = match verdict {
            Verdict::Approve => "promotion.approve",
            Verdict::Reject => "promotion.reject",
        };
        self.audit_promotion(&mut tx, actor, action, &p.target, id, Some(&comment))
            .await?;
        tx.commit().await?;
        Ok(self.promotion_row(id).await?.promotion)
    }

    /// Cancels a promotion in any state that is not final; a running stage
    /// stops the way layer jobs do (SIGINT, then SIGKILL).
    pub async fn cancel_promotion(
        &self,
        actor: &Actor,
        id: PromotionId,
    ) -> Result<Promotion, Error> {
        self.act(actor, id, Move::Cancel, |actor, tx, row| {
            Box::pin(async move {
                if let Some(job) = row.promotion.job {
                    crate::queue::cancel(tx, job).await?;
                }
                let message = format!("cancelled by {}", &actor.principal);
                transition(
                    tx,
                    row,
                    PromotionState::Cancelled,
                    &actor.principal,
                    &message,
                )
                .await?;
                promotion::start_next(tx, &row.promotion.target).await?;
                Ok(())
            })
        })
        .await
    }

    /// Accepts an undecided verification: the promotion succeeds without
    /// its deployment being marked verified.
    pub async fn accept_promotion(
        &self,
        actor: &Actor,
        id: PromotionId,
    ) -> Result<Promotion, Error> {
        self.act(actor, id, Move::Accept, |actor, tx, row| {
            Box::pin(async move {
                let who = actor.principal.as_str();
                let message = format!("accepted by {who} without a passing verification");
                transition(tx, row, PromotionState::Succeeded, who, &message).await?;
                promotion::start_next(tx, &row.promotion.target).await?;
                Ok(())
            })
        })
        .await
    }

    /// Rolls back by hand (from awaiting a decision, or a failed apply) to
    /// the last verified revisions; no approval is needed.
    pub async fn rollback_promotion(
        &self,
        actor: &Actor,
        id: PromotionId,
    ) -> Result<Promotion, Error> {
        let row = self.visible_promotion(actor, id).await?;
        let to = crate::promotion::rollback_target(self.store().pool(), &row).await?;
        self.act(actor, id, Move::Rollback, move |actor, tx, row| {
            Box::pin(async move {
                let who = actor.principal.as_str();
                store::set_rollback(&mut **tx, row.promotion.id, &to).await?;
                let message = format!("rollback requested by {who}");
                transition(tx, row, PromotionState::RollingBack, who, &message).await?;
                promotion::enqueue_stage(tx, &row.promotion, Stage::Rollback, who).await?;
                Ok(())
            })
        })
        .await
    }

    /// Plans again (a stale plan, a failed plan, or a fresh look while
    /// awaiting approval); approvals of the old plan no longer count.
    pub async fn replan_promotion(
        &self,
        actor: &Actor,
        id: PromotionId,
    ) -> Result<Promotion, Error> {
        let row = self.visible_promotion(actor, id).await?;
        for entry in row.promotion.incoming.applications.0.values() {
            let Some(revision) = entry.revision else {
                continue;
            };
            if let Some(refusal) = self.quarantined(&entry.charm, revision).await? {
                return Err(Error::Conflict(refusal));
            }
        }
        self.act(actor, id, Move::Replan, |actor, tx, row| {
            Box::pin(async move {
                let who = actor.principal.as_str();
                let message =
                    format!("re-plan requested by {who}; earlier approvals no longer count");
                transition(tx, row, PromotionState::Planning, who, &message).await?;
                store::clear_plan(&mut **tx, row.promotion.id).await?;
                promotion::start_next(tx, &row.promotion.target).await?;
                Ok(())
            })
        })
        .await
    }

    /// Runs verification again on a succeeded promotion; a failure marks its
    /// deployment unverified.
    pub async fn reverify_promotion(
        &self,
        actor: &Actor,
        id: PromotionId,
    ) -> Result<Promotion, Error> {
        self.act(actor, id, Move::Reverify, |actor, tx, row| {
            Box::pin(async move {
                let who = actor.principal.as_str();
                store::event(
                    tx,
                    row.promotion.id,
                    row.promotion.state,
                    who,
                    &format!("verification requested by {who}"),
                    now_ms(),
                )
                .await?;
                promotion::enqueue_stage(tx, &row.promotion, Stage::Verify, who).await?;
                Ok(())
            })
        })
        .await
    }

    /// One person's move on a promotion: authorized with `can_promote_to`,
    /// allowed in the current state, done in one audited transaction.
    async fn act<F>(
        &self,
        actor: &Actor,
        id: PromotionId,
        mv: Move,
        f: F,
    ) -> Result<Promotion, Error>
    where
        F: for<'t> FnOnce(
            &'t Actor,
            &'t mut sqlx::Transaction<'static, sqlx::Any>,
            &'t PromotionRow,
        ) -> futures::future::BoxFuture<'t, Result<(), StoreError>>,
    {
        let row = self.visible_promotion(actor, id).await?;
        self.authorize(actor, Action::PromoteTo(&row.promotion.target))
            .await?;
        if !allows(&row, mv) {
            return Err(Error::Conflict(format!(
                "promotion {id} is {}: it cannot be {} now",
                row.promotion.state.label(),
                mv.past()
            )));
        }
        // A rollback or a verification starts a job at once; a re-plan
        // waits its turn like a new promotion.
        if mv == Move::Rollback || mv == Move::Reverify {
            let flight = store::in_flight(self.store().pool(), &row.promotion.target).await?;
            if let Some(other) = slot_holder(&flight, id) {
                return Err(Error::Conflict(format!(
                    "promotion {} into {} is in flight: wait for it to finish",
                    other.id, row.promotion.target
                )));
            }
        }
        let mut tx = self.store().pool().begin().await?;
        f(actor, &mut tx, &row).await.map_err(|e| match e {
            StoreError::Conflict => {
                Error::Conflict(format!("promotion {id} moved on meanwhile; look again"))
            }
            other => other.into(),
        })?;
        self.audit_promotion(&mut tx, actor, mv.action(), &row.promotion.target, id, None)
            .await?;
        tx.commit().await?;
        Ok(self.promotion_row(id).await?.promotion)
    }

    async fn audit_promotion(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        actor: &Actor,
        action: &str,
        target: &EnvironmentName,
        id: PromotionId,
        comment: Option<&str>,
    ) -> Result<(), Error> {
        audit::append(
            &mut **tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action,
                object: &environment_object(target),
                allowed: true,
                reason: comment.filter(|c| !c.is_empty()),
                before: None,
                after: Some(serde_json::json!({ "promotion": id.0 })),
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        Ok(())
    }

    /// An environment's promotion side: policy, deployment history, holds.
    pub async fn environment_releases(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
    ) -> Result<EnvironmentReleases, Error> {
        self.authorize(actor, Action::ViewEnvironment(name)).await?;
        let env = self.environment_row(name).await?;
        let pool = self.store().pool();
        Ok(EnvironmentReleases {
            policy: self.policy_of(&env).await?,
            can_edit_policy: self.may(actor, "can_manage_access", name).await,
            can_lift_holds: self.may(actor, "can_promote_to", name).await,
            deployments: store::deployments(pool, name, 20).await?,
            holds: store::holds(pool, name).await?,
        })
    }

    /// Changes the promotion policy of `name` (owners: `can_manage_access`).
    pub async fn set_promotion_policy(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
        policy: &PromotionPolicy,
    ) -> Result<PromotionPolicy, Error> {
        policy.validate().map_err(Error::Invalid)?;
        self.authorize(actor, Action::ManageAccess(name)).await?;
        let env = self.environment_row(name).await?;
        if let Some(upstream) = &policy.upstream {
            self.check_upstream(name, upstream).await?;
        }
        let before = self.policy_of(&env).await?;
        let mut tx = self.store().pool().begin().await?;
        store::put_policy(&mut *tx, name, policy).await?;
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action: "promotion_policy.update",
                object: &environment_object(name),
                allowed: true,
                reason: None,
                before: serde_json::to_value(before).ok(),
                after: serde_json::to_value(policy).ok(),
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(policy.clone())
    }

    /// An upstream must be another existing environment, and following
    /// upstreams from it must never come back to `name`.
    async fn check_upstream(
        &self,
        name: &EnvironmentName,
        upstream: &EnvironmentName,
    ) -> Result<(), Error> {
        let refuse =
            |message: String| Err(Error::invalid(ValidationError::new("upstream", message)));
        if upstream == name {
            return refuse(format!("{name} cannot be promoted from itself"));
        }
        let pool = self.store().pool();
        if crate::store::environments::get_by_name(pool, upstream)
            .await?
            .is_none()
        {
            return refuse(format!("there is no environment named {upstream}"));
        }
        let mut seen = vec![upstream.clone()];
        let mut at = upstream.clone();
        while let Some(next) = store::policy(pool, &at).await?.and_then(|p| p.upstream) {
            if &next == name {
                return refuse(format!(
                    "{upstream} is promoted from {name} already (through {}): a cycle",
                    seen.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ← ")
                ));
            }
            if seen.contains(&next) {
                break;
            }
            seen.push(next.clone());
            at = next;
        }
        Ok(())
    }

    /// Lifts a hold (`can_promote_to`), so promotions may bring the
    /// revision in again.
    pub async fn lift_hold(
        &self,
        actor: &Actor,
        name: &EnvironmentName,
        key: &HoldKey,
    ) -> Result<(), Error> {
        self.authorize(actor, Action::PromoteTo(name)).await?;
        let mut tx = self.store().pool().begin().await?;
        store::delete_hold(&mut *tx, name, &key.application, key.revision)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => Error::NotFound(format!(
                    "a hold on {} revision {} in {name}",
                    key.application, key.revision
                )),
                other => other.into(),
            })?;
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action: "hold.lift",
                object: &environment_object(name),
                allowed: true,
                reason: None,
                before: Some(serde_json::json!({
                    "application": key.application,
                    "revision": key.revision,
                })),
                after: None,
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The other promotion of the same target that holds the slot (a job of
/// its own), if any.
fn slot_holder(flight: &[Promotion], id: PromotionId) -> Option<&Promotion> {
    flight.iter().find(|p| p.id != id && p.job.is_some())
}

/// Distinct approvers of the current plan.
fn count_approvals(approvals: &[domain::Approval]) -> u32 {
    let mut who: Vec<&str> = approvals
        .iter()
        .filter(|a| a.current && a.verdict == Verdict::Approve)
        .map(|a| a.approver.as_str())
        .collect();
    who.sort_unstable();
    who.dedup();
    u32::try_from(who.len()).unwrap_or(u32::MAX)
}

async fn transition(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    row: &PromotionRow,
    to: PromotionState,
    actor: &str,
    message: &str,
) -> Result<(), StoreError> {
    store::transition(
        tx,
        row.promotion.id,
        row.promotion.state,
        to,
        actor,
        message,
        now_ms(),
    )
    .await
}

/// What a person does to a promotion with `can_promote_to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    Cancel,
    Accept,
    Rollback,
    Replan,
    Reverify,
}

impl Move {
    fn action(self) -> &'static str {
        match self {
            Self::Cancel => "promotion.cancel",
            Self::Accept => "promotion.accept",
            Self::Rollback => "promotion.rollback",
            Self::Replan => "promotion.replan",
            Self::Reverify => "promotion.reverify",
        }
    }

    fn past(self) -> &'static str {
        match self {
            Self::Cancel => "cancelled",
            Self::Accept => "accepted",
            Self::Rollback => "rolled back",
            Self::Replan => "re-planned",
            Self::Reverify => "verified again",
        }
    }
}

/// The one rule for which move fits which state.
fn allows(row: &PromotionRow, mv: Move) -> bool {
    use PromotionState as S;
    let state = row.promotion.state;
    match mv {
        Move::Cancel => !state.is_terminal(),
        Move::Accept => state == S::AwaitingDecision,
        // A rollback is never rolled back; a failed promotion only when
        // something may have been applied.
        Move::Rollback => {
            state == S::AwaitingDecision || (state == S::Failed && !row.plans.is_empty())
        }
        // A promotion superseded before it was planned (a newer release
        // took its place) stays superseded.
        Move::Replan => {
            state == S::AwaitingApproval
                || (state == S::Superseded && !row.plans.is_empty())
                || (state == S::Failed && row.deployment.is_none())
        }
        Move::Reverify => state == S::Succeeded && row.deployment.is_some(),
    }
}
