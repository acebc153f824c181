//! `palette release record`: the client a CI pipeline runs after publishing
//! a charm. It takes a client-credentials token from the issuer (its token
//! endpoint from discovery) or a given token, records the release over the
//! REST API and, with `--wait`, follows the promotions it opened.
//!
//! Exit codes: 0 when every promotion succeeded (or none was opened), 1
//! when one failed, was rolled back or did not finish in time, 2 on a usage,
//! input or authentication error.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use domain::{
    ErrorEnvelope, PromotionDetail, PromotionId, PromotionState, RecordRelease, RecordedRelease,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, clap::Subcommand)]
pub enum ReleaseCommand {
    /// Record a charm revision released on a channel; environments that
    /// track the channel with auto-deploy on get a promotion.
    Record(RecordArgs),
}

#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// The application the charm deploys (as environments' manifests name it).
    #[arg(long)]
    pub application: String,
    /// The charm's name on Charmhub.
    #[arg(long)]
    pub charm: String,
    /// The released revision.
    #[arg(long)]
    pub revision: i64,
    /// `[track/]risk[/branch]`, e.g. `latest/edge`.
    #[arg(long)]
    pub channel: String,
    /// A resource released with it, `name=revision` (repeatable).
    #[arg(long = "resource", value_name = "NAME=REVISION")]
    pub resources: Vec<String>,
    /// Follow the promotions it opened until they end.
    #[arg(long)]
    pub wait: bool,
    /// How long `--wait` waits: `90s`, `30m`, `2h` or seconds.
    #[arg(long, default_value = "30m", value_parser = parse_timeout)]
    pub timeout: Duration,
    #[command(flatten)]
    pub connection: Connection,
}

/// Where Palette is and how to authenticate.
#[derive(Debug, clap::Args)]
pub struct Connection {
    /// Palette's base URL.
    #[arg(long, env = "PALETTE_URL", value_name = "URL")]
    pub url: String,
    /// A bearer token to use as is (e.g. the demo CI token).
    #[arg(
        long,
        env = "PALETTE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<SecretString>,
    /// The OpenID Provider that issues client-credentials tokens.
    #[arg(long, env = "PALETTE_ISSUER", value_name = "URL")]
    pub issuer: Option<String>,
    #[arg(long, env = "PALETTE_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,
    /// Read from the environment only, so that it stays out of process lists.
    #[arg(skip = std::env::var("PALETTE_CLIENT_SECRET").ok().map(SecretString::from))]
    pub client_secret: Option<SecretString>,
    /// The `audience` to ask the token for (Hydra's way of naming
    /// Palette's API audience).
    #[arg(long, env = "PALETTE_AUDIENCE", value_name = "AUDIENCE")]
    pub audience: Option<String>,
    /// The `resource` to ask the token for (RFC 8707 resource indicators).
    #[arg(long = "token-resource", env = "PALETTE_RESOURCE", value_name = "URI")]
    pub resource: Option<String>,
    /// The `scope` to ask the token for, space-separated.
    #[arg(long = "token-scope", env = "PALETTE_SCOPE", value_name = "SCOPES")]
    pub scope: Option<String>,
}

/// `90s`, `30m`, `2h`, or a number of seconds.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 90s, 30m or 2h"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("{text:?}: the unit is s, m or h")),
    };
    if secs == 0 {
        return Err("the timeout must be longer than 0".to_owned());
    }
    Ok(Duration::from_secs(secs))
}

/// A failure, with the exit code it ends in.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    fn failed(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

pub async fn run(command: ReleaseCommand) -> ExitCode {
    let ReleaseCommand::Record(args) = command;
    match record(&args).await {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("palette release: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

async fn record(args: &RecordArgs) -> Result<u8, Failure> {
    let mut resources = BTreeMap::new();
    for pair in &args.resources {
        let (name, revision) = pair
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("--resource {pair:?}: use NAME=REVISION")))?;
        let revision: i64 = revision.trim().parse().map_err(|_| {
            Failure::usage(format!("--resource {pair:?}: the revision is a number"))
        })?;
        resources.insert(name.trim().to_owned(), revision);
    }
    let body = RecordRelease {
        application: args.application.clone(),
        charm: args.charm.clone(),
        revision: args.revision,
        channel: args.channel.clone(),
        resources,
    };
    // Checked here too, so that a typo never reaches the network.
    if let Err(errors) = body.parse() {
        let list: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        return Err(Failure::usage(list.join("; ")));
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| Failure::failed(format!("cannot build the HTTP client: {e}")))?;
    let base = args.connection.url.trim_end_matches('/').to_owned();
    let token = token(&http, &args.connection).await?;
    let api = Api { http, base, token };

    let answer = api.post_release(&body).await?;
    let release = &answer.release;
    println!(
        "release {}: {} revision {} on {} ({})",
        release.id,
        release.charm,
        release.revision,
        release.channel,
        if answer.created {
            "recorded"
        } else {
            "recorded before; nothing new opened"
        }
    );
    let mut follow = Vec::new();
    for outcome in &release.outcomes {
        match (outcome.promotion, outcome.state) {
            (Some(id), state) => {
                let state = state.map_or("opened", PromotionState::label);
                println!("{}: promotion {id} ({state})", outcome.environment);
                follow.push(id);
            }
            (None, _) => println!("{}: not deployed: {}", outcome.environment, outcome.note),
        }
    }
    if release.outcomes.is_empty() {
        println!(
            "no environment tracks {} for {}",
            release.channel, release.application
        );
    }
    if !args.wait || follow.is_empty() {
        return Ok(0);
    }
    api.wait(&follow, args.timeout).await
}

async fn token(http: &reqwest::Client, c: &Connection) -> Result<SecretString, Failure> {
    if let Some(token) = &c.token {
        return Ok(token.clone());
    }
    let (Some(issuer), Some(client_id), Some(secret)) = (&c.issuer, &c.client_id, &c.client_secret)
    else {
        return Err(Failure::usage(
            "no credentials: set PALETTE_TOKEN, or PALETTE_ISSUER, PALETTE_CLIENT_ID and \
             PALETTE_CLIENT_SECRET",
        ));
    };
    #[derive(Deserialize)]
    struct Discovery {
        token_endpoint: String,
    }
    #[derive(Deserialize)]
    struct TokenAnswer {
        access_token: String,
    }
    let discovery_url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let discovery: Discovery = http
        .get(&discovery_url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| Failure::usage(format!("cannot read {discovery_url}: {e}")))?
        .json()
        .await
        .map_err(|e| Failure::usage(format!("{discovery_url} has no token_endpoint: {e}")))?;
    let mut form = vec![("grant_type", "client_credentials")];
    for (name, value) in [
        ("audience", &c.audience),
        ("resource", &c.resource),
        ("scope", &c.scope),
    ] {
        if let Some(value) = value {
            form.push((name, value.as_str()));
        }
    }
    let response = http
        .post(&discovery.token_endpoint)
        .basic_auth(client_id, Some(secret.expose_secret()))
        .form(&form)
        .send()
        .await
        .map_err(|e| Failure::usage(format!("cannot reach the token endpoint: {e}")))?;
    if !response.status().is_success() {
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        return Err(Failure::usage(format!(
            "the token endpoint refused client {client_id} ({status}): {}",
            text.chars().take(300).collect::<String>()
        )));
    }
    let answer: TokenAnswer = response
        .json()
        .await
        .map_err(|e| Failure::usage(format!("the token endpoint answered no access_token: {e}")))?;
    Ok(answer.access_token.into())
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: SecretString,
}

impl Api {
    async fn post_release(&self, body: &RecordRelease) -> Result<RecordedRelease, Failure> {
        let response = self
            .http
            .post(format!("{}/api/v1/releases", self.base))
            .bearer_auth(self.token.expose_secret())
            .json(body)
            .send()
            .await
            .map_err(|e| Failure::failed(format!("cannot reach {}: {e}", self.base)))?;
        read(response).await
    }

    async fn promotion(&self, id: PromotionId) -> Result<PromotionDetail, Failure> {
        let response = self
            .http
            .get(format!("{}/api/v1/promotions/{id}", self.base))
            .bearer_auth(self.token.expose_secret())
            .send()
            .await
            .map_err(|e| Failure::failed(format!("cannot reach {}: {e}", self.base)))?;
        read(response).await
    }

    /// Polls every promotion until each ends, printing each change of
    /// state once; 0 when all succeeded, else 1.
    async fn wait(&self, ids: &[PromotionId], timeout: Duration) -> Result<u8, Failure> {
        let deadline = Instant::now() + timeout;
        let mut last: BTreeMap<PromotionId, PromotionState> = BTreeMap::new();
        let mut ended: BTreeMap<PromotionId, PromotionState> = BTreeMap::new();
        loop {
            for &id in ids {
                if ended.contains_key(&id) {
                    continue;
                }
                let detail = self.promotion(id).await?;
                let p = &detail.promotion;
                if last.get(&id) != Some(&p.state) {
                    println!(
                        "promotion {id} into {}: {} ({})",
                        p.target,
                        p.state.label(),
                        p.message
                    );
                    last.insert(id, p.state);
                }
                if is_over(p.state) {
                    ended.insert(id, p.state);
                }
            }
            if ended.len() == ids.len() {
                let failed: Vec<String> = ended
                    .iter()
                    .filter(|(_, s)| **s != PromotionState::Succeeded)
                    .map(|(id, s)| format!("promotion {id} {}", s.label()))
                    .collect();
                if failed.is_empty() {
                    println!("every promotion succeeded");
                    return Ok(0);
                }
                return Err(Failure::failed(failed.join(", ")));
            }
            if Instant::now() >= deadline {
                let waiting: Vec<String> = last
                    .iter()
                    .filter(|(id, _)| !ended.contains_key(id))
                    .map(|(id, s)| format!("promotion {id} is {}", s.label()))
                    .collect();
                return Err(Failure::failed(format!(
                    "timed out after {}s: {}",
                    timeout.as_secs(),
                    waiting.join(", ")
                )));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// Nothing more will happen without a person: it ended, or it failed or
/// was superseded (which a pipeline counts as not deployed).
fn is_over(state: PromotionState) -> bool {
    state.is_terminal() || matches!(state, PromotionState::Failed | PromotionState::Superseded)
}

/// The body of a success, or the failure an error answer means: 401 and
/// 403 are authentication errors, 4xx input errors (exit 2), the rest 1.
async fn read<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, Failure> {
    let status = response.status();
    if status.is_success() {
        return response
            .json()
            .await
            .map_err(|e| Failure::failed(format!("unreadable answer: {e}")));
    }
    let text = response.text().await.unwrap_or_default();
    let message = match serde_json::from_str::<ErrorEnvelope>(&text) {
        Ok(envelope) => {
            let mut message = envelope.error.message;
            for field in envelope.error.fields {
                message.push_str(&format!("; {}: {}", field.field, field.message));
            }
            message
        }
        Err(_) => text.chars().take(300).collect(),
    };
    let message = format!("{status}: {message}");
    Err(if status.is_client_error() && status.as_u16() != 409 {
        Failure::usage(message)
    } else {
        Failure::failed(message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        crate::cli::Cli::command().debug_assert();
    }

    #[test]
    fn timeouts_take_a_unit() {
        assert_eq!(parse_timeout("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_timeout("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_timeout("45"), Ok(Duration::from_secs(45)));
        assert!(parse_timeout("0").is_err());
        assert!(parse_timeout("5d").is_err());
        assert!(parse_timeout("soon").is_err());
    }

    #[test]
    fn a_pipeline_stops_waiting_when_nothing_more_happens_by_itself() {
        use PromotionState as S;
        for state in [
            S::Succeeded,
            S::Failed,
            S::RolledBack,
            S::Superseded,
            S::Rejected,
        ] {
            assert!(is_over(state), "{state}");
        }
        for state in [
            S::Planning,
            S::AwaitingApproval,
            S::Verifying,
            S::AwaitingDecision,
        ] {
            assert!(!is_over(state), "{state}");
        }
    }
}
