//! Demo data: the four environments of the write-up, seeded once.

use domain::{CreateEnvironment, Manifest};

use crate::authz::Tuple;
use crate::store::settings;
use crate::{Actor, Engine, Error};

/// (name, tier, purpose, channel)
const DEMO: &[(&str, &str, &str, &str)] = &[
    (
        "blue",
        "production",
        "Bleeding edge: daily commits and integration workflows",
        "edge",
    ),
    (
        "green",
        "production",
        "Identifier-first login flow before it reaches production",
        "stable",
    ),
    (
        "yellow",
        "production",
        "Multi-tenancy: OpenFGA relationships under load",
        "candidate",
    ),
    (
        "red",
        "production",
        "Juju 4 compatibility and lifecycle operations",
        "beta",
    ),
];

/// Who may do what in the demo, for the dev login's seeded users: alice
/// (platform-admins) administers everything, staff (bob, carol, dave) may
/// create environments and view all, bob's blue-operators operate blue,
/// carol's release-approvers approve promotions into green.
const DEMO_GRANTS: &[(&str, &str, &str)] = &[
    ("group:platform-admins#member", "admin", "platform:default"),
    ("group:staff#member", "creator", "platform:default"),
    (
        "group:blue-operators#member",
        "operator",
        "environment:blue",
    ),
    (
        "group:release-approvers#member",
        "approver",
        "environment:green",
    ),
];

/// The layers every demo environment has, in the write-up's order.
pub const DEMO_LAYERS: &[&str] = &["k8s", "core", "iam", "jimm", "cos-integration"];

impl Engine {
    /// Seeds the demo environments the first time it runs on a database;
    /// later calls (every restart with `--demo`) do nothing. Returns how
    /// many environments it created.
    #[tracing::instrument(skip_all)]
    pub async fn seed_demo(&self) -> Result<usize, Error> {
        if !settings::insert_once(self.store().pool(), "demo_seeded", "1").await? {
            return Ok(0);
        }
        let actor = Actor::system("demo");
        let mut created = 0;
        for (name, tier, purpose, channel) in DEMO {
            let issuer = format!("https://iam.{name}.canonical.com");
            let new = CreateEnvironment {
                name: (*name).to_owned(),
                tier: (*tier).to_owned(),
                purpose: (*purpose).to_owned(),
                channel: (*channel).to_owned(),
                oidc_issuer: issuer,
                layers: DEMO_LAYERS.iter().map(|s| (*s).to_owned()).collect(),
                manifest: Some(Manifest::identity_stack(channel)),
            }
            .parse()
            .map_err(Error::Invalid)?;
            match self.create_environment(&actor, new).await {
                Ok(_) => created += 1,
                Err(Error::Conflict(_) | Error::Taken(_)) => {}
                Err(other) => return Err(other),
            }
        }
        let grants: Vec<Tuple> = DEMO_GRANTS
            .iter()
            .map(|(user, relation, object)| Tuple::new(*user, *relation, *object))
            .collect();
        self.authorizer()
            .write(&grants, &[])
            .await
            .map_err(|e| Error::Unavailable(format!("cannot seed the demo grants: {e}")))?;
        Ok(created)
    }
}
