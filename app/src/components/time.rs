//! Times as Palette shows them: absolute UTC, the same on the server and in
//! the browser (so hydration agrees), or how long ago with the absolute time
//! beside it. The one implementation is the domain's.

use leptos::prelude::*;

use domain::time::{format_ago, format_rfc3339};
pub use domain::time::{format_duration, format_ms};

/// A past moment as a dashboard says it (`3 min ago`), with its absolute
/// UTC time on hover (`title`) and for machines (`datetime`). Counted from
/// the clock of whoever renders it: the server's in the page as sent, the
/// browser's once it renders the moment itself.
#[component]
pub fn Ago(at: i64) -> impl IntoView {
    view! { <time datetime=format_rfc3339(at) title=format_ms(at)>{format_ago(at, now())}</time> }
}

#[cfg(not(target_arch = "wasm32"))]
fn now() -> i64 {
    domain::time::now_ms()
}

#[cfg(target_arch = "wasm32")]
#[allow(clippy::cast_possible_truncation)]
fn now() -> i64 {
    web_sys::js_sys::Date::now() as i64
}
