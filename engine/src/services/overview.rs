//! The overview: every visible environment with its running or last job,
//! lock, OIDC verdict and distance from its upstream, read with one
//! visibility query and one query per kind of fact — never one per
//! environment.

use std::collections::BTreeMap;

use domain::overview::differing_applications;
use domain::{upstream_order, EnvironmentName, Overview, OverviewCard, PromotionPolicy};

use crate::store::{environments, oidc_checks, promotions};
use crate::{queue, Actor, Engine, Error};

impl Engine {
    /// The overview's cards, in upstream order.
    #[tracing::instrument(skip_all, fields(actor = %actor))]
    pub async fn overview(&self, actor: &Actor) -> Result<Overview, Error> {
        let visible = self.visible_environments(actor).await?;
        let pool = self.store().pool();
        let rows: Vec<environments::EnvironmentRow> = environments::list(pool)
            .await?
            .into_iter()
            .filter(|row| {
                visible
                    .as_ref()
                    .is_none_or(|v| v.contains(row.summary.name.as_str()))
            })
            .collect();
        if rows.is_empty() {
            return Ok(Overview {
                environments: Vec::new(),
            });
        }
        let mut policies = promotions::policies(pool).await?;
        let mut jobs = queue::latest_per_environment(pool).await?;
        let mut verdicts = oidc_checks::verdicts(pool).await?;

        let mut upstream_of = |row: &environments::EnvironmentRow| {
            policies
                .remove(row.summary.name.as_str())
                .unwrap_or_else(|| PromotionPolicy::default_for(row.summary.tier))
                .upstream
        };
        let links: Vec<(EnvironmentName, Option<EnvironmentName>)> = rows
            .iter()
            .map(|row| (row.summary.name.clone(), upstream_of(row)))
            .collect();
        let upstreams: BTreeMap<&EnvironmentName, Option<&EnvironmentName>> =
            links.iter().map(|(env, up)| (env, up.as_ref())).collect();
        let manifests: BTreeMap<&EnvironmentName, &domain::Manifest> = rows
            .iter()
            .map(|row| (&row.summary.name, &row.summary.manifest))
            .collect();
        let mut cards: BTreeMap<EnvironmentName, OverviewCard> = rows
            .iter()
            .map(|row| {
                let name = &row.summary.name;
                // An upstream the viewer may not see is named but not compared.
                let upstream = upstreams.get(name).copied().flatten();
                let differs_from_upstream = upstream
                    .and_then(|up| manifests.get(up))
                    .map(|up| differing_applications(&row.summary.manifest, up))
                    .unwrap_or_default();
                let card = OverviewCard {
                    environment: row.summary.clone(),
                    locked_reason: row.locked_reason.clone(),
                    job: jobs.remove(name.as_str()),
                    oidc: verdicts.remove(name.as_str()),
                    upstream: upstream.cloned(),
                    differs_from_upstream,
                };
                (name.clone(), card)
            })
            .collect();
        let environments = upstream_order(&links)
            .iter()
            .filter_map(|name| cards.remove(name))
            .collect();
        Ok(Overview { environments })
    }
}
