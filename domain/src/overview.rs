//! The overview: every environment the viewer may see, in pipeline order,
//! each with what answers "is it all right?" — its running or last job,
//! its lock, its OIDC verdict and how far it is from its upstream.

use serde::{Deserialize, Serialize};

use crate::job::Job;
use crate::oidc::OidcVerdict;
use crate::{EnvironmentName, EnvironmentSummary, Manifest};

/// One environment's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverviewCard {
    pub environment: EnvironmentSummary,
    /// Why the environment is locked, when it is.
    pub locked_reason: Option<String>,
    /// Its running infrastructure or promotion job, else its newest one.
    pub job: Option<Job>,
    /// Its newest OIDC check.
    pub oidc: Option<OidcVerdict>,
    /// The environment its promotions come from.
    pub upstream: Option<EnvironmentName>,
    /// Applications it runs at another charm or revision than its upstream
    /// (empty without an upstream).
    pub differs_from_upstream: Vec<String>,
}

/// `GET /api/v1/overview`: the cards in upstream order (every environment
/// after the one it is promoted from; roots and siblings by name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    pub environments: Vec<OverviewCard>,
}

/// The applications `env` runs at another charm or revision than
/// `upstream` does; applications only one of them runs do not count.
pub fn differing_applications(env: &Manifest, upstream: &Manifest) -> Vec<String> {
    env.0
        .iter()
        .filter(|(app, entry)| {
            upstream
                .0
                .get(*app)
                .is_some_and(|up| (&up.charm, up.revision) != (&entry.charm, entry.revision))
        })
        .map(|(app, _)| app.clone())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ManifestEntry;

    fn manifest(entries: &[(&str, &str, Option<u32>)]) -> Manifest {
        Manifest(
            entries
                .iter()
                .map(|(app, charm, revision)| {
                    (
                        (*app).to_owned(),
                        ManifestEntry {
                            charm: (*charm).to_owned(),
                            channel: "latest/edge".into(),
                            revision: *revision,
                        },
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn an_application_differs_by_revision_or_charm_but_not_by_being_absent() {
        let upstream = manifest(&[
            ("hydra", "hydra", Some(400)),
            ("kratos", "kratos", Some(500)),
            ("openfga", "openfga", Some(60)),
            ("only-upstream", "x", Some(1)),
        ]);
        let env = manifest(&[
            ("hydra", "hydra", Some(399)),
            ("kratos", "kratos-fork", Some(500)),
            ("openfga", "openfga", Some(60)),
            ("only-here", "y", Some(2)),
        ]);
        assert_eq!(differing_applications(&env, &upstream), ["hydra", "kratos"]);
        assert!(differing_applications(&upstream, &upstream).is_empty());
        let unpinned = manifest(&[("hydra", "hydra", None)]);
        assert_eq!(differing_applications(&unpinned, &upstream), ["hydra"]);
    }
}
