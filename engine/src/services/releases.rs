//! Releases from CI: record one (and auto-deploy it where the policy says
//! so), list them, quarantine a revision everywhere, and the release
//! matrix of what runs where.

use std::collections::BTreeMap;

use domain::{
    upstream_order, Channel, DiffRow, EnvironmentName, EnvironmentStatus, Manifest, ManifestEntry,
    MatrixCell, MatrixEnvironment, MatrixRow, Page, PromotionId, PromotionSource, PromotionState,
    Quarantine, QuarantineKey, QuarantineRequest, RecordRelease, RecordedRelease, Release,
    ReleaseId, ReleaseMatrix, ReleaseQuery, ReleaseRef,
};

use super::promotions::Opened;
use crate::authz::{Action, PLATFORM};
use crate::store::environments::{self, EnvironmentRow};
use crate::store::promotions as promotion_store;
use crate::store::releases as store;
use crate::store::{audit, now_ms, NewAuditEvent, StoreError};
use crate::{Actor, Engine, Error};

/// What a release does in one environment that tracks its channel.
enum Fate {
    Open {
        current: ManifestEntry,
        layer: String,
        policy: domain::PromotionPolicy,
    },
    Skip(String),
}

/// One auto-deploy to open: the release, what the environment runs now,
/// the layer that deploys it and the environment's policy.
struct AutoDeploy<'a> {
    release: &'a ReleaseRef,
    current: ManifestEntry,
    layer: String,
    policy: domain::PromotionPolicy,
}

impl Engine {
    /// Records a release (`releaser` on the platform). Recording the same
    /// charm, channel and revision again answers the stored release and
    /// opens nothing. A new release opens a promotion into every
    /// environment that runs the application from that channel and has
    /// auto-deploy on, unless the revision is quarantined or held there;
    /// older auto-deploys of the application still waiting there end as
    /// superseded.
    #[tracing::instrument(skip_all, fields(actor = %actor))]
    pub async fn record_release(
        &self,
        actor: &Actor,
        request: &RecordRelease,
    ) -> Result<RecordedRelease, Error> {
        let new = request.parse().map_err(Error::Invalid)?;
        self.authorize(actor, Action::ManageReleases).await?;
        let pool = self.store().pool();
        let mut tx = pool.begin().await?;
        let (release, created) = store::insert(&mut tx, &new, now_ms(), &actor.principal).await?;
        if !created {
            tx.rollback().await?;
            return Ok(RecordedRelease {
                release: self.visible_release(actor, release.id).await?,
                created: false,
                opened: Vec::new(),
            });
        }
        let source = ReleaseRef {
            id: release.id,
            application: release.application.clone(),
            charm: release.charm.clone(),
            channel: release.channel.clone(),
            revision: release.revision,
        };
        let quarantine = store::quarantine(&mut *tx, &release.charm, release.revision).await?;
        let mut opened = Vec::new();
        for env in environments::list(&mut *tx).await? {
            let Some(fate) = self
                .fate(&mut tx, &env, &new.channel, &source, quarantine.as_ref())
                .await?
            else {
                continue;
            };
            let name = &env.summary.name;
            let (promotion, note) = match fate {
                Fate::Skip(note) => (None, note),
                Fate::Open {
                    current,
                    layer,
                    policy,
                } => {
                    let deploy = AutoDeploy {
                        release: &source,
                        current,
                        layer,
                        policy,
                    };
                    let id = self.auto_deploy(&mut tx, actor, &env, deploy).await?;
                    opened.push(id);
                    (Some(id), String::new())
                }
            };
            store::insert_outcome(&mut *tx, release.id, name, promotion, &note).await?;
        }
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action: "release.record",
                object: PLATFORM,
                allowed: true,
                reason: None,
                before: None,
                after: Some(serde_json::json!({
                    "release": release.id.0,
                    "application": release.application,
                    "charm": release.charm,
                    "channel": release.channel,
                    "revision": release.revision,
                    "opened": opened.iter().map(|p| p.0).collect::<Vec<_>>(),
                })),
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(RecordedRelease {
            release: self.visible_release(actor, release.id).await?,
            created: true,
            opened,
        })
    }

    /// Whether `env` tracks the release at all (none: it does not run the
    /// application from that channel), and if so what happens there.
    async fn fate(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        env: &EnvironmentRow,
        channel: &Channel,
        release: &ReleaseRef,
        quarantine: Option<&Quarantine>,
    ) -> Result<Option<Fate>, Error> {
        let name = &env.summary.name;
        let Some(current) = env.summary.manifest.0.get(&release.application) else {
            return Ok(None);
        };
        let tracks = Channel::parse(&current.channel).is_ok_and(|c| c.is_same(channel));
        if current.charm != release.charm
            || !tracks
            || env.summary.status == EnvironmentStatus::Destroyed
        {
            return Ok(None);
        }
        let (app, revision) = (&release.application, release.revision);
        let skip = |note: String| Ok(Some(Fate::Skip(note)));
        if let Some(q) = quarantine {
            return skip(format!("revision {revision} is quarantined: {}", q.reason));
        }
        let policy = promotion_store::policy(&mut **tx, name)
            .await?
            .unwrap_or_else(|| domain::PromotionPolicy::default_for(env.summary.tier));
        if !policy.auto_deploy {
            return skip(format!("auto-deploy is off in {name}: promote it by hand"));
        }
        if current.revision == Some(revision) {
            return skip(format!("{name} already runs {app} revision {revision}"));
        }
        if let Some(reason) = &env.locked_reason {
            return skip(format!("{name} is locked: {reason}"));
        }
        let holds = promotion_store::holds(&mut **tx, name).await?;
        if let Some(hold) = holds
            .iter()
            .find(|h| &h.application == app && h.revision == revision)
        {
            return skip(format!(
                "{app} revision {revision} is held on {name}: {}",
                hold.reason
            ));
        }
        let Some(layer) = self.layer_for(env, app) else {
            return skip(format!("no layer of {name} deploys {app}"));
        };
        Ok(Some(Fate::Open {
            current: current.clone(),
            layer,
            policy,
        }))
    }

    /// Opens the promotion of `release` into `env` under its policy, after
    /// superseding the older ones of the same application still waiting.
    async fn auto_deploy(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        actor: &Actor,
        env: &EnvironmentRow,
        deploy: AutoDeploy<'_>,
    ) -> Result<PromotionId, Error> {
        let AutoDeploy {
            release,
            current,
            layer,
            policy,
        } = deploy;
        let name = &env.summary.name;
        let app = &release.application;
        let applications = vec![app.clone()];
        for waiting in promotion_store::in_flight(&mut **tx, name).await? {
            let queued = waiting.state == PromotionState::Planning && waiting.job.is_none();
            if queued
                && matches!(waiting.source, PromotionSource::Release(_))
                && waiting.applications == applications
            {
                promotion_store::transition(
                    tx,
                    waiting.id,
                    PromotionState::Planning,
                    PromotionState::Superseded,
                    "palette",
                    &format!("superseded by {release} before its turn came"),
                    now_ms(),
                )
                .await?;
            }
        }
        let entry = ManifestEntry {
            revision: Some(release.revision),
            ..current.clone()
        };
        let diff = [DiffRow {
            application: app.clone(),
            layer: Some(layer),
            current: Some(current.clone()),
            incoming: entry.clone(),
        }];
        let incoming = Manifest([(app.clone(), entry)].into());
        let previous = Manifest([(app.clone(), current)].into());
        let message = format!(
            "opened by {} (auto-deploy): {app} {} from {release}",
            actor.principal, release.revision
        );
        self.insert_promotion(
            tx,
            actor,
            Opened {
                source: PromotionSource::Release(release.clone()),
                target: name,
                applications: &applications,
                incoming,
                previous: &previous,
                diff: &diff,
                warnings: &[],
                acknowledged: false,
                message: &message,
                policy: &policy,
            },
        )
        .await
    }

    /// A release with the outcomes in environments `actor` may view.
    async fn visible_release(&self, actor: &Actor, id: ReleaseId) -> Result<Release, Error> {
        let mut release = store::get_release(self.store().pool(), id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("release {id}")))?;
        let visible = self.visible_environments(actor).await?;
        if let Some(names) = visible {
            release
                .outcomes
                .retain(|o| names.contains(o.environment.as_str()));
        }
        Ok(release)
    }

    /// One release and where it went (any signed-in principal; outcomes
    /// only in environments it may view).
    pub async fn release(&self, actor: &Actor, id: ReleaseId) -> Result<Release, Error> {
        if actor.is_anonymous() {
            return Err(Error::Unauthenticated);
        }
        self.visible_release(actor, id).await
    }

    /// Recorded releases, newest first, with where each went.
    pub async fn releases(
        &self,
        actor: &Actor,
        query: &ReleaseQuery,
    ) -> Result<Page<Release, ReleaseId>, Error> {
        let filter = query.parse().map_err(Error::Invalid)?;
        if actor.is_anonymous() {
            return Err(Error::Unauthenticated);
        }
        let mut items = store::list(self.store().pool(), &filter).await?;
        if let Some(names) = self.visible_environments(actor).await? {
            for release in &mut items {
                release
                    .outcomes
                    .retain(|o| names.contains(o.environment.as_str()));
            }
        }
        Ok(Page::from_overfetch(items, filter.limit, |r| r.id))
    }

    /// Keeps a revision out of every environment (`releaser`): promotions
    /// that would bring it and have not started applying are cancelled.
    #[tracing::instrument(skip_all, fields(actor = %actor))]
    pub async fn quarantine(
        &self,
        actor: &Actor,
        request: &QuarantineRequest,
    ) -> Result<Quarantine, Error> {
        let new = request.parse().map_err(Error::Invalid)?;
        self.authorize(actor, Action::ManageReleases).await?;
        let quarantine = Quarantine {
            charm: new.key.charm.clone(),
            revision: new.key.revision,
            reason: new.reason,
            at: now_ms(),
            by: actor.principal.clone(),
        };
        let mut tx = self.store().pool().begin().await?;
        store::insert_quarantine(&mut *tx, &quarantine)
            .await
            .map_err(|e| match e {
                StoreError::Conflict => Error::Conflict(format!(
                    "{} revision {} is already quarantined",
                    quarantine.charm, quarantine.revision
                )),
                other => other.into(),
            })?;
        let cancelled = self.cancel_carrying(&mut tx, actor, &quarantine).await?;
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: quarantine.at,
                actor: &actor.principal,
                action: "quarantine.create",
                object: PLATFORM,
                allowed: true,
                reason: Some(&quarantine.reason),
                before: None,
                after: Some(serde_json::json!({
                    "charm": quarantine.charm,
                    "revision": quarantine.revision,
                    "cancelled": cancelled.iter().map(|p| p.0).collect::<Vec<_>>(),
                })),
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(quarantine)
    }

    /// Cancels the promotions that would bring the quarantined revision and
    /// have not started applying.
    async fn cancel_carrying(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        actor: &Actor,
        q: &Quarantine,
    ) -> Result<Vec<PromotionId>, Error> {
        let mut cancelled = Vec::new();
        for env in environments::list(&mut **tx).await? {
            for p in promotion_store::in_flight(&mut **tx, &env.summary.name).await? {
                let early = matches!(
                    p.state,
                    PromotionState::Planning | PromotionState::AwaitingApproval
                );
                let carries = p
                    .incoming
                    .applications
                    .0
                    .values()
                    .any(|e| e.charm == q.charm && e.revision == Some(q.revision));
                if !early || !carries {
                    continue;
                }
                if let Some(job) = p.job {
                    crate::queue::cancel(tx, job).await?;
                }
                let message = format!(
                    "cancelled: {} revision {} was quarantined by {}: {}",
                    q.charm, q.revision, actor.principal, q.reason
                );
                promotion_store::transition(
                    tx,
                    p.id,
                    p.state,
                    PromotionState::Cancelled,
                    &actor.principal,
                    &message,
                    now_ms(),
                )
                .await?;
                crate::promotion::start_next(tx, &env.summary.name).await?;
                cancelled.push(p.id);
            }
        }
        Ok(cancelled)
    }

    /// Lifts a quarantine (`releaser`).
    pub async fn lift_quarantine(&self, actor: &Actor, key: &QuarantineKey) -> Result<(), Error> {
        self.authorize(actor, Action::ManageReleases).await?;
        let mut tx = self.store().pool().begin().await?;
        let lifted = store::delete_quarantine(&mut tx, key)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => Error::NotFound(format!(
                    "a quarantine on {} revision {}",
                    key.charm, key.revision
                )),
                other => other.into(),
            })?;
        audit::append(
            &mut *tx,
            &NewAuditEvent {
                at: now_ms(),
                actor: &actor.principal,
                action: "quarantine.lift",
                object: PLATFORM,
                allowed: true,
                reason: None,
                before: serde_json::to_value(&lifted).ok(),
                after: None,
                request_id: actor.request_id.as_deref(),
                client: actor.client.as_deref(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every quarantine (any signed-in principal).
    pub async fn quarantines(&self, actor: &Actor) -> Result<Vec<Quarantine>, Error> {
        if actor.is_anonymous() {
            return Err(Error::Unauthenticated);
        }
        Ok(store::quarantines(self.store().pool()).await?)
    }

    /// Environments `actor` may view (in upstream order) × applications.
    pub async fn release_matrix(&self, actor: &Actor) -> Result<ReleaseMatrix, Error> {
        if actor.is_anonymous() {
            return Err(Error::Unauthenticated);
        }
        let pool = self.store().pool();
        let visible = self.visible_environments(actor).await?;
        let rows: Vec<EnvironmentRow> = environments::list(pool)
            .await?
            .into_iter()
            .filter(|e| e.summary.status != EnvironmentStatus::Destroyed)
            .filter(|e| {
                visible
                    .as_ref()
                    .is_none_or(|v| v.contains(e.summary.name.as_str()))
            })
            .collect();
        let mut policies = BTreeMap::new();
        for env in &rows {
            policies.insert(env.summary.name.clone(), self.policy_of(env).await?);
        }
        let links: Vec<(EnvironmentName, Option<EnvironmentName>)> = rows
            .iter()
            .map(|e| {
                let upstream = policies
                    .get(&e.summary.name)
                    .and_then(|p| p.upstream.clone());
                (e.summary.name.clone(), upstream)
            })
            .collect();
        let order = upstream_order(&links);
        let by_name: BTreeMap<&EnvironmentName, &EnvironmentRow> =
            rows.iter().map(|e| (&e.summary.name, e)).collect();
        let ordered: Vec<&EnvironmentRow> = order
            .iter()
            .filter_map(|n| by_name.get(n).copied())
            .collect();
        let quarantines = store::quarantines(pool).await?;
        let newest = store::newest(pool).await?;
        let mut environments = Vec::with_capacity(ordered.len());
        let mut holds = BTreeMap::new();
        for env in &ordered {
            let name = &env.summary.name;
            let policy = policies
                .get(name)
                .cloned()
                .unwrap_or_else(|| domain::PromotionPolicy::default_for(env.summary.tier));
            environments.push(MatrixEnvironment {
                name: name.clone(),
                tier: env.summary.tier,
                channel: env.summary.channel.clone(),
                upstream: policy.upstream.clone(),
                auto_deploy: policy.auto_deploy,
                can_promote: self.may(actor, "can_promote_to", name).await,
            });
            holds.insert(name.clone(), promotion_store::holds(pool, name).await?);
        }
        let mut applications: Vec<&String> = ordered
            .iter()
            .flat_map(|e| e.summary.manifest.0.keys())
            .collect();
        applications.sort();
        applications.dedup();
        let matrix_rows = applications
            .into_iter()
            .map(|app| {
                let entry_of = |name: &EnvironmentName| {
                    by_name
                        .get(name)
                        .and_then(|e| e.summary.manifest.0.get(app))
                };
                let cells = environments
                    .iter()
                    .map(|env| {
                        let entry = entry_of(&env.name)?;
                        let upstream = env
                            .upstream
                            .as_ref()
                            .and_then(|u| by_name.contains_key(u).then(|| entry_of(u)));
                        let differs = match upstream {
                            Some(up) => {
                                up.map(|u| (&u.charm, u.revision))
                                    != Some((&entry.charm, entry.revision))
                            }
                            None => false,
                        };
                        let held = entry.revision.and_then(|r| {
                            holds.get(&env.name).and_then(|hs| {
                                hs.iter()
                                    .find(|h| &h.application == app && h.revision == r)
                                    .map(|h| h.reason.clone())
                            })
                        });
                        let quarantined = entry.revision.and_then(|r| {
                            quarantines
                                .iter()
                                .find(|q| q.charm == entry.charm && q.revision == r)
                                .map(|q| q.reason.clone())
                        });
                        Some(MatrixCell {
                            charm: entry.charm.clone(),
                            channel: entry.channel.clone(),
                            revision: entry.revision,
                            differs_from_upstream: differs,
                            held,
                            quarantined,
                        })
                    })
                    .collect::<Vec<_>>();
                // The newest release on each channel this application is
                // tracked on, for the charms it runs as.
                let mut tracked: Vec<(String, String)> = cells
                    .iter()
                    .flatten()
                    .map(|c| {
                        let channel = Channel::parse(&c.channel)
                            .map_or_else(|_| c.channel.clone(), |ch| ch.canonical());
                        (c.charm.clone(), channel)
                    })
                    .collect();
                tracked.sort();
                tracked.dedup();
                let newest = tracked
                    .iter()
                    .filter_map(|(charm, channel)| {
                        newest
                            .iter()
                            .find(|(c, r)| c == charm && &r.channel == channel)
                            .map(|(_, r)| r.clone())
                    })
                    .collect();
                MatrixRow {
                    application: app.clone(),
                    cells,
                    newest,
                }
            })
            .collect();
        Ok(ReleaseMatrix {
            environments,
            rows: matrix_rows,
            quarantines,
            can_quarantine: self.may_on(actor, "releaser", PLATFORM).await,
        })
    }
}
