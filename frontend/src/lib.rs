//! Hydrates the server-rendered page in the browser.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The path prefix the page was served under (`PALETTE_PATH_PREFIX`):
    // for links, streams and the server functions' URLs.
    let base = app::base::from_page();
    if !base.is_empty() {
        leptos::server_fn::client::set_server_url(Box::leak(base.clone().into_boxed_str()));
    }
    app::base::set_client_base(base);
    leptos::mount::hydrate_body(app::App);
}
