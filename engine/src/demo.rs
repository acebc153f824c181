//! Demo data: the four environments of the write-up, seeded once.

use domain::{
    Channel, CreateEnvironment, EnvironmentName, Manifest, NewRelease, PromotionPolicy, Tier,
};
use serde_json::{json, Value};

use crate::authz::Tuple;
use crate::store::{environments, now_ms, promotions, releases, settings};
use crate::{Actor, Engine, Error};

/// The revision that breaks an identity stack in the demo: an environment
/// running it serves a discovery document whose issuer does not match, so
/// the OIDC check fails `issuer-match` and a promotion of it is rolled back.
pub const BAD_REVISION: (&str, u32) = ("hydra", 405);

/// Pinned revisions per channel: (application, edge, beta, candidate, stable).
const REVISIONS: &[(&str, u32, u32, u32, u32)] = &[
    ("hook-service", 120, 118, 117, 115),
    ("hydra", 412, 405, 399, 398),
    ("identity-platform-login-ui", 210, 205, 204, 200),
    ("jimm", 77, 75, 74, 72),
    ("kratos", 530, 522, 515, 501),
    ("openfga", 60, 58, 58, 55),
    ("postgresql", 470, 468, 465, 460),
    ("traefik", 230, 228, 226, 225),
    ("vault", 330, 328, 325, 320),
];

fn revision_for(app: &str, risk: &str) -> Option<u32> {
    REVISIONS
        .iter()
        .find(|r| r.0 == app)
        .map(|&(_, edge, beta, candidate, stable)| match risk {
            "edge" => edge,
            "beta" => beta,
            "candidate" => candidate,
            _ => stable,
        })
}

/// The demo's identity stack on `channel`, every revision pinned.
fn pinned_stack(channel: &str) -> Manifest {
    let mut manifest = Manifest::identity_stack(channel);
    let risk = channel.rsplit('/').next().unwrap_or(channel);
    for (app, entry) in &mut manifest.0 {
        entry.revision = revision_for(app, risk);
    }
    manifest
}

/// A key the simulated endpoints publish (public half only; nothing signs
/// with it).
const DEMO_KEY_N: &str = "wkRYhQkwfyFBCZ0inXuNO9Y-LV-fE_pbYf8ixFSDQJivgzhkHBpjcRNbJKnbJE9c-bCjs5T3a6T-0q6nxz9SSHqI-ot5xMKSTryYFLhYMvzVUltdHsaN8tHXa2V5UwGDUncYAkB2q_WoTJXdHJFmjXMuv2Tjjbaycyqr13dcVaCOikVb-8z1lOhOcrlJhOJtghTUOh5LZVZVyIxTtCObGB06vyElO0chKGRyc66w19WGAj0Gmby-RsxiICdNgGjX3RzlVLcv4Quk0atUNAjTd8l1sS2VqKKGHIkO2uDmcRq1H5g0ZpsCCyJxgUJmebPH936P6-gBXoaZVhRS6r8d1Q";

/// Where the demo serves an environment's simulated OIDC endpoint.
pub fn simulated_issuer(base: &str, name: &str) -> String {
    format!("{}/simulated/oidc/{name}", base.trim_end_matches('/'))
}

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
/// bob promotes into green and carol's release-approvers approve that.
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
    // bob owns releases into green: he promotes, someone else approves.
    ("user:bob", "operator", "environment:green"),
    // The demo's CI pipeline records releases (its token is printed at start).
    (DEMO_CI, "releaser", "platform:default"),
];

/// The principal of the demo's CI pipeline.
pub const DEMO_CI: &str = "user:palette-demo-ci";

/// (environment, upstream, auto-deploy): blue takes edge releases as they
/// come, without an approval; the others are promoted from blue.
const DEMO_POLICIES: &[(&str, Option<&str>, bool)] = &[
    ("blue", None, true),
    ("green", Some("blue"), false),
    ("red", Some("blue"), false),
    ("yellow", Some("red"), false),
];

/// The layers every demo environment has, in the write-up's order.
pub const DEMO_LAYERS: &[&str] = &["k8s", "core", "iam", "jimm", "cos-integration"];

impl Engine {
    /// Seeds the demo environments, their releases and grants the first
    /// time it runs on a database, and the promotion policies and the CI
    /// principal's grant the first time after releases from CI came; later
    /// calls (every restart with `--demo`) do nothing. Returns how many
    /// environments it created.
    #[tracing::instrument(skip_all)]
    pub async fn seed_demo(&self, base: &str) -> Result<usize, Error> {
        let pool = self.store().pool();
        let mut created = 0;
        if settings::insert_once(pool, "demo_seeded", "1").await? {
            let actor = Actor::system("demo");
            for (name, tier, purpose, channel) in DEMO {
                let issuer = simulated_issuer(base, name);
                let new = CreateEnvironment {
                    name: (*name).to_owned(),
                    tier: (*tier).to_owned(),
                    purpose: (*purpose).to_owned(),
                    channel: (*channel).to_owned(),
                    oidc_issuer: issuer,
                    layers: DEMO_LAYERS.iter().map(|s| (*s).to_owned()).collect(),
                    manifest: Some(pinned_stack(channel)),
                }
                .parse()
                .map_err(Error::Invalid)?;
                match self.create_environment(&actor, new).await {
                    Ok(_) => created += 1,
                    Err(Error::Conflict(_) | Error::Taken(_)) => {}
                    Err(other) => return Err(other),
                }
            }
            self.seed_releases().await?;
            let grants: Vec<Tuple> = DEMO_GRANTS
                .iter()
                .map(|(user, relation, object)| Tuple::new(*user, *relation, *object))
                .collect();
            self.seed_grants(&grants).await?;
        }
        // Seeded apart, so that a demo database made before releases from
        // CI existed gets the policies and the CI principal's grant too.
        if settings::insert_once(pool, "demo_releases_seeded", "1").await? {
            self.seed_policies().await?;
            self.seed_grants(&[Tuple::new(DEMO_CI, "releaser", "platform:default")])
                .await?;
        }
        Ok(created)
    }
}

impl Engine {
    /// Every demo revision is released on its own channel, and the edge
    /// revisions of blue on stable too (they went through candidate), so
    /// blue → green needs no acknowledgement; red's beta-only revisions do.
    async fn seed_releases(&self) -> Result<(), Error> {
        let at = now_ms();
        let stack = Manifest::identity_stack("edge");
        let mut tx = self.store().pool().begin().await?;
        for (app, entry) in &stack.0 {
            for (risk, also) in [
                ("edge", None),
                ("beta", None),
                ("candidate", None),
                ("stable", Some("edge")),
            ] {
                let channel = Channel::parse(risk).map_err(Error::invalid)?;
                for from in std::iter::once(risk).chain(also) {
                    let Some(revision) = revision_for(app, from) else {
                        continue;
                    };
                    let release = NewRelease {
                        application: app.clone(),
                        charm: entry.charm.clone(),
                        revision,
                        channel: channel.clone(),
                        resources: Default::default(),
                    };
                    releases::insert(&mut tx, &release, at, "palette:demo").await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn seed_grants(&self, grants: &[Tuple]) -> Result<(), Error> {
        self.authorizer()
            .write(grants, &[])
            .await
            .map_err(|e| Error::Unavailable(format!("cannot seed the demo grants: {e}")))
    }

    /// Blue auto-deploys edge releases with no approval and verifies
    /// quickly; green, red and yellow name the environment they come from.
    async fn seed_policies(&self) -> Result<(), Error> {
        for (name, upstream, auto_deploy) in DEMO_POLICIES {
            let env = EnvironmentName::parse(name).map_err(Error::invalid)?;
            let mut policy = PromotionPolicy::default_for(Tier::Production);
            policy.auto_deploy = *auto_deploy;
            policy.upstream = upstream
                .map(EnvironmentName::parse)
                .transpose()
                .map_err(Error::invalid)?;
            if *auto_deploy {
                policy.required_approvals = 0;
                policy.verify_interval_secs = 5;
                policy.verify_window_secs = 60;
            }
            promotions::put_policy(self.store().pool(), &env, &policy).await?;
        }
        Ok(())
    }

    /// The discovery document of a demo environment's simulated OIDC
    /// endpoint (its issuer is [`simulated_issuer`]); `None` for an
    /// environment that does not exist or is not simulated. It breaks (the
    /// issuer does not match) while the environment runs [`BAD_REVISION`].
    pub async fn simulated_discovery(
        &self,
        name: &EnvironmentName,
    ) -> Result<Option<Value>, Error> {
        let Some(env) = environments::get_by_name(self.store().pool(), name).await? else {
            return Ok(None);
        };
        let issuer = env.summary.oidc_issuer.trim_end_matches('/');
        if !issuer.ends_with(&format!("/simulated/oidc/{name}")) {
            return Ok(None);
        }
        let (app, bad) = BAD_REVISION;
        let broken = env
            .summary
            .manifest
            .0
            .get(app)
            .is_some_and(|e| e.revision == Some(bad));
        let claimed = if broken {
            format!("{issuer}/")
        } else {
            issuer.to_owned()
        };
        Ok(Some(json!({
            "issuer": claimed,
            "authorization_endpoint": format!("{issuer}/oauth2/auth"),
            "token_endpoint": format!("{issuer}/oauth2/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
            "response_types_supported": ["code", "id_token", "code id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "offline_access"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        })))
    }

    /// The key set of every simulated endpoint.
    pub fn simulated_jwks() -> Value {
        json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": "palette-demo-1",
                "n": DEMO_KEY_N,
                "e": "AQAB",
            }]
        })
    }
}
