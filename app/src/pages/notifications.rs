//! `/notifications`: the webhooks platform admins configure — where each
//! sends, what it hears, its newest deliveries — with a form to add one and
//! a Delete button on each. Plain forms: they work without JavaScript.

use domain::notification::{Delivery, NotificationEvent, WebhookFormat, WebhookWithDeliveries};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::base::prefixed;
use crate::components::form::ActionForm;
use crate::components::promotion::ActionError;
use crate::components::time::{format_ms, Ago};
use crate::server_fns::list_environments::environment_names;
use crate::server_fns::notifications::{list_webhooks, CreateWebhook, DeleteWebhook};
use crate::session::CsrfField;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let hooks = Resource::new(
        move || (create.version().get(), delete.version().get()),
        |_| list_webhooks(),
    );
    view! {
        <Title text="Notifications" />
        <section class="page">
            <h1>"Notifications"</h1>
            <p class="hint">
                "Webhooks tell a chat channel or another system when a promotion waits for approval, succeeds, fails or is rolled back, when an infrastructure job fails, and when an environment's OIDC check turns to fail and back. Deliveries are retried with backoff, five times in all."
            </p>
            {move || delete.value().get().and_then(Result::err).map(|error| view! { <ActionError error /> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading webhooks…"</p> }>
                {move || Suspend::new(async move {
                    match hooks.await {
                        Err(e) => view! { <p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        Ok(list) => view! {
                            {list.is_empty().then(|| view! { <p class="empty" data-testid="no-webhooks">"No webhook yet."</p> })}
                            {list.into_iter().map(|hook| view! { <WebhookCard hook delete /> }).collect_view()}
                            <WebhookForm create />
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// One webhook: where it sends, what it hears, its newest deliveries.
#[component]
fn WebhookCard(hook: WebhookWithDeliveries, delete: ServerAction<DeleteWebhook>) -> impl IntoView {
    let WebhookWithDeliveries {
        webhook,
        deliveries,
    } = hook;
    let id = webhook.id.to_string();
    let heading = format!("webhook-{id}");
    let events = if webhook.events.is_empty() {
        "every event".to_owned()
    } else {
        webhook
            .events
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = webhook.name.clone();
    let (data_id, labelled_by) = (id.clone(), heading.clone());
    view! {
        <article class="webhook card" data-webhook=data_id aria-labelledby=labelled_by>
            <h2 id=heading>{webhook.name.clone()}</h2>
            <dl class="facts">
                <dt>"Sends to"</dt><dd><code>{webhook.url.clone()}</code></dd>
                <dt>"Format"</dt><dd>{webhook.format.as_str()}</dd>
                <dt>"Environment"</dt>
                <dd>{webhook.environment.map_or_else(|| "every environment".to_owned(), |e| e.to_string())}</dd>
                <dt>"Hears"</dt><dd data-testid="webhook-events">{events}</dd>
                <dt>"Signed"</dt>
                <dd>{if webhook.signed { "yes (the secret is not shown again)" } else { "no" }}</dd>
                <dt>"Added"</dt><dd>{format_ms(webhook.created_at)}" by "{webhook.created_by.clone()}</dd>
            </dl>
            <ActionForm action=delete attr:class="inline-form">
                <CsrfField />
                <input type="hidden" name="id" value=id />
                <button type="submit" class="danger">"Delete"<span class="visually-hidden">" "{name}</span></button>
            </ActionForm>
            <Deliveries deliveries />
        </article>
    }
}

#[component]
fn Deliveries(deliveries: Vec<Delivery>) -> impl IntoView {
    if deliveries.is_empty() {
        return view! { <p class="muted">"Nothing delivered yet."</p> }.into_any();
    }
    view! {
        <table class="data deliveries">
            <caption>"Newest deliveries"</caption>
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Event"</th>
                    <th scope="col">"What"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Attempts"</th>
                    <th scope="col">"Answer"</th>
                </tr>
            </thead>
            <tbody>
                {deliveries.into_iter().map(|d| {
                    let answer = match (d.response_status, d.error.clone()) {
                        (_, Some(error)) => error,
                        (Some(status), None) => format!("HTTP {status}"),
                        (None, None) => "—".to_owned(),
                    };
                    view! {
                        <tr data-delivery=d.id data-status=d.status.as_str()>
                            <td><Ago at=d.created_at /></td>
                            <td><code>{d.event.as_str()}</code></td>
                            <td>{d.summary.clone()}</td>
                            <td><span class=format!("status status-{}", d.status)>{d.status.as_str()}</span></td>
                            <td>
                                {match d.job {
                                    Some(job) => view! { <a href=prefixed(&format!("/jobs/{job}"))>{d.attempts}</a> }.into_any(),
                                    None => view! { {d.attempts} }.into_any(),
                                }}
                            </td>
                            <td>{answer}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The form that adds a webhook, with what a refused plain post typed
/// (never the secret).
#[component]
fn WebhookForm(create: ServerAction<CreateWebhook>) -> impl IntoView {
    let query = use_query_map();
    let typed = move |k: &str| query.with_untracked(|q| q.get(k)).unwrap_or_default();
    let environments = Resource::new(|| (), |()| environment_names());
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (create.value().get(), form.get_untracked()) {
            form.reset();
        }
    });
    let chosen_env = typed("environment");
    let chosen_format = typed("format");
    view! {
        <ActionForm action=create node_ref=form attr:class="webhook-form" attr:aria-labelledby="webhook-form-title">
            <h2 id="webhook-form-title">"Add a webhook"</h2>
            <CsrfField />
            {move || create.value().get().and_then(Result::err).map(|error| view! { <ActionError error /> })}
            <div class="field">
                <label for="webhook-name">"Name"</label>
                <input id="webhook-name" type="text" name="name" required=true value=typed("name")
                    maxlength=domain::notification::WEBHOOK_NAME_MAX_LEN.to_string() placeholder="#platform-alerts" />
            </div>
            <div class="field">
                <label for="webhook-url">"URL"</label>
                <input id="webhook-url" type="url" name="url" required=true value=typed("url")
                    maxlength=domain::notification::WEBHOOK_URL_MAX_LEN.to_string() placeholder="https://hooks.slack.com/services/…" />
            </div>
            <div class="field">
                <label for="webhook-format">"Format"</label>
                <select id="webhook-format" name="format">
                    {WebhookFormat::ALL.iter().map(|f| {
                        let label = match f {
                            WebhookFormat::Json => "JSON, signed with the secret (HMAC-SHA256)",
                            WebhookFormat::Slack => "Slack or Mattermost incoming webhook",
                        };
                        view! { <option value=f.as_str() selected=chosen_format == f.as_str()>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="webhook-secret">"Secret"</label>
                <input id="webhook-secret" type="password" name="secret" autocomplete="new-password"
                    maxlength=domain::notification::WEBHOOK_SECRET_MAX_LEN.to_string() aria-describedby="webhook-secret-hint" />
                <p class="hint" id="webhook-secret-hint">"Signs JSON deliveries in the X-Palette-Signature-256 header. It is not shown again."</p>
            </div>
            <div class="field">
                <label for="webhook-environment">"Environment"</label>
                <select id="webhook-environment" name="environment">
                    <option value="">"Every environment"</option>
                    <Suspense fallback=|| ()>
                        {move || {
                            let chosen_env = chosen_env.clone();
                            Suspend::new(async move {
                            environments.await.unwrap_or_default().into_iter().map(|e| {
                                let name = e.to_string();
                                let selected = name == chosen_env;
                                view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                            }).collect_view()
                        })}}
                    </Suspense>
                </select>
            </div>
            <fieldset class="field">
                <legend>"Events (none ticked: every event)"</legend>
                <ul class="checklist">
                    {NotificationEvent::ALL.iter().map(|e| {
                        let id = format!("webhook-event-{}", e.as_str().replace('.', "-"));
                        view! {
                            <li>
                                <input id=id.clone() type="checkbox" name="events[]" value=e.as_str() />
                                <label for=id>{e.label()}" "<code>{e.as_str()}</code></label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </fieldset>
            <button type="submit" disabled=move || create.pending().get()>
                {move || if create.pending().get() { "Adding…" } else { "Add webhook" }}
            </button>
        </ActionForm>
    }
}
