//! Times as Palette shows them: absolute UTC, the same on the server and in
//! the browser (so hydration agrees). The one implementation is the
//! domain's.

pub use domain::time::{format_duration, format_ms};
