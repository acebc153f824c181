//! The wall clock, as Palette stores times: Unix milliseconds.
//!
//! Server-side only: `std::time::SystemTime` has no clock on
//! `wasm32-unknown-unknown`, so the browser build does not get these.

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    now_ms() / 1000
}
