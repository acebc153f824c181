//! The promotions aggregate: promotions with their approvals and timeline,
//! each environment's deployment history, holds and policy, and releases.

use domain::notification::NotificationEvent;
use domain::{
    Approval, Deployment, DiffRow, EnvironmentName, Hold, JobId, Manifest, Promotion,
    PromotionEvent, PromotionFilter, PromotionId, PromotionPolicy, PromotionSource, PromotionState,
    ReleaseSet, Verdict, VerificationCheck, Warning, WorkspacePlan,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{get, json, to_json, StoreError};
use crate::queue::Visible;

/// A promotion with everything stored about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRow {
    pub promotion: Promotion,
    pub diff: Vec<DiffRow>,
    pub warnings: Vec<Warning>,
    pub plans: Vec<WorkspacePlan>,
    pub policy: PromotionPolicy,
    pub checks: Vec<VerificationCheck>,
    /// What a rollback applies (set when it starts).
    pub rollback_to: Option<Manifest>,
    /// The deployment the apply recorded.
    pub deployment: Option<i64>,
}

/// What opening a promotion stores.
#[derive(Debug, Clone)]
pub struct NewPromotion<'a> {
    pub source: &'a PromotionSource,
    pub target: &'a EnvironmentName,
    pub applications: &'a [String],
    pub incoming: &'a ReleaseSet,
    pub previous: &'a Manifest,
    pub diff: &'a [DiffRow],
    pub warnings: &'a [Warning],
    pub policy: &'a PromotionPolicy,
    pub acknowledged: bool,
    pub requested_by: &'a str,
    pub message: &'a str,
    pub at: i64,
}

const COLUMNS: &str = "id, source, source_release, target, state, applications, incoming, \
                       incoming_id, previous, rollback_to, diff, warnings, plans, plan_hash, policy, \
                       checks, acknowledged, requested_by, message, job_id, deployment_id, \
                       created_at, updated_at";

fn parse<T>(column: &str, result: Result<T, domain::ValidationError>) -> Result<T, StoreError> {
    result.map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn decode(row: &AnyRow) -> Result<PromotionRow, StoreError> {
    let promotion = Promotion {
        id: PromotionId(get(row, "id")?),
        source: match get::<Option<String>>(row, "source_release")? {
            Some(release) => PromotionSource::Release(json("source_release", &release)?),
            None => PromotionSource::Environment(parse(
                "source",
                EnvironmentName::parse(&get::<String>(row, "source")?),
            )?),
        },
        target: parse(
            "target",
            EnvironmentName::parse(&get::<String>(row, "target")?),
        )?,
        state: parse(
            "state",
            PromotionState::parse(&get::<String>(row, "state")?),
        )?,
        applications: json("applications", &get::<String>(row, "applications")?)?,
        incoming: ReleaseSet {
            id: get(row, "incoming_id")?,
            applications: json("incoming", &get::<String>(row, "incoming")?)?,
        },
        previous: json("previous", &get::<String>(row, "previous")?)?,
        requested_by: get(row, "requested_by")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        plan_hash: get(row, "plan_hash")?,
        acknowledged: get::<i64>(row, "acknowledged")? != 0,
        message: get(row, "message")?,
        job: get::<Option<i64>>(row, "job_id")?.map(JobId),
    };
    let rollback_to: Option<String> = get(row, "rollback_to")?;
    Ok(PromotionRow {
        promotion,
        diff: json("diff", &get::<String>(row, "diff")?)?,
        warnings: json("warnings", &get::<String>(row, "warnings")?)?,
        plans: json("plans", &get::<String>(row, "plans")?)?,
        policy: json("policy", &get::<String>(row, "policy")?)?,
        checks: json("checks", &get::<String>(row, "checks")?)?,
        rollback_to: rollback_to.map(|t| json("rollback_to", &t)).transpose()?,
        deployment: get(row, "deployment_id")?,
    })
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    new: &NewPromotion<'_>,
) -> Result<PromotionId, StoreError> {
    let row = sqlx::query(
        "INSERT INTO promotions (source, target, state, applications, incoming, incoming_id, \
         previous, diff, warnings, plans, policy, checks, acknowledged, requested_by, message, \
         created_at, updated_at, release_id, source_release) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '[]', $10, '[]', $11, $12, $13, $14, $14, \
         $15, $16) RETURNING id",
    )
    .bind(new.source.environment().map_or("", EnvironmentName::as_str))
    .bind(new.target.as_str())
    .bind(PromotionState::Planning.as_str())
    .bind(to_json(&new.applications)?)
    .bind(to_json(&new.incoming.applications)?)
    .bind(&new.incoming.id)
    .bind(to_json(new.previous)?)
    .bind(to_json(&new.diff)?)
    .bind(to_json(&new.warnings)?)
    .bind(to_json(new.policy)?)
    .bind(i64::from(new.acknowledged))
    .bind(new.requested_by)
    .bind(new.message)
    .bind(new.at)
    .bind(match new.source {
        PromotionSource::Release(r) => Some(r.id.0),
        PromotionSource::Environment(_) => None,
    })
    .bind(match new.source {
        PromotionSource::Release(r) => Some(to_json(r)?),
        PromotionSource::Environment(_) => None,
    })
    .fetch_one(db)
    .await?;
    Ok(PromotionId(row.try_get("id")?))
}

pub async fn get_row<'e>(
    db: impl Executor<'e, Database = Any>,
    id: PromotionId,
) -> Result<Option<PromotionRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM promotions WHERE id = $1");
    let row = sqlx::query(&sql).bind(id.0).fetch_optional(db).await?;
    row.as_ref().map(decode).transpose()
}

/// Promotions newest first: the filter's page plus one more.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    filter: &PromotionFilter,
    visible: &Visible,
) -> Result<Vec<Promotion>, StoreError> {
    let mut sql = format!("SELECT {COLUMNS} FROM promotions WHERE 1 = 1");
    let mut text: Vec<String> = Vec::new();
    let mut next = 1;
    if let Some(env) = &filter.environment {
        sql.push_str(&format!(" AND (target = ${next} OR source = ${next})"));
        text.push(env.as_str().to_owned());
        next += 1;
    }
    if let Some(state) = filter.state {
        sql.push_str(&format!(" AND state = ${next}"));
        text.push(state.as_str().to_owned());
        next += 1;
    }
    let Some((restriction, names)) = visible.sql("target", next) else {
        return Ok(Vec::new());
    };
    sql.push_str(&restriction);
    next += names.len();
    text.extend(names);
    if filter.before.is_some() {
        sql.push_str(&format!(" AND id < ${next}"));
    }
    sql.push_str(&format!(
        " ORDER BY id DESC LIMIT {}",
        filter.limit.overfetch()
    ));
    let mut query = sqlx::query(&sql);
    for t in &text {
        query = query.bind(t.as_str());
    }
    if let Some(before) = filter.before {
        query = query.bind(before.0);
    }
    let rows = query.fetch_all(db).await?;
    rows.iter()
        .map(|r| decode(r).map(|p| p.promotion))
        .collect()
}

/// Promotions of `target` in a state that holds its slot, oldest first.
pub async fn in_flight<'e>(
    db: impl Executor<'e, Database = Any>,
    target: &EnvironmentName,
) -> Result<Vec<Promotion>, StoreError> {
    let states: Vec<&str> = PromotionState::ALL
        .iter()
        .filter(|s| s.is_in_flight())
        .map(|s| s.as_str())
        .collect();
    let marks: Vec<String> = (2..2 + states.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM promotions WHERE target = $1 AND state IN ({}) ORDER BY id",
        marks.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(target.as_str());
    for s in states {
        query = query.bind(s);
    }
    let rows = query.fetch_all(db).await?;
    rows.iter()
        .map(|r| decode(r).map(|p| p.promotion))
        .collect()
}

/// One step of the state machine: `from` → `to`, with the message and the
/// timeline event. `Conflict` when the promotion is no longer in `from`
/// (someone else moved it first), and nothing is written.
pub async fn transition(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: PromotionId,
    from: PromotionState,
    to: PromotionState,
    actor: &str,
    message: &str,
    at: i64,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE promotions SET state = $1, message = $2, updated_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(to.as_str())
    .bind(message)
    .bind(at)
    .bind(id.0)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    event(tx, id, to, actor, message, at).await?;
    notify(tx, id, to, message, at).await
}

/// Tells the webhooks that hear it that promotion `id` entered `state`
/// (awaiting approval, succeeded, failed, rolled back), in `tx`.
async fn notify(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: PromotionId,
    state: PromotionState,
    message: &str,
    at: i64,
) -> Result<(), StoreError> {
    let Some(event) = NotificationEvent::for_promotion(state) else {
        return Ok(());
    };
    let row = sqlx::query("SELECT target, source FROM promotions WHERE id = $1")
        .bind(id.0)
        .fetch_one(&mut **tx)
        .await?;
    let target: String = get(&row, "target")?;
    let what = match state {
        PromotionState::AwaitingApproval => "waits for approval".to_owned(),
        PromotionState::Succeeded => "succeeded".to_owned(),
        PromotionState::RolledBack => format!("was rolled back: {message}"),
        PromotionState::RollbackFailed => format!("failed, and so did its rollback: {message}"),
        _ => format!("failed: {message}"),
    };
    let notification = super::webhooks::Notification {
        event,
        environment: target.clone(),
        summary: domain::oidc::one_line(&format!("Promotion #{id} to {target} {what}")),
        path: format!("/promotions/{id}"),
        at,
        details: serde_json::json!({
            "promotion": id.0,
            "state": state,
            "source": get::<String>(&row, "source")?,
            "message": message,
        }),
    };
    super::webhooks::emit(tx, &notification).await?;
    Ok(())
}

/// Appends a timeline line without changing the state.
pub async fn event(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: PromotionId,
    state: PromotionState,
    actor: &str,
    message: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO promotion_events (promotion_id, at, actor, state, message) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.0)
    .bind(at)
    .bind(actor)
    .bind(state.as_str())
    .bind(message)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_job<'e>(
    db: impl Executor<'e, Database = Any>,
    id: PromotionId,
    job: JobId,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE promotions SET job_id = $1 WHERE id = $2")
        .bind(job.0)
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets the plan and the job, for a re-plan: it waits its turn again
/// and no earlier approval is current.
pub async fn clear_plan<'e>(
    db: impl Executor<'e, Database = Any>,
    id: PromotionId,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE promotions SET job_id = NULL, plan_hash = NULL WHERE id = $1")
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(())
}

/// Stores the plans, the hash approvals bind to and the warnings.
pub async fn set_plans<'e>(
    db: impl Executor<'e, Database = Any>,
    id: PromotionId,
    plans: &[WorkspacePlan],
    plan_hash: &str,
    warnings: &[Warning],
) -> Result<(), StoreError> {
    sqlx::query("UPDATE promotions SET plans = $1, plan_hash = $2, warnings = $3 WHERE id = $4")
        .bind(to_json(&plans)?)
        .bind(plan_hash)
        .bind(to_json(&warnings)?)
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_checks<'e>(
    db: impl Executor<'e, Database = Any>,
    id: PromotionId,
    checks: &[VerificationCheck],
) -> Result<(), StoreError> {
    sqlx::query("UPDATE promotions SET checks = $1 WHERE id = $2")
        .bind(to_json(&checks)?)
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_rollback<'e>(
    db: impl Executor<'e, Database = Any>,
    id: PromotionId,
    to: &Manifest,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE promotions SET rollback_to = $1 WHERE id = $2")
        .bind(to_json(to)?)
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_deployment<'e>(
    db: impl Executor<'e, Database = Any>,
    id: PromotionId,
    deployment: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE promotions SET deployment_id = $1 WHERE id = $2")
        .bind(deployment)
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn events<'e>(
    db: impl Executor<'e, Database = Any>,
    id: PromotionId,
) -> Result<Vec<PromotionEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT at, actor, state, message FROM promotion_events WHERE promotion_id = $1 ORDER BY id",
    )
    .bind(id.0)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PromotionEvent {
                at: get(r, "at")?,
                actor: get(r, "actor")?,
                state: parse("state", PromotionState::parse(&get::<String>(r, "state")?))?,
                message: get(r, "message")?,
            })
        })
        .collect()
}

/// Every approval and rejection, oldest first; `current` says whether it
/// is bound to `plan_hash`.
pub async fn approvals<'e>(
    db: impl Executor<'e, Database = Any>,
    id: PromotionId,
    plan_hash: Option<&str>,
) -> Result<Vec<Approval>, StoreError> {
    let rows = sqlx::query(
        "SELECT approver, verdict, comment, plan_hash, at FROM promotion_approvals \
         WHERE promotion_id = $1 ORDER BY at, approver",
    )
    .bind(id.0)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let hash: String = get(r, "plan_hash")?;
            Ok(Approval {
                approver: get(r, "approver")?,
                verdict: parse("verdict", Verdict::parse(&get::<String>(r, "verdict")?))?,
                comment: get(r, "comment")?,
                at: get(r, "at")?,
                current: plan_hash == Some(hash.as_str()),
                plan_hash: hash,
            })
        })
        .collect()
}

/// Records a verdict; a second one by the same approver on the same plan
/// is a conflict.
pub async fn insert_approval<'e>(
    db: impl Executor<'e, Database = Any>,
    id: PromotionId,
    approval: &Approval,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO promotion_approvals (promotion_id, approver, verdict, comment, plan_hash, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.0)
    .bind(&approval.approver)
    .bind(approval.verdict.as_str())
    .bind(&approval.comment)
    .bind(&approval.plan_hash)
    .bind(approval.at)
    .execute(db)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}

// ---- deployment history ----------------------------------------------

/// What an apply records.
#[derive(Debug, Clone)]
pub struct NewDeployment<'a> {
    pub environment: &'a EnvironmentName,
    pub release_set: &'a ReleaseSet,
    pub at: i64,
    pub actor: &'a str,
    pub promotion: Option<PromotionId>,
    pub job: Option<JobId>,
    pub verified: bool,
    pub rollback: bool,
}

pub async fn insert_deployment<'e>(
    db: impl Executor<'e, Database = Any>,
    d: &NewDeployment<'_>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO deployments (environment, release_set, release_set_id, at, actor, \
         promotion_id, job_id, verified, rollback) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(d.environment.as_str())
    .bind(to_json(&d.release_set.applications)?)
    .bind(&d.release_set.id)
    .bind(d.at)
    .bind(d.actor)
    .bind(d.promotion.map(|p| p.0))
    .bind(d.job.map(|j| j.0))
    .bind(i64::from(d.verified))
    .bind(i64::from(d.rollback))
    .fetch_one(db)
    .await?;
    Ok(row.try_get("id")?)
}

fn decode_deployment(r: &AnyRow) -> Result<Deployment, StoreError> {
    Ok(Deployment {
        id: get(r, "id")?,
        environment: parse(
            "environment",
            EnvironmentName::parse(&get::<String>(r, "environment")?),
        )?,
        release_set: ReleaseSet {
            id: get(r, "release_set_id")?,
            applications: json("release_set", &get::<String>(r, "release_set")?)?,
        },
        at: get(r, "at")?,
        actor: get(r, "actor")?,
        promotion: get::<Option<i64>>(r, "promotion_id")?.map(PromotionId),
        job: get::<Option<i64>>(r, "job_id")?.map(JobId),
        verified: get::<i64>(r, "verified")? != 0,
        rollback: get::<i64>(r, "rollback")? != 0,
    })
}

const DEPLOYMENT_COLUMNS: &str =
    "id, environment, release_set, release_set_id, at, actor, promotion_id, job_id, verified, rollback";

/// The environment's history, newest first.
pub async fn deployments<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &EnvironmentName,
    limit: i64,
) -> Result<Vec<Deployment>, StoreError> {
    let sql = format!(
        "SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE environment = $1 \
         ORDER BY id DESC LIMIT {limit}"
    );
    let rows = sqlx::query(&sql)
        .bind(environment.as_str())
        .fetch_all(db)
        .await?;
    rows.iter().map(decode_deployment).collect()
}

/// The newest verified entry that names every one of `applications`.
pub async fn last_verified<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &EnvironmentName,
    applications: &[String],
) -> Result<Option<Deployment>, StoreError> {
    let sql = format!(
        "SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE environment = $1 AND verified = 1 \
         ORDER BY id DESC LIMIT 50"
    );
    let rows = sqlx::query(&sql)
        .bind(environment.as_str())
        .fetch_all(db)
        .await?;
    for row in &rows {
        let d = decode_deployment(row)?;
        if applications
            .iter()
            .all(|a| d.release_set.applications.0.contains_key(a))
        {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

pub async fn set_verified<'e>(
    db: impl Executor<'e, Database = Any>,
    deployment: i64,
    verified: bool,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE deployments SET verified = $1 WHERE id = $2")
        .bind(i64::from(verified))
        .bind(deployment)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks the newest entry verified when a layer job (not a promotion,
/// which verifies its own) recorded it: a passing check of the endpoint.
pub async fn verify_newest_applied<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deployments SET verified = 1 WHERE id = (SELECT MAX(id) FROM deployments \
         WHERE environment = $1) AND promotion_id IS NULL AND verified = 0",
    )
    .bind(environment)
    .execute(db)
    .await?;
    Ok(())
}

// ---- holds -------------------------------------------------------------

/// Puts a hold; an existing hold on the same revision stays as it was.
pub async fn insert_hold<'e>(
    db: impl Executor<'e, Database = Any>,
    hold: &Hold,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO holds (environment, application, charm, revision, reason, at, by_actor, \
         promotion_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(hold.environment.as_str())
    .bind(&hold.application)
    .bind(&hold.charm)
    .bind(i64::from(hold.revision))
    .bind(&hold.reason)
    .bind(hold.at)
    .bind(&hold.by)
    .bind(hold.promotion.map(|p| p.0))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn holds<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &EnvironmentName,
) -> Result<Vec<Hold>, StoreError> {
    let rows = sqlx::query(
        "SELECT environment, application, charm, revision, reason, at, by_actor, promotion_id \
         FROM holds WHERE environment = $1 ORDER BY application, revision",
    )
    .bind(environment.as_str())
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Hold {
                environment: parse(
                    "environment",
                    EnvironmentName::parse(&get::<String>(r, "environment")?),
                )?,
                application: get(r, "application")?,
                charm: get(r, "charm")?,
                revision: u32::try_from(get::<i64>(r, "revision")?)
                    .map_err(|e| StoreError::Corrupt(format!("revision: {e}")))?,
                reason: get(r, "reason")?,
                at: get(r, "at")?,
                by: get(r, "by_actor")?,
                promotion: get::<Option<i64>>(r, "promotion_id")?.map(PromotionId),
            })
        })
        .collect()
}

/// Lifts a hold; `NotFound` when there was none.
pub async fn delete_hold<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &EnvironmentName,
    application: &str,
    revision: u32,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "DELETE FROM holds WHERE environment = $1 AND application = $2 AND revision = $3",
    )
    .bind(environment.as_str())
    .bind(application)
    .bind(i64::from(revision))
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ---- policy ------------------------------------------------------------

pub async fn policy<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &EnvironmentName,
) -> Result<Option<PromotionPolicy>, StoreError> {
    let row = sqlx::query("SELECT policy FROM promotion_policies WHERE environment = $1")
        .bind(environment.as_str())
        .fetch_optional(db)
        .await?;
    row.map(|r| json("policy", &get::<String>(&r, "policy")?))
        .transpose()
}

/// Every stored policy, by environment (those without one use their
/// tier's default).
pub async fn policies<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<std::collections::HashMap<String, PromotionPolicy>, StoreError> {
    let rows = sqlx::query("SELECT environment, policy FROM promotion_policies")
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get::<String>(r, "environment")?,
                json("policy", &get::<String>(r, "policy")?)?,
            ))
        })
        .collect()
}

pub async fn put_policy<'e>(
    db: impl Executor<'e, Database = Any>,
    environment: &EnvironmentName,
    policy: &PromotionPolicy,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO promotion_policies (environment, policy) VALUES ($1, $2) \
         ON CONFLICT (environment) DO UPDATE SET policy = excluded.policy",
    )
    .bind(environment.as_str())
    .bind(to_json(policy)?)
    .execute(db)
    .await?;
    Ok(())
}

/// Promotions waiting for approvals that `principal` did not ask for and
/// has not given on their current plan, oldest first, with their targets.
pub async fn awaiting_approval_by<'e>(
    db: impl Executor<'e, Database = Any>,
    principal: &str,
) -> Result<Vec<(PromotionId, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.id, p.target FROM promotions p WHERE p.state = 'awaiting_approval' \
         AND p.requested_by <> $1 AND NOT EXISTS (SELECT 1 FROM promotion_approvals a \
         WHERE a.promotion_id = p.id AND a.approver = $1 AND a.plan_hash = p.plan_hash) \
         ORDER BY p.id",
    )
    .bind(principal)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok((PromotionId(get(r, "id")?), get(r, "target")?)))
        .collect()
}
