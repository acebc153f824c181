//! The REST API v1 as a pipeline or a script sees it: environments, jobs,
//! logs, the live event stream, audit and the OpenAPI document. Each test
//! starts Palette with the demo data and calls it as alice (platform admin)
//! through a dev-login session: cookie, `Origin` and `x-csrf-token`.

use std::time::Duration;

use engine::queue::fence::{self, Completion, Lease, PendingLine, StepUpdate};
use engine::queue::{JobId, JobKind, Phase, PlanSummary, StepStatus};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::support::{spawn_app, TestApp};

/// A logged-in API client.
pub(crate) struct Api {
    pub(crate) app: TestApp,
    csrf: String,
}

impl Api {
    pub(crate) async fn as_alice() -> Self {
        let app = spawn_app(testkit::sqlite(), true).await;
        app.login_dev("alice").await;
        let csrf = app.csrf().await;
        Self { app, csrf }
    }

    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .app
            .client
            .request(method.clone(), self.app.url(path))
            .header("accept", "application/json");
        if method == Method::GET {
            request
        } else {
            request
                .header("origin", self.app.origin())
                .header("x-csrf-token", &self.csrf)
        }
    }

    async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub(crate) async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn post_empty(&self, path: &str) -> Response {
        self.request(Method::POST, path).send().await.unwrap()
    }

    async fn create(&self, name: &str) -> Response {
        let body = json!({
            "name": name, "tier": "staging", "purpose": "API tests", "channel": "edge",
            "oidc_issuer": format!("https://iam.{name}.example.com"),
        });
        self.post("/api/v1/environments", &body).await
    }

    /// Creates `name` and claims its job as a worker would, so the test can
    /// write steps and log lines through the queue's fenced writes.
    async fn running_job(&self, name: &str) -> Lease {
        let response = self.create(name).await;
        assert_eq!(response.status(), 202);
        let id = JobId(
            response.json::<Value>().await.unwrap()["job"]["id"]
                .as_i64()
                .unwrap(),
        );
        let claimed = engine::queue::claim(
            self.app.engine.store(),
            "test-worker",
            &[JobKind::EnvironmentCreate],
            100,
            60_000,
        )
        .await
        .unwrap();
        let lease = claimed
            .into_iter()
            .map(|c| c.lease)
            .find(|l| l.job == id)
            .expect("the new job is claimed");
        let steps = [
            ("k8s".to_owned(), Phase::Plan),
            ("k8s".to_owned(), Phase::Apply),
        ];
        fence::ensure_steps(self.app.engine.store(), lease, &steps)
            .await
            .unwrap();
        lease
    }

    async fn log(&self, lease: Lease, lines: &[(i64, Option<i64>, &str)]) {
        let lines: Vec<PendingLine> = lines
            .iter()
            .map(|(seq, step, line)| PendingLine {
                seq: *seq,
                step: *step,
                at: 1_000 + seq,
                line: (*line).to_owned(),
            })
            .collect();
        fence::append_logs(self.app.engine.store(), lease, &lines)
            .await
            .unwrap();
    }
}

async fn error_of(response: Response) -> Value {
    assert!(response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    response.json::<Value>().await.unwrap()["error"].clone()
}

#[tokio::test]
async fn creating_an_environment_answers_202_with_its_job_and_shows_it_in_detail() {
    let api = Api::as_alice().await;
    let response = api.create("teal").await;
    assert_eq!(response.status(), 202);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let job = body["job"]["id"].as_i64().expect("a job id");
    assert_eq!(location, format!("/api/v1/jobs/{job}"));
    assert_eq!(body["environment"]["name"], "teal");
    assert_eq!(body["environment"]["status"], "provisioning");

    let env = api.get_json("/api/v1/environments/teal").await;
    assert_eq!(env["tier"], "staging");
    assert_eq!(env["manifest"]["kratos"]["channel"], "edge");
    assert_eq!(
        env["layers"],
        json!(["k8s", "core", "iam", "jimm", "cos-integration"])
    );
    assert_eq!(env["locked_reason"], Value::Null);
    assert_eq!(
        env["permissions"],
        json!({ "apply": true, "destroy": true })
    );
    assert_eq!(env["recent_jobs"][0]["id"], job);
    assert_eq!(env["recent_jobs"][0]["kind"], "environment.create");

    let list = api.get_json("/api/v1/environments?limit=2").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(list["next"], "green", "blue, green, then the next page");
    let rest = api.get_json("/api/v1/environments?before=green").await;
    let names: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["red", "teal", "yellow"]);
    assert_eq!(rest["next"], Value::Null);
}

#[tokio::test]
async fn invalid_fields_are_422_per_field_and_a_taken_name_is_409() {
    let api = Api::as_alice().await;
    let body = json!({ "name": "Teal!", "tier": "qa", "channel": "edge", "oidc_issuer": "https://iam.example.com" });
    let response = api.post("/api/v1/environments", &body).await;
    assert_eq!(response.status(), 422);
    let error = error_of(response).await;
    assert_eq!(error["code"], "invalid_input");
    let fields: Vec<&str> = error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "tier"]);

    let response = api.create("blue").await;
    assert_eq!(response.status(), 409);
    let error = error_of(response).await;
    assert_eq!(error["code"], "conflict");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("already exists"));

    let unknown_layer = json!({ "name": "teal", "tier": "staging", "channel": "edge",
        "oidc_issuer": "https://iam.teal.example.com", "layers": ["iam"] });
    let response = api.post("/api/v1/environments", &unknown_layer).await;
    assert_eq!(response.status(), 422, "iam without what it depends on");
    assert_eq!(error_of(response).await["fields"][0]["field"], "layers");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400_in_the_api_error_shape() {
    let api = Api::as_alice().await;
    let send = |content_type: &'static str, body: &'static str| {
        api.request(Method::POST, "/api/v1/environments")
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
    };
    let response = send("application/json", "{\"name\": ").await.unwrap();
    assert_eq!(response.status(), 400);
    let error = error_of(response).await;
    assert_eq!(error["code"], "bad_request");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("is not valid JSON"),
        "{error}"
    );

    let response = send("application/json", "{\"name\": 5}").await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(error_of(response).await["message"]
        .as_str()
        .unwrap()
        .contains("expected shape"));

    let response = send("application/json", "").await.unwrap();
    assert_eq!(response.status(), 400);

    let response = send("text/plain", "{}").await.unwrap();
    assert_eq!(response.status(), 415);
    assert_eq!(error_of(response).await["code"], "unsupported_media_type");

    // A query string that parses but breaks a rule names the field.
    let response = api.get("/api/v1/jobs?limit=many").await;
    assert_eq!(response.status(), 422);
    let error = error_of(response).await;
    assert_eq!(error["code"], "invalid_input");
    assert_eq!(error["fields"][0]["field"], "limit");
    // An unknown parameter is a malformed request.
    let response = api.get("/api/v1/jobs?limt=5").await;
    assert_eq!(response.status(), 400);
    assert_eq!(error_of(response).await["code"], "bad_request");
}

#[tokio::test]
async fn a_body_over_a_mebibyte_is_413_declared_or_streamed_and_changes_nothing() {
    let api = Api::as_alice().await;
    let purpose = "x".repeat(2 * 1024 * 1024);
    let body = json!({
        "name": "huge", "tier": "staging", "purpose": purpose, "channel": "edge",
        "oidc_issuer": "https://iam.huge.example.com",
    })
    .to_string();
    // Declared by Content-Length: refused before it is read.
    let response = api
        .request(Method::POST, "/api/v1/environments")
        .header(CONTENT_TYPE, "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(error_of(response).await["code"], "payload_too_large");
    // Chunked, with no length: cut off while it is read.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let response = api
        .request(Method::POST, "/api/v1/environments")
        .header(CONTENT_TYPE, "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(error_of(response).await["code"], "payload_too_large");
    assert_eq!(api.get("/api/v1/environments/huge").await.status(), 404);
}

#[tokio::test]
async fn a_locked_environment_refuses_apply_until_it_is_unlocked() {
    let api = Api::as_alice().await;
    let response = api
        .post(
            "/api/v1/environments/blue/lock",
            &json!({ "reason": "change freeze" }),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap()["locked_reason"],
        "change freeze"
    );
    assert_eq!(
        api.get_json("/api/v1/environments/blue").await["locked_reason"],
        "change freeze"
    );

    let response = api.post_empty("/api/v1/environments/blue/apply").await;
    assert_eq!(response.status(), 409);
    assert!(error_of(response).await["message"]
        .as_str()
        .unwrap()
        .contains("change freeze"));
    let response = api
        .request(Method::DELETE, "/api/v1/environments/blue")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409, "destroy is refused too");

    let response = api
        .post("/api/v1/environments/blue/lock", &json!({ "reason": "  " }))
        .await;
    assert_eq!(response.status(), 422, "a lock says why");

    assert_eq!(
        api.post_empty("/api/v1/environments/blue/unlock")
            .await
            .status(),
        200
    );
    let response = api
        .post(
            "/api/v1/environments/blue/apply",
            &json!({ "layers": ["k8s", "core"] }),
        )
        .await;
    assert_eq!(response.status(), 202);
    let job = response.json::<Value>().await.unwrap()["job"]["id"]
        .as_i64()
        .unwrap();
    let detail = api.get_json(&format!("/api/v1/jobs/{job}")).await;
    assert_eq!(detail["kind"], "environment.apply");
    assert_eq!(detail["payload"]["layers"], json!(["k8s", "core"]));

    let response = api
        .request(Method::DELETE, "/api/v1/environments/blue")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(
        api.get_json("/api/v1/environments/blue").await["status"],
        "destroying"
    );
}

#[tokio::test]
async fn jobs_are_listed_newest_first_filtered_and_paged() {
    let api = Api::as_alice().await;
    for _ in 0..2 {
        assert_eq!(
            api.post_empty("/api/v1/environments/green/apply")
                .await
                .status(),
            202
        );
    }
    let green = api.get_json("/api/v1/jobs?environment=green").await;
    let items = green["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "the demo's create job and two applies");
    assert!(items.iter().all(|j| j["environment"] == "green"));
    assert_eq!(items[0]["kind"], "environment.apply");
    assert!(
        items[0]["id"].as_i64() > items[1]["id"].as_i64(),
        "newest first"
    );

    let first = api.get_json("/api/v1/jobs?environment=green&limit=2").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["next"].as_i64().expect("a cursor");
    let rest = api
        .get_json(&format!(
            "/api/v1/jobs?environment=green&limit=2&before={next}"
        ))
        .await;
    assert_eq!(rest["items"][0]["kind"], "environment.create");
    assert_eq!(rest["next"], Value::Null);

    let cancelled = green["items"][0]["id"].as_i64().unwrap();
    let response = api
        .post_empty(&format!("/api/v1/jobs/{cancelled}/cancel"))
        .await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["outcome"],
        "cancelled"
    );
    let only = api.get_json("/api/v1/jobs?status=cancelled").await;
    assert_eq!(only["items"].as_array().unwrap().len(), 1);
    assert_eq!(only["items"][0]["id"], cancelled);

    assert_eq!(api.get("/api/v1/jobs?status=sleeping").await.status(), 422);
    assert_eq!(
        api.get("/api/v1/jobs?environment=mauve").await.status(),
        404
    );
    assert_eq!(api.get("/api/v1/jobs/999999").await.status(), 404);
    assert_eq!(api.get("/api/v1/jobs/nope").await.status(), 404);

    let response = api
        .post_empty(&format!("/api/v1/jobs/{cancelled}/retry"))
        .await;
    assert_eq!(response.status(), 202);
    assert_eq!(
        api.get_json(&format!("/api/v1/jobs/{cancelled}")).await["status"],
        "queued"
    );
    assert_eq!(
        api.post_empty(&format!("/api/v1/jobs/{cancelled}/retry"))
            .await
            .status(),
        409,
        "only failed or cancelled"
    );
}

#[tokio::test]
async fn a_job_shows_its_steps_with_progress_and_plan_summary() {
    let api = Api::as_alice().await;
    let lease = api.running_job("teal").await;
    let store = api.app.engine.store();
    let plan = StepUpdate {
        status: Some(StepStatus::Succeeded),
        resources_planned: Some(4),
        summary: Some(PlanSummary {
            add: 3,
            change: 1,
            destroy: 0,
        }),
        ..StepUpdate::default()
    };
    fence::update_step(
        store,
        lease,
        0,
        &StepUpdate {
            status: Some(StepStatus::Running),
            ..StepUpdate::default()
        },
    )
    .await
    .unwrap();
    fence::update_step(store, lease, 0, &plan).await.unwrap();
    fence::update_step(
        store,
        lease,
        1,
        &StepUpdate {
            status: Some(StepStatus::Running),
            ..StepUpdate::default()
        },
    )
    .await
    .unwrap();
    fence::update_step(
        store,
        lease,
        1,
        &StepUpdate {
            resources_done: Some(2),
            resources_planned: Some(4),
            ..StepUpdate::default()
        },
    )
    .await
    .unwrap();

    let job = api.get_json(&format!("/api/v1/jobs/{}", lease.job.0)).await;
    assert_eq!(job["id"], lease.job.0);
    assert_eq!(job["kind"], "environment.create");
    assert_eq!(job["status"], "running");
    assert_eq!(job["environment"], "teal");
    assert_eq!(job["stopped_at"], Value::Null);
    let steps = job["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["layer"], "k8s");
    assert_eq!(steps[0]["phase"], "plan");
    assert_eq!(steps[0]["status"], "succeeded");
    assert!(steps[0]["started_at"].is_i64() && steps[0]["finished_at"].is_i64());
    assert_eq!(
        steps[0]["summary"],
        json!({ "add": 3, "change": 1, "destroy": 0 })
    );
    assert_eq!(steps[1]["phase"], "apply");
    assert_eq!(steps[1]["status"], "running");
    assert_eq!(steps[1]["progress"], json!({ "done": 2, "planned": 4 }));
    assert_eq!(steps[1]["finished_at"], Value::Null);
}

#[tokio::test]
async fn logs_are_plain_text_and_continue_after_a_sequence_number() {
    let api = Api::as_alice().await;
    let lease = api.running_job("teal").await;
    api.log(
        lease,
        &[
            (1, None, "init"),
            (2, Some(0), "plan: 3 to add"),
            (3, Some(1), "apply: 1/3"),
            (4, Some(1), "apply: 3/3"),
        ],
    )
    .await;
    let path = format!("/api/v1/jobs/{}/logs", lease.job.0);

    let response = api.get(&path).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(response.headers()["x-palette-last-seq"], "4");
    assert_eq!(
        response.text().await.unwrap(),
        "init\nplan: 3 to add\napply: 1/3\napply: 3/3\n"
    );

    assert_eq!(
        api.get(&format!("{path}?after=2"))
            .await
            .text()
            .await
            .unwrap(),
        "apply: 1/3\napply: 3/3\n"
    );
    assert_eq!(
        api.get(&format!("{path}?step=k8s/apply"))
            .await
            .text()
            .await
            .unwrap(),
        "apply: 1/3\napply: 3/3\n"
    );
    assert_eq!(
        api.get(&format!("{path}?step=0"))
            .await
            .text()
            .await
            .unwrap(),
        "plan: 3 to add\n"
    );
    let response = api.get(&format!("{path}?after=1&limit=1")).await;
    assert_eq!(response.headers()["x-palette-last-seq"], "2");
    assert_eq!(response.text().await.unwrap(), "plan: 3 to add\n");
    let response = api.get(&format!("{path}?after=4")).await;
    assert_eq!(
        response.headers()["x-palette-last-seq"],
        "4",
        "nothing new: the same cursor"
    );
    assert_eq!(response.text().await.unwrap(), "");
    // A step the job does not have is not found (the query is well-formed).
    assert_eq!(api.get(&format!("{path}?step=iam")).await.status(), 404);
    assert!(
        response_has_no_disposition(api.get(&path).await),
        "shown, not saved, by default"
    );

    // The same text as a file to save, named after the job (and the step).
    let response = api.get(&format!("{path}?download=true")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[CONTENT_DISPOSITION],
        format!("attachment; filename=\"palette-job-{}.log\"", lease.job.0).as_str()
    );
    assert_eq!(
        response.text().await.unwrap(),
        "init\nplan: 3 to add\napply: 1/3\napply: 3/3\n"
    );
    let response = api
        .get(&format!("{path}?step=k8s/apply&download=true"))
        .await;
    assert_eq!(
        response.headers()[CONTENT_DISPOSITION],
        format!(
            "attachment; filename=\"palette-job-{}-k8s-apply.log\"",
            lease.job.0
        )
        .as_str()
    );
    assert_eq!(response.text().await.unwrap(), "apply: 1/3\napply: 3/3\n");
    let response = api.get(&format!("{path}?download=false")).await;
    assert!(response_has_no_disposition(response));
}

fn response_has_no_disposition(response: Response) -> bool {
    response.status() == 200 && !response.headers().contains_key(CONTENT_DISPOSITION)
}

/// One server-sent event.
#[derive(Debug)]
struct Event {
    name: String,
    id: Option<String>,
    data: Value,
}

/// Reads events off a `text/event-stream` response.
struct Events {
    response: Response,
    buffer: String,
}

impl Events {
    async fn open(api: &Api, path: &str, last_event_id: Option<&str>) -> Self {
        let mut request = api
            .request(Method::GET, path)
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        Self::opened(request.send().await.unwrap())
    }

    /// As a browser opens one: `Accept-Encoding` offering brotli and gzip.
    async fn open_as_a_browser(api: &Api, path: &str) -> Self {
        let request = api
            .request(Method::GET, path)
            .header("accept", "text/event-stream")
            .header("accept-encoding", "gzip, deflate, br, zstd");
        Self::opened(request.send().await.unwrap())
    }

    fn opened(response: Response) -> Self {
        assert_eq!(response.status(), 200);
        assert!(response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event, skipping comments; `None` when the stream ends.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut name, mut id, mut data) = ("message".to_owned(), None, String::new());
                for line in block.lines() {
                    match line
                        .split_once(':')
                        .map(|(k, v)| (k, v.strip_prefix(' ').unwrap_or(v)))
                    {
                        Some(("event", v)) => name = v.to_owned(),
                        Some(("id", v)) => id = Some(v.to_owned()),
                        Some(("data", v)) => data.push_str(v),
                        _ => {}
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Some(Event {
                    name,
                    id,
                    data: serde_json::from_str(&data).unwrap(),
                });
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn one_principal_holds_at_most_sixteen_event_streams_at_once() {
    let api = Api::as_alice().await;
    let lease = api.running_job("teal").await;
    let path = format!("/api/v1/jobs/{}/events", lease.job.0);
    let mut open = Vec::new();
    for _ in 0..16 {
        let response = api.get(&path).await;
        assert_eq!(response.status(), 200);
        open.push(response);
    }
    let refused = api.get(&path).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(error_of(refused).await["code"], "too_many_requests");
    // A stream the client closes frees its place.
    drop(open.pop());
    let mut again = None;
    for _ in 0..50 {
        let response = api.get(&path).await;
        if response.status() == 200 {
            again = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        again.is_some(),
        "a place is free again once a stream is closed"
    );
}

#[tokio::test]
async fn events_stream_the_job_its_lines_and_the_end_and_resume_from_last_event_id() {
    let api = Api::as_alice().await;
    let lease = api.running_job("teal").await;
    api.log(lease, &[(1, None, "init"), (2, Some(0), "plan: 3 to add")])
        .await;
    let path = format!("/api/v1/jobs/{}/events", lease.job.0);

    let mut events = Events::open(&api, &path, None).await;
    let first = events.next().await.unwrap();
    assert_eq!(first.name, "job");
    assert_eq!(first.data["status"], "running");
    assert_eq!(first.data["steps"].as_array().unwrap().len(), 2);
    for (seq, line) in [(1, "init"), (2, "plan: 3 to add")] {
        let event = events.next().await.unwrap();
        assert_eq!(
            (event.name.as_str(), event.id.as_deref()),
            ("log", Some(seq.to_string().as_str()))
        );
        assert_eq!(event.data["seq"], seq);
        assert_eq!(event.data["line"], line);
    }

    // A step changes, then a line arrives: both are streamed live.
    let store = api.app.engine.store();
    fence::update_step(
        store,
        lease,
        0,
        &StepUpdate {
            status: Some(StepStatus::Running),
            ..StepUpdate::default()
        },
    )
    .await
    .unwrap();
    let changed = events.next().await.unwrap();
    assert_eq!(changed.name, "job");
    assert_eq!(changed.data["steps"][0]["status"], "running");
    api.log(lease, &[(3, Some(0), "plan: done")]).await;
    let line = events.next().await.unwrap();
    assert_eq!(
        (line.name.as_str(), line.data["line"].as_str()),
        ("log", Some("plan: done"))
    );

    // The job ends: every line first, then `end`, then the stream closes.
    api.log(lease, &[(4, None, "finished")]).await;
    fence::complete(store, lease, &Completion::Succeeded)
        .await
        .unwrap();
    let mut names = Vec::new();
    while let Some(event) = events.next().await {
        names.push(event.name.clone());
        if event.name == "end" {
            assert_eq!(event.data["status"], "succeeded");
        }
    }
    assert_eq!(names.last().map(String::as_str), Some("end"));
    assert_eq!(
        names.iter().filter(|n| *n == "log").count(),
        1,
        "only line 4 was left: {names:?}"
    );

    // A browser that reconnects with the last id it saw gets the rest only.
    let mut resumed = Events::open(&api, &path, Some("2")).await;
    assert_eq!(resumed.next().await.unwrap().name, "job");
    let seqs: Vec<i64> = [resumed.next().await.unwrap(), resumed.next().await.unwrap()]
        .iter()
        .map(|e| e.data["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 4]);
    assert_eq!(resumed.next().await.unwrap().name, "end");
    assert!(
        resumed.next().await.is_none(),
        "the stream closes after end"
    );

    let mut from_query = Events::open(&api, &format!("{path}?after=3"), None).await;
    from_query.next().await.unwrap();
    assert_eq!(from_query.next().await.unwrap().data["seq"], 4);

    assert_eq!(api.get("/api/v1/jobs/999999/events").await.status(), 404);
}

#[tokio::test]
async fn event_streams_are_never_compressed_and_deliver_each_event_as_it_happens() {
    let api = Api::as_alice().await;
    let lease = api.running_job("teal").await;
    let path = format!("/api/v1/jobs/{}/events", lease.job.0);
    let mut events = Events::open_as_a_browser(&api, &path).await;
    assert_eq!(
        events.response.headers().get("content-encoding"),
        None,
        "a compressor would hold events back until it has enough bytes"
    );
    assert_eq!(events.response.headers()["cache-control"], "no-store");
    assert_eq!(events.next().await.unwrap().name, "job");
    // The job is running and the stream open: each line arrives on its own
    // (Events::next waits 10 s at most for it).
    for seq in 1..=3 {
        let line = format!("line {seq}");
        api.log(lease, &[(seq, None, &line)]).await;
        let event = events.next().await.unwrap();
        assert_eq!(
            (event.name.as_str(), event.data["line"].as_str()),
            ("log", Some(line.as_str()))
        );
    }
}

#[tokio::test]
async fn audit_is_filtered_by_actor_environment_action_and_time() {
    let api = Api::as_alice().await;
    assert_eq!(api.create("teal").await.status(), 202);
    assert_eq!(
        api.post(
            "/api/v1/environments/blue/lock",
            &json!({ "reason": "audit" })
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        api.post_empty("/api/v1/environments/blue/unlock")
            .await
            .status(),
        200
    );

    let mine = api.get_json("/api/v1/audit?actor=user:alice").await;
    let actions: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "environment.unlock",
            "environment.lock",
            "environment.create",
            "auth.login"
        ],
        "newest first, the login included"
    );

    let blue = api
        .get_json("/api/v1/audit?environment=blue&action=environment.lock")
        .await;
    let items = blue["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["object"], "environment:blue");
    assert_eq!(items[0]["reason"], "audit");
    assert_eq!(items[0]["decision"], "allowed");

    let prefix = api
        .get_json("/api/v1/audit?actor=user:alice&action=environment.")
        .await;
    assert_eq!(prefix["items"].as_array().unwrap().len(), 3);
    let future = api.get_json("/api/v1/audit?since=2999-01-01").await;
    assert_eq!(future["items"], json!([]));
    assert_eq!(future["next"], Value::Null);
    let page = api.get_json("/api/v1/audit?limit=1").await;
    let next = page["next"].as_i64().expect("more pages");
    let older = api
        .get_json(&format!("/api/v1/audit?limit=1&before={next}"))
        .await;
    assert!(older["items"][0]["id"].as_i64().unwrap() < next);
    assert_eq!(api.get("/api/v1/audit?since=last-week").await.status(), 422);
    assert_eq!(
        api.get("/api/v1/audit?environment=Blue").await.status(),
        422
    );
}

#[tokio::test]
async fn the_openapi_document_is_public_and_lists_every_route() {
    let app = spawn_app(testkit::sqlite(), false).await;
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "no login needed");
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (method, path) in server::http::api::ROUTES {
        let operation = &doc["paths"][format!("/api/v1{path}")][*method];
        assert!(
            operation["responses"].is_object(),
            "{method} {path} is not in the document"
        );
    }
    let create = &doc["paths"]["/api/v1/environments"]["post"];
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CreateEnvironment"
    );
    assert!(create["responses"]["202"].is_object());
    assert_eq!(
        doc["paths"]["/api/v1/jobs/{id}"]["get"]["parameters"][0]["name"],
        "id"
    );

    // Every other API path still needs credentials.
    let response = app
        .client
        .get(app.url("/api/v1/jobs"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}
