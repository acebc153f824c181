use crate::components::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::base::prefixed;
use crate::server_fns::access::{
    explain_access, list_access, EndSessions, GrantAccess, RevokeAccess,
};
use crate::server_fns::list_environments::environment_names;
use crate::session::CsrfField;
use domain::access::{Explanation, Grant, Permission, Relation};

/// Per environment: who holds which relation; grant, revoke, and why a given
/// principal has a permission. Works as plain forms without JavaScript.
#[component]
pub fn AccessPage() -> impl IntoView {
    let query = use_query_map();
    let env = move || query.with(|q| q.get("env")).filter(|e| !e.is_empty());
    let environments = Resource::new(|| (), |()| environment_names());
    let grant = ServerAction::<GrantAccess>::new();
    let revoke = ServerAction::<RevokeAccess>::new();
    let end_sessions = ServerAction::<EndSessions>::new();
    let grants = Resource::new(
        move || (env(), grant.version().get(), revoke.version().get()),
        |(env, _, _)| async move {
            match env {
                Some(env) => list_access(env).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let explanation = Resource::new(
        move || query.with(|q| (q.get("env"), q.get("who"), q.get("permission"))),
        |(env, who, permission)| async move {
            match (env, who, permission) {
                (Some(env), Some(who), Some(permission)) if !who.is_empty() => Some((
                    who.clone(),
                    permission.clone(),
                    explain_access(env, who, permission).await,
                )),
                _ => None,
            }
        },
    );
    let action_error = move || {
        grant
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| revoke.value().get().and_then(Result::err))
    };

    view! {
        <Title text="Access" />
        <section class="page">
            <h1>"Access"</h1>
            <form method="get" action=prefixed("/access") class="inline-form">
                <label for="access-env">"Environment"</label>
                <Suspense fallback=|| view! { <select id="access-env" name="env" disabled=true></select> }>
                    {move || Suspend::new(async move {
                        let names = environments.await.unwrap_or_default();
                        let current = env().unwrap_or_default();
                        view! {
                            <select id="access-env" name="env">
                                <option value="">"Pick one…"</option>
                                {names.into_iter().map(|e| {
                                    let name = e.to_string();
                                    let selected = name == current;
                                    view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Suspense>
                <button type="submit">"Show"</button>
            </form>
            {move || action_error().map(|e| view! { <p class="error" role="alert">{e.0.message}</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match grants.await {
                        Ok(None) => view! { <p class="muted">"Pick an environment to see who may do what."</p> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.0.message}</p> }.into_any(),
                        Ok(Some(list)) => {
                            let env_name = env().unwrap_or_default();
                            let grant_env = env_name.clone();
                            let why_env = env_name.clone();
                            view! {
                                <GrantTable env=env_name grants=list.items revoke />
                                <h2>"Grant"</h2>
                                <ActionForm action=grant attr:class="inline-form">
                                    <CsrfField />
                                    <input type="hidden" name="env" value=grant_env />
                                    <label for="grant-subject">"Who"</label>
                                    <input id="grant-subject" type="text" name="subject" placeholder="user:anne or group:sre" required=true />
                                    <label for="grant-relation">"Relation"</label>
                                    <select id="grant-relation" name="relation">
                                        {Relation::ALL.iter().map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> }).collect_view()}
                                    </select>
                                    <button type="submit">"Grant"</button>
                                </ActionForm>
                                <h2>"Why?"</h2>
                                <form method="get" action=prefixed("/access") class="inline-form">
                                    <input type="hidden" name="env" value=why_env />
                                    <label for="why-who">"Who"</label>
                                    <input id="why-who" type="text" name="who" placeholder="user:anne" required=true />
                                    <label for="why-permission">"Permission"</label>
                                    <select id="why-permission" name="permission">
                                        {Permission::ALL.iter().map(|p| view! { <option value=p.as_str()>{p.as_str()}</option> }).collect_view()}
                                    </select>
                                    <button type="submit">"Explain"</button>
                                </form>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    explanation.await.map(|(who, permission, result)| match result {
                        Ok(Explanation { path: Some(path), .. }) => view! {
                            <p class="explain" data-testid="explanation"><strong>{who}" has "{permission}": "</strong><code>{path}</code></p>
                        }.into_any(),
                        Ok(Explanation { path: None, .. }) => view! {
                            <p class="explain" data-testid="explanation"><strong>{who}" does not have "{permission}"."</strong></p>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.0.message}</p> }.into_any(),
                    })
                })}
            </Suspense>
            <h2>"Sessions"</h2>
            <p class="muted">"End every browser session of a person at once: platform admins for anyone, everyone for themselves (as \"Log out everywhere\" does). Their next request asks them to log in again."</p>
            <ActionForm action=end_sessions attr:class="inline-form">
                <CsrfField />
                <label for="end-subject">"Subject"</label>
                <input id="end-subject" type="text" name="subject" placeholder="anne" required=true />
                <button type="submit">"End sessions"</button>
            </ActionForm>
            {move || {
                let from_query = query.with(|q| Some((q.get("ended")?, q.get("of")?)));
                let done = match end_sessions.value().get() {
                    Some(Ok(done)) => Some((done.ended.to_string(), done.subject)),
                    Some(Err(e)) => {
                        return Some(view! { <p class="error" role="alert">{e.0.message}</p> }.into_any());
                    }
                    None => from_query,
                };
                done.map(|(ended, subject)| view! {
                    <p role="status" data-testid="sessions-ended">{format!("Ended {ended} session(s) of {subject}.")}</p>
                }.into_any())
            }}
        </section>
    }
}

#[component]
fn GrantTable(
    env: String,
    grants: Vec<Grant>,
    revoke: ServerAction<RevokeAccess>,
) -> impl IntoView {
    if grants.is_empty() {
        return view! { <p class="muted">"No direct grants: only platform roles apply."</p> }
            .into_any();
    }
    view! {
        <table class="grants">
            <thead><tr><th>"Relation"</th><th>"Who"</th><th></th></tr></thead>
            <tbody>
                {grants.into_iter().map(|g| {
                    let env = env.clone();
                    view! {
                        <tr>
                            <td>{g.relation.as_str()}</td>
                            <td><code>{g.subject.to_string()}</code></td>
                            <td>
                                <ActionForm action=revoke>
                                    <CsrfField />
                                    <input type="hidden" name="env" value=env />
                                    <input type="hidden" name="relation" value=g.relation.as_str() />
                                    <input type="hidden" name="subject" value=g.subject.to_string() />
                                    <button type="submit" class="link">"Revoke"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
