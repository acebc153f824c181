use domain::colour::css_colour;
use domain::EnvironmentSummary;
use leptos::prelude::*;

use crate::base::prefixed;
use crate::components::oidc::OidcBadge;

/// One environment as a card drawn in its colour.
#[component]
pub fn EnvironmentCard(env: EnvironmentSummary) -> impl IntoView {
    let colour = css_colour(env.name.as_str());
    let status = env.status.as_str();
    let apps = env.manifest.len();
    view! {
        <li class="env-card" style:--env-colour=colour data-environment=env.name.to_string()>
            <div class="env-card-head">
                <h2><a href=prefixed(&format!("/environments/{}", env.name))>{env.name.to_string()}</a></h2>
                <span class=format!("status status-{status}")>{status}</span>
            </div>
            <p class="purpose">{env.purpose.clone()}</p>
            <dl>
                <dt>"Tier"</dt>
                <dd>{env.tier.as_str()}</dd>
                <dt>"Tracks"</dt>
                <dd><code>{env.channel.to_string()}</code></dd>
                <dt>"Issuer"</dt>
                <dd class="issuer">{env.oidc_issuer.clone()}</dd>
                <dt>"OIDC"</dt>
                <dd><OidcBadge env=env.name.to_string() /></dd>
                <dt>"Applications"</dt>
                <dd>{apps}</dd>
            </dl>
        </li>
    }
}
