//! The route matrix: every REST route and every server function, called as
//! anonymous, viewer, operator, approver, owner, platform admin and an
//! ungranted machine client, with the expected status. A route or server
//! function without a row fails the test, so nothing new ships unchecked.

use std::collections::BTreeSet;

use engine::Actor;
use reqwest::Method;
use server::{Config, ServeOptions, Server};
use testkit::oidc::{secret, SigningKey, AUDIENCE, PALETTE_CLIENT};

/// Who calls, in column order.
const WHO: [&str; 7] = [
    "anonymous",
    "viewer",
    "operator",
    "approver",
    "owner",
    "admin",
    "machine",
];

/// (method, path as registered, concrete request path, form body, expected
/// status per principal in `WHO` order).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    [u16; 7],
);

const REST: &[Row] = &[
    (
        "get",
        "/whoami",
        "/api/v1/whoami",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "get",
        "/environments",
        "/api/v1/environments",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "get",
        "/environments/{name}",
        "/api/v1/environments/blue",
        "",
        [401, 200, 200, 200, 200, 200, 404],
    ),
    (
        "post",
        "/environments/{name}/oidc-checks",
        "/api/v1/environments/blue/oidc-checks",
        "",
        [401, 202, 202, 202, 202, 202, 404],
    ),
    (
        "get",
        "/environments/{name}/oidc-checks",
        "/api/v1/environments/blue/oidc-checks",
        "",
        [401, 200, 200, 200, 200, 200, 404],
    ),
    // Access: a grant by owners and admins, then its revoke.
    (
        "get",
        "/environments/{name}/access",
        "/api/v1/environments/blue/access",
        "",
        [401, 200, 200, 200, 200, 200, 404],
    ),
    (
        "get",
        "/environments/{name}/access/explain",
        "/api/v1/environments/blue/access/explain?subject=user:viewer&permission=can_view",
        "",
        [401, 200, 200, 200, 200, 200, 404],
    ),
    (
        "post",
        "/environments/{name}/access",
        "/api/v1/environments/blue/access",
        r#"{"relation":"viewer","subject":"user:extra"}"#,
        [401, 403, 403, 403, 200, 200, 404],
    ),
    (
        "delete",
        "/environments/{name}/access",
        "/api/v1/environments/blue/access",
        r#"{"relation":"viewer","subject":"user:extra"}"#,
        [401, 403, 403, 403, 200, 200, 404],
    ),
    // Environments, jobs and audit (job 1 is the demo's job building blue).
    // Each principal runs its rows in order: lock before unlock, cancel
    // before retry, destroy last.
    (
        "post",
        "/environments",
        "/api/v1/environments",
        CREATE_TEAL,
        [401, 403, 403, 403, 403, 202, 403],
    ),
    (
        "post",
        "/environments/{name}/apply",
        "/api/v1/environments/blue/apply",
        "{}",
        [401, 403, 202, 403, 202, 202, 404],
    ),
    (
        "post",
        "/environments/{name}/lock",
        "/api/v1/environments/blue/lock",
        r#"{"reason":"route matrix"}"#,
        [401, 403, 200, 403, 200, 200, 404],
    ),
    (
        "post",
        "/environments/{name}/unlock",
        "/api/v1/environments/blue/unlock",
        "",
        [401, 403, 200, 403, 200, 200, 404],
    ),
    (
        "get",
        "/jobs",
        "/api/v1/jobs",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "get",
        "/jobs/{id}",
        "/api/v1/jobs/1",
        "",
        [401, 200, 200, 200, 200, 200, 404],
    ),
    (
        "get",
        "/jobs/{id}/logs",
        "/api/v1/jobs/1/logs",
        "",
        [401, 200, 200, 200, 200, 200, 404],
    ),
    (
        "get",
        "/jobs/{id}/events",
        "/api/v1/jobs/1/events",
        "",
        [401, 200, 200, 200, 200, 200, 404],
    ),
    (
        "post",
        "/jobs/{id}/cancel",
        "/api/v1/jobs/1/cancel",
        "",
        [401, 403, 200, 403, 200, 200, 404],
    ),
    (
        "post",
        "/jobs/{id}/retry",
        "/api/v1/jobs/1/retry",
        "",
        [401, 403, 202, 403, 202, 202, 404],
    ),
    // Ending someone else's sessions: platform admins only.
    (
        "delete",
        "/users/{subject}/sessions",
        "/api/v1/users/extra/sessions",
        "",
        [401, 403, 403, 403, 403, 200, 403],
    ),
    (
        "get",
        "/audit",
        "/api/v1/audit",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "get",
        "/openapi.json",
        "/api/v1/openapi.json",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
    // Promotions into blue (workers are off: promotion 1, opened by the
    // system in the setup, stays planning, so every state-bound move after
    // authorization answers 409; promotion 2 waits behind it and is the one
    // cancelled).
    (
        "get",
        "/environments/{name}/releases",
        "/api/v1/environments/blue/releases",
        "",
        [401, 200, 200, 200, 200, 200, 404],
    ),
    (
        "put",
        "/environments/{name}/promotion-policy",
        "/api/v1/environments/blue/promotion-policy",
        r#"{"required_approvals":1,"auto_rollback":true,"verify_passes":2,"verify_interval_secs":15,"verify_window_secs":300}"#,
        [401, 403, 403, 403, 200, 200, 404],
    ),
    (
        "delete",
        "/environments/{name}/holds/{application}/{revision}",
        "/api/v1/environments/blue/holds/hydra/999",
        "",
        [401, 403, 404, 403, 404, 404, 404],
    ),
    (
        "post",
        "/promotions/preview",
        "/api/v1/promotions/preview",
        r#"{"source":"red","target":"blue"}"#,
        [401, 200, 200, 200, 200, 200, 404],
    ),
    (
        "post",
        "/promotions",
        "/api/v1/promotions",
        r#"{"source":"red","target":"blue","acknowledge":true}"#,
        [401, 403, 201, 403, 201, 201, 404],
    ),
    (
        "get",
        "/promotions",
        "/api/v1/promotions",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "get",
        "/promotions/{id}",
        "/api/v1/promotions/1",
        "",
        [401, 200, 200, 200, 200, 200, 404],
    ),
    (
        "get",
        "/promotions/{id}/events",
        "/api/v1/promotions/1/events",
        "",
        [401, 200, 200, 200, 200, 200, 404],
    ),
    (
        "post",
        "/promotions/{id}/approve",
        "/api/v1/promotions/1/approve",
        r#"{"comment":"matrix"}"#,
        [401, 403, 403, 409, 409, 409, 404],
    ),
    (
        "post",
        "/promotions/{id}/reject",
        "/api/v1/promotions/1/reject",
        r#"{"comment":"matrix"}"#,
        [401, 403, 403, 409, 409, 409, 404],
    ),
    (
        "post",
        "/promotions/{id}/accept",
        "/api/v1/promotions/1/accept",
        "",
        [401, 403, 409, 403, 409, 409, 404],
    ),
    (
        "post",
        "/promotions/{id}/rollback",
        "/api/v1/promotions/1/rollback",
        "",
        [401, 403, 409, 403, 409, 409, 404],
    ),
    (
        "post",
        "/promotions/{id}/replan",
        "/api/v1/promotions/1/replan",
        "",
        [401, 403, 409, 403, 409, 409, 404],
    ),
    (
        "post",
        "/promotions/{id}/reverify",
        "/api/v1/promotions/1/reverify",
        "",
        [401, 403, 409, 403, 409, 409, 404],
    ),
    // Releases: only admins hold `releaser` here (the channel's branch is
    // tracked by no environment, so recording opens nothing).
    (
        "get",
        "/releases",
        "/api/v1/releases",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "post",
        "/releases",
        "/api/v1/releases",
        r#"{"application":"openfga","charm":"openfga","revision":999,"channel":"latest/edge/matrix"}"#,
        [401, 403, 403, 403, 403, 201, 403],
    ),
    (
        "get",
        "/releases/{id}",
        "/api/v1/releases/1",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "get",
        "/overview",
        "/api/v1/overview",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "get",
        "/webhooks",
        "/api/v1/webhooks",
        "",
        [401, 403, 403, 403, 403, 200, 403],
    ),
    (
        "post",
        "/webhooks",
        "/api/v1/webhooks",
        r#"{"name":"route matrix","url":"http://127.0.0.1:9/hook","events":["job.failed"]}"#,
        [401, 403, 403, 403, 403, 201, 403],
    ),
    (
        "delete",
        "/webhooks/{id}",
        "/api/v1/webhooks/999",
        "",
        [401, 403, 403, 403, 403, 404, 403],
    ),
    (
        "get",
        "/waiting",
        "/api/v1/waiting",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "get",
        "/release-matrix",
        "/api/v1/release-matrix",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "get",
        "/quarantines",
        "/api/v1/quarantines",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "post",
        "/quarantines",
        "/api/v1/quarantines",
        r#"{"charm":"openfga","revision":999,"reason":"route matrix"}"#,
        [401, 403, 403, 403, 403, 201, 403],
    ),
    (
        "delete",
        "/quarantines/{charm}/{revision}",
        "/api/v1/quarantines/openfga/999",
        "",
        [401, 403, 403, 403, 403, 204, 403],
    ),
    (
        "post",
        "/promotions/{id}/cancel",
        "/api/v1/promotions/2/cancel",
        "",
        [401, 403, 200, 403, 409, 409, 404],
    ),
    (
        "delete",
        "/environments/{name}",
        "/api/v1/environments/blue",
        "",
        [401, 403, 403, 403, 202, 202, 404],
    ),
];

const CREATE_TEAL: &str = r#"{"name":"teal","tier":"staging","purpose":"matrix","channel":"edge","oidc_issuer":"https://iam.teal.example.com"}"#;

const SERVER_FNS: &[Row] = &[
    (
        "GET",
        "/_fn/list_environments",
        "/_fn/list_environments",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/_fn/environment_names",
        "/_fn/environment_names",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/_fn/list_webhooks",
        "/_fn/list_webhooks",
        "",
        [401, 403, 403, 403, 403, 200, 403],
    ),
    (
        "POST",
        "/_fn/create_webhook",
        "/_fn/create_webhook",
        "name=ui+matrix&url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&events[]=job.failed",
        [403, 403, 403, 403, 403, 200, 403],
    ),
    (
        "POST",
        "/_fn/delete_webhook",
        "/_fn/delete_webhook",
        "id=999",
        [403, 403, 403, 403, 403, 404, 403],
    ),
    (
        "GET",
        "/_fn/waiting_for_me",
        "/_fn/waiting_for_me",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/_fn/get_overview",
        "/_fn/get_overview",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/_fn/list_access",
        "/_fn/list_access?env=blue",
        "",
        [404, 200, 200, 200, 200, 200, 404],
    ),
    (
        "GET",
        "/_fn/explain_access",
        "/_fn/explain_access?env=blue&subject=user:viewer&permission=can_view",
        "",
        [404, 200, 200, 200, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/grant_access",
        "/_fn/grant_access",
        "env=blue&relation=viewer&subject=user:extra",
        [403, 403, 403, 403, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/revoke_access",
        "/_fn/revoke_access",
        "env=blue&relation=viewer&subject=user:extra",
        [403, 403, 403, 403, 200, 200, 404],
    ),
    (
        "GET",
        "/_fn/oidc_overview",
        "/_fn/oidc_overview",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/_fn/oidc_latency",
        "/_fn/oidc_latency?env=blue",
        "",
        [404, 200, 200, 200, 200, 200, 404],
    ),
    (
        "GET",
        "/_fn/compare_oidc",
        "/_fn/compare_oidc?a=blue&b=blue",
        "",
        [404, 200, 200, 200, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/request_oidc_check",
        "/_fn/request_oidc_check",
        "env=blue",
        [403, 200, 200, 200, 200, 200, 404],
    ),
    // Promotions (see the REST rows): 1 stays planning, 3 is cancelled here.
    (
        "GET",
        "/_fn/list_promotions",
        "/_fn/list_promotions",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/_fn/preview_promotion",
        "/_fn/preview_promotion?source=red&target=blue",
        "",
        [404, 200, 200, 200, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/open_promotion",
        "/_fn/open_promotion",
        "source=red&target=blue&acknowledge=on",
        [403, 403, 200, 403, 200, 200, 404],
    ),
    (
        "GET",
        "/_fn/get_promotion",
        "/_fn/get_promotion?id=1",
        "",
        [404, 200, 200, 200, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/approve_promotion",
        "/_fn/approve_promotion",
        "id=1&comment=matrix",
        [403, 403, 403, 409, 409, 409, 404],
    ),
    (
        "POST",
        "/_fn/reject_promotion",
        "/_fn/reject_promotion",
        "id=1&comment=matrix",
        [403, 403, 403, 409, 409, 409, 404],
    ),
    (
        "POST",
        "/_fn/accept_promotion",
        "/_fn/accept_promotion",
        "id=1",
        [403, 403, 409, 403, 409, 409, 404],
    ),
    (
        "POST",
        "/_fn/rollback_promotion",
        "/_fn/rollback_promotion",
        "id=1",
        [403, 403, 409, 403, 409, 409, 404],
    ),
    (
        "POST",
        "/_fn/replan_promotion",
        "/_fn/replan_promotion",
        "id=1",
        [403, 403, 409, 403, 409, 409, 404],
    ),
    (
        "POST",
        "/_fn/reverify_promotion",
        "/_fn/reverify_promotion",
        "id=1",
        [403, 403, 409, 403, 409, 409, 404],
    ),
    (
        "POST",
        "/_fn/cancel_promotion",
        "/_fn/cancel_promotion",
        "id=3",
        [403, 403, 200, 403, 409, 409, 404],
    ),
    (
        "GET",
        "/_fn/environment_releases",
        "/_fn/environment_releases?name=blue",
        "",
        [404, 200, 200, 200, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/set_promotion_policy",
        "/_fn/set_promotion_policy",
        "name=blue&policy%5Brequired_approvals%5D=1&policy%5Bauto_rollback%5D=on&policy%5Bverify_passes%5D=2&policy%5Bverify_interval_secs%5D=15&policy%5Bverify_window_secs%5D=300",
        [403, 403, 403, 403, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/lift_hold",
        "/_fn/lift_hold",
        "name=blue&application=hydra&revision=999",
        [403, 403, 404, 403, 404, 404, 404],
    ),
    (
        "POST",
        "/_fn/end_sessions",
        "/_fn/end_sessions",
        "subject=extra",
        [403, 403, 403, 403, 403, 200, 403],
    ),
    // Releases: the platform admin quarantines a revision, then lifts it.
    (
        "GET",
        "/_fn/list_releases",
        "/_fn/list_releases",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/_fn/get_release_matrix",
        "/_fn/get_release_matrix",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/_fn/quarantine_revision",
        "/_fn/quarantine_revision",
        "charm=ui-matrix&revision=1&reason=route+matrix",
        [403, 403, 403, 403, 403, 200, 403],
    ),
    (
        "POST",
        "/_fn/lift_quarantine",
        "/_fn/lift_quarantine",
        "charm=ui-matrix&revision=1",
        [403, 403, 403, 403, 403, 200, 403],
    ),
    // Environments, jobs and audit pages. After the REST rows each principal
    // runs these in order: create, apply, lock before unlock, cancel before
    // retry (job 1 builds blue), destroy last.
    (
        "GET",
        "/_fn/get_environment",
        "/_fn/get_environment?name=blue",
        "",
        [404, 200, 200, 200, 200, 200, 404],
    ),
    (
        "GET",
        "/_fn/list_layers",
        "/_fn/list_layers",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/_fn/create_environment",
        "/_fn/create_environment",
        "name=cyan&tier=staging&purpose=matrix&channel=edge",
        [403, 403, 403, 403, 403, 200, 403],
    ),
    (
        "POST",
        "/_fn/apply_environment",
        "/_fn/apply_environment",
        "name=blue",
        [403, 403, 200, 403, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/lock_environment",
        "/_fn/lock_environment",
        "name=blue&reason=route+matrix",
        [403, 403, 200, 403, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/unlock_environment",
        "/_fn/unlock_environment",
        "name=blue",
        [403, 403, 200, 403, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/cancel_job",
        "/_fn/cancel_job",
        "id=1",
        [403, 403, 200, 403, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/retry_job",
        "/_fn/retry_job",
        "id=1",
        [403, 403, 200, 403, 200, 200, 404],
    ),
    (
        "POST",
        "/_fn/destroy_environment",
        "/_fn/destroy_environment",
        "name=blue&confirm=blue",
        [403, 403, 403, 403, 200, 200, 404],
    ),
    (
        "GET",
        "/_fn/get_job",
        "/_fn/get_job?id=1",
        "",
        [404, 200, 200, 200, 200, 200, 404],
    ),
    (
        "GET",
        "/_fn/job_logs",
        "/_fn/job_logs?id=1",
        "",
        [404, 200, 200, 200, 200, 200, 404],
    ),
    (
        "GET",
        "/_fn/list_jobs",
        "/_fn/list_jobs",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/_fn/list_audit",
        "/_fn/list_audit",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/_fn/layers_simulated",
        "/_fn/layers_simulated",
        "",
        [200, 200, 200, 200, 200, 200, 200],
    ),
];

/// The `/auth/*` routes, run after the others (logout last: in the session
/// columns it ends the session). The provider is real, so a login starts
/// with a redirect to it; no login is in progress, so a callback fails; the
/// dev login is off.
const AUTH: &[Row] = &[
    (
        "get",
        "/auth/login",
        "/auth/login?return_to=/",
        "",
        [303, 303, 303, 303, 303, 303, 303],
    ),
    (
        "get",
        "/auth/callback",
        "/auth/callback?code=matrix&state=matrix",
        "",
        [400, 400, 400, 400, 400, 400, 400],
    ),
    (
        "post",
        "/auth/dev-login",
        "/auth/dev-login",
        "user=alice",
        [403, 404, 404, 404, 404, 404, 404],
    ),
    (
        "post",
        "/auth/logout",
        "/auth/logout",
        "",
        [403, 303, 303, 303, 303, 303, 303],
    ),
];

/// The environments each principal's lists may name (the admin's: at least
/// these): every relation is held on blue, with viewer on red.
fn may_list(who: &str) -> Option<BTreeSet<String>> {
    let names: &[&str] = match who {
        "viewer" | "operator" | "approver" | "owner" | "erin" => &["blue", "red"],
        "admin" => &["blue", "green", "red", "yellow"],
        "machine" => &[],
        _ => return None,
    };
    Some(names.iter().map(|n| (*n).to_owned()).collect())
}

/// The member naming the environment in each item of the lists that name
/// them (only those bodies are read: others may be endless streams).
fn list_field(path: &str) -> Option<&'static str> {
    match path.split('?').next()? {
        "/api/v1/environments" => Some("name"),
        "/api/v1/jobs" => Some("environment"),
        "/api/v1/promotions" => Some("target"),
        _ => None,
    }
}

/// The environments a list answer names.
fn listed(path: &str, body: &serde_json::Value) -> Option<BTreeSet<String>> {
    let field = list_field(path)?;
    let items = body["items"].as_array()?;
    Some(
        items
            .iter()
            .filter_map(|item| item[field].as_str().map(str::to_owned))
            .collect(),
    )
}

/// A request of the matrix: the row's method, path and body, with the
/// Origin on every body.
fn request(http: &reqwest::Client, base: &str, row: &Row) -> reqwest::RequestBuilder {
    let (method, _, path, body, _) = *row;
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let request = http
        .request(method.clone(), format!("{base}{path}"))
        .header("accept", "application/json");
    if body.starts_with('{') {
        request
            .header("content-type", "application/json")
            .header("origin", base)
            .body(body)
    } else if method != Method::GET {
        request
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", base)
            .body(body)
    } else {
        request
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_and_server_function_has_a_row_and_behaves_as_it_says() {
    run_matrix(None).await;
}

/// The same matrix with the real OpenFGA server deciding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_route_matrix_holds_on_the_real_openfga() {
    let fga = testkit::openfga::OpenFga::start().await;
    run_matrix(Some(&fga.url)).await;
}

async fn run_matrix(openfga_url: Option<&str>) {
    // Coverage: the tables above name every route there is.
    let rest: BTreeSet<(String, String)> = server::http::api::ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let rest_rows: BTreeSet<(String, String)> = REST
        .iter()
        .map(|r| (r.0.to_owned(), r.1.to_owned()))
        .collect();
    assert_eq!(
        rest, rest_rows,
        "every REST route needs exactly one row in REST"
    );
    let auth: BTreeSet<(String, String)> = server::auth::ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let auth_rows: BTreeSet<(String, String)> = AUTH
        .iter()
        .map(|r| (r.0.to_owned(), r.1.to_owned()))
        .collect();
    assert_eq!(auth, auth_rows, "every /auth route has a row");
    let fns: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .collect();
    let fn_rows: BTreeSet<String> = SERVER_FNS.iter().map(|r| r.1.to_owned()).collect();
    assert_eq!(
        fns, fn_rows,
        "every server function needs exactly one row in SERVER_FNS"
    );

    // A Palette that accepts bearer tokens from a real provider; each
    // principal holds one relation on blue.
    testkit::init_tracing();
    let db = testkit::sqlite();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = testkit::oidc::start(&base);
    let env = [
        ("PALETTE_DATABASE_URL", db.url.clone()),
        ("PALETTE_OIDC_ISSUER", provider.issuer.clone()),
        ("PALETTE_OIDC_CLIENT_ID", PALETTE_CLIENT.to_owned()),
        ("PALETTE_OIDC_CLIENT_SECRET", secret(PALETTE_CLIENT)),
        ("PALETTE_API_AUDIENCE", AUDIENCE.to_owned()),
        ("PALETTE_ADMINS", "user:admin".to_owned()),
        ("PALETTE_METRICS_LISTEN", "127.0.0.1:0".to_owned()),
    ]
    .into_iter()
    .chain(openfga_url.map(|url| ("PALETTE_OPENFGA_URL", url.to_owned())))
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = Config::load(None, &env).unwrap();
    let server = Server::build_on(
        listener,
        &config,
        &ServeOptions {
            demo: true,
            workers: false,
        },
    )
    .await
    .unwrap();
    let engine = server.engine().clone();
    let metrics = format!("http://{}/metrics", server.metrics_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    let blue = domain::EnvironmentName::parse("blue").unwrap();
    let system = Actor::system("test");
    for (who, relation) in [
        ("viewer", "viewer"),
        ("operator", "operator"),
        ("approver", "approver"),
        ("owner", "owner"),
        // The session columns' person, an owner too (a subject of its own:
        // a person and a client may not share one).
        ("erin", "owner"),
    ] {
        let grant = domain::access::Grant {
            relation: domain::access::Relation::parse(relation).unwrap(),
            subject: domain::access::Subject::parse(&format!("user:{who}")).unwrap(),
        };
        engine.grant(&system, &blue, &grant).await.unwrap();
        // Promotions come from red: everyone who sees blue sees red.
        let red = domain::EnvironmentName::parse("red").unwrap();
        let sees = domain::access::Grant {
            relation: domain::access::Relation::parse("viewer").unwrap(),
            subject: domain::access::Subject::parse(&format!("user:{who}")).unwrap(),
        };
        engine.grant(&system, &red, &sees).await.unwrap();
    }
    // Promotions 1 (stays planning: no workers), 2 and 3 (wait behind it).
    for _ in 0..3 {
        let open = domain::OpenPromotion {
            source: "red".into(),
            target: "blue".into(),
            applications: vec![],
            acknowledge: true,
        };
        engine.open_promotion(&system, &open).await.unwrap();
    }
    // One stored OIDC check of blue, for the comparison row.
    let report = engine::oidc::Report::new(
        "https://iam.blue.canonical.com".into(),
        vec![],
        Default::default(),
        None,
        None,
        None,
    );
    let check = engine::store::oidc_checks::NewOidcCheck {
        environment: "blue",
        at: 1,
        report: &report,
        trigger: engine::oidc::Trigger::Schedule,
        actor: "system:test",
        job: None,
    };
    engine::store::oidc_checks::insert(engine.store().pool(), &check)
        .await
        .unwrap();

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut failures = Vec::new();
    let (mut cases, mut lists_checked) = (0, 0);
    for (column, who) in WHO.iter().enumerate() {
        let token = match *who {
            "anonymous" => None,
            "machine" => Some(
                provider
                    .sign(&provider.claims("ci-unknown"), SigningKey::Provider)
                    .await,
            ),
            person => Some(
                provider
                    .sign(&provider.claims(person), SigningKey::Provider)
                    .await,
            ),
        };
        for row in REST.iter().chain(SERVER_FNS).chain(AUTH) {
            let (method, _, path, _, expected) = row;
            let mut request = request(&http, &base, row);
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            if status != expected[column] {
                failures.push(format!(
                    "{who:>9} {method} {path}: got {status}, expected {}",
                    expected[column]
                ));
                continue;
            }
            // Lists name only what the principal may view.
            if status == 200 && *method == "get" && list_field(path).is_some() {
                let body = response.json::<serde_json::Value>().await.ok();
                if let (Some(names), Some(allowed)) =
                    (body.and_then(|b| listed(path, &b)), may_list(who))
                {
                    lists_checked += 1;
                    // The admin sees every environment (and lists what
                    // exists: promotions and jobs of some of them).
                    let fits = match (*who, *path) {
                        ("admin", "/api/v1/environments") => names.is_superset(&allowed),
                        ("admin", _) => true,
                        _ => names.is_subset(&allowed),
                    };
                    if !fits
                        || (*path == "/api/v1/environments" && *who != "admin" && names != allowed)
                    {
                        failures.push(format!(
                            "{who:>9} GET {path} lists {names:?}, may list {allowed:?}"
                        ));
                    }
                }
            }
            cases += 1;
        }
        // Metrics: never on the public listener; on their own, for anyone
        // who can reach it (it is not routed through Traefik).
        let mut public = http.get(format!("{base}/metrics"));
        let mut private = http.get(&metrics);
        if let Some(token) = &token {
            public = public.bearer_auth(token);
            private = private.bearer_auth(token);
        }
        for (what, request, expected) in [("public", public, 404), ("metrics", private, 200)] {
            let status = request.send().await.unwrap().status().as_u16();
            if status != expected {
                failures.push(format!("{who:>9} GET /metrics on the {what} listener: got {status}, expected {expected}"));
            }
            cases += 1;
        }
    }

    // The owner again, as a browser session logged in through the
    // provider. Without the anti-CSRF token every change is refused (403)
    // and reads answer as for the owner's token; with it, everything answers
    // as for the owner's token (logout, the last row, ends the session).
    let owner = WHO.iter().position(|w| *w == "owner").unwrap();
    let browser = crate::browser::Browser::new();
    crate::browser::log_in(&browser, &base, &provider.issuer, "/", "erin").await;
    let csrf = crate::browser::csrf_token(&browser, &base).await;
    for with_token in [false, true] {
        for row in REST.iter().chain(SERVER_FNS).chain(AUTH) {
            let (method, _, path, _, expected) = row;
            let mut request = request(&browser.http, &base, row);
            if with_token {
                request = request.header("x-csrf-token", &csrf);
            }
            let expected = if with_token || method.eq_ignore_ascii_case("get") {
                expected[owner]
            } else {
                403
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let column = if with_token {
                "session+csrf"
            } else {
                "session"
            };
            if status != expected {
                failures.push(format!(
                    "{column:>12} {method} {path}: got {status}, expected {expected}"
                ));
                continue;
            }
            if status == 200 && *method == "get" && list_field(path).is_some() {
                let names = response
                    .json::<serde_json::Value>()
                    .await
                    .ok()
                    .and_then(|b| listed(path, &b));
                if let (Some(names), Some(allowed)) = (names, may_list("erin")) {
                    lists_checked += 1;
                    if !names.is_subset(&allowed) {
                        failures.push(format!(
                            "{column:>12} GET {path} lists {names:?}, may list {allowed:?}"
                        ));
                    }
                }
            }
            cases += 1;
        }
    }
    eprintln!("route matrix: {cases} cases, {lists_checked} list bodies checked");
    assert!(
        failures.is_empty(),
        "route matrix mismatches:\n{}",
        failures.join("\n")
    );
}
