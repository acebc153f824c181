//! A promotion, live. With JavaScript the browser follows
//! `/api/v1/promotions/{id}/events` (server-sent events: the promotion
//! whenever it changes — a state, an approval, a check — and `end` once it
//! is final), and the page is drawn again only when what arrives differs
//! from what it shows, so a comment being typed survives. Without
//! JavaScript a `<meta http-equiv="refresh">` reloads the page while the
//! engine moves it on by itself (planning, applying, verifying, rolling
//! back), never while it waits for a person, who may be typing.

use leptos::prelude::*;

use domain::{PromotionDetail, PromotionState};

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

/// Follows the promotion the page shows (`shown`, set each time it is
/// drawn), in the browser, while it is not terminal, and bumps `refresh`
/// when an event brings something different.
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
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    use domain::{PromotionDetail, PromotionStream};

    /// Keeps one event stream open for the promotion the page shows while
    /// it is not final: opened once the page has drawn it, moved when the
    /// page shows another, closed when it ends or the page goes away.
    pub fn poll(shown: StoredValue<Option<PromotionDetail>>, refresh: RwSignal<u64>) {
        let following = StoredValue::new_local(None::<(i64, EventSource)>);
        let tick = move || {
            let want = shown
                .get_value()
                .filter(|d| !d.promotion.state.is_terminal())
                .map(|d| d.promotion.id.0);
            let have = following.with_value(|f| f.as_ref().map(|(id, _)| *id));
            if want == have {
                return;
            }
            following.update_value(|f| {
                if let Some((_, source)) = f.take() {
                    source.close();
                }
                *f = want.and_then(|id| open(id, shown, refresh).map(|s| (id, s)));
            });
        };
        tick();
        if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(1000)) {
            on_cleanup(move || {
                handle.clear();
                following.update_value(|f| {
                    if let Some((_, source)) = f.take() {
                        source.close();
                    }
                });
            });
        }
    }

    fn open(
        id: i64,
        shown: StoredValue<Option<PromotionDetail>>,
        refresh: RwSignal<u64>,
    ) -> Option<EventSource> {
        let source = EventSource::new(&crate::base::prefixed(&format!(
            "/api/v1/promotions/{id}/events"
        )))
        .ok()?;
        let changed = move |detail: &PromotionDetail| {
            if shown.get_value().as_ref() != Some(detail) {
                refresh.update(|n| *n += 1);
            }
        };
        let on_promotion = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data().as_string().unwrap_or_default();
            if let Some(PromotionStream::Promotion(detail)) =
                PromotionStream::parse("promotion", &data)
            {
                changed(&detail);
            }
        });
        let closer = source.clone();
        let on_end = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data().as_string().unwrap_or_default();
            if let Some(PromotionStream::End(detail)) = PromotionStream::parse("end", &data) {
                changed(&detail);
            }
            closer.close();
        });
        let failed = source.clone();
        let on_error = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            // A server-sent `error` event carries data and ends the stream;
            // the browser's own connection errors carry none, and it
            // reconnects by itself.
            if ev.data().as_string().is_some() {
                failed.close();
            }
        });
        for (name, callback) in [
            ("promotion", &on_promotion),
            ("end", &on_end),
            ("error", &on_error),
        ] {
            let _ =
                source.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
        }
        // The listeners live as long as their source.
        on_promotion.forget();
        on_end.forget();
        on_error.forget();
        Some(source)
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
