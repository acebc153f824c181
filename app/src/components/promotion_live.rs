//! A promotion, live. Its stages run as jobs, but approvals, verification
//! checks and decisions happen outside them, so the page asks for the
//! promotion again rather than following one job's events:
//!
//! - with JavaScript, every few seconds while it is not terminal, and the
//!   page is drawn again only when the answer differs (a comment being
//!   typed survives the polls that bring nothing new);
//! - without it, a `<meta http-equiv="refresh">` while the engine is
//!   moving it on by itself (planning, applying, verifying, rolling back),
//!   never while it waits for a person, who may be typing.

use leptos::prelude::*;

use domain::{PromotionDetail, PromotionState};

/// How often the browser asks again, in milliseconds.
pub const POLL_MS: u64 = 3000;

/// Whether the engine moves it on without anyone: the page without
/// JavaScript reloads itself then.
pub fn progresses_by_itself(state: PromotionState) -> bool {
    matches!(
        state,
        PromotionState::Planning
            | PromotionState::Applying
            | PromotionState::Verifying
            | PromotionState::RollingBack
    )
}

/// The reload for browsers without JavaScript, as inner HTML of a
/// `<noscript>` so that hydration does not walk what the browser left as text.
pub const NOSCRIPT_RELOAD: &str = r#"<meta http-equiv="refresh" content="5"><p class="notice">This promotion is under way: the page reloads every five seconds.</p>"#;

/// Polls the promotion the page shows (`shown`, set each time it is drawn),
/// in the browser, while it is not terminal, and bumps `refresh` when the
/// answer differs.
pub fn follow_promotion(shown: StoredValue<Option<PromotionDetail>>, refresh: RwSignal<u64>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::poll(shown, refresh));
    #[cfg(not(feature = "hydrate"))]
    let _ = (shown, refresh);
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::time::Duration;

    use leptos::prelude::*;
    use leptos::task::spawn_local;

    use domain::PromotionDetail;

    use super::POLL_MS;
    use crate::server_fns::promotions::get_promotion;

    pub fn poll(shown: StoredValue<Option<PromotionDetail>>, refresh: RwSignal<u64>) {
        let asking = StoredValue::new(false);
        let tick = move || {
            let Some(current) = shown.get_value() else {
                return;
            };
            if current.promotion.state.is_terminal() || asking.get_value() {
                return;
            }
            asking.set_value(true);
            spawn_local(async move {
                if let Ok(latest) = get_promotion(current.promotion.id.0).await {
                    if latest != current {
                        refresh.update(|n| *n += 1);
                    }
                }
                asking.set_value(false);
            });
        };
        if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(POLL_MS)) {
            on_cleanup(move || handle.clear());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_without_javascript_never_reloads_while_a_person_is_asked() {
        assert!(!progresses_by_itself(PromotionState::AwaitingApproval));
        assert!(!progresses_by_itself(PromotionState::AwaitingDecision));
        assert!(progresses_by_itself(PromotionState::Verifying));
        for state in PromotionState::ALL {
            assert!(
                !(state.is_terminal() && progresses_by_itself(*state)),
                "{state}"
            );
        }
    }
}
