//! Every `bindgen!` of the host lives here; the rest of the code imports
//! the generated types from this module.
#![allow(missing_docs)]

/// Host side of the `page` world: the imports our host implements
/// (`wasi:config/store`, `welcome:page/policy`, `welcome:page/invites`).
/// The page's HTTP export is driven through `wasmtime_wasi_http`'s `ProxyPre`.
pub mod page {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "welcome:page/page",
        imports: {
            "welcome:page/policy": async,
            "welcome:page/invites": async,
            default: trappable,
        },
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
        },
        require_store_data_send: true,
    });
}

pub use page::exports as page_exports;
pub use page::wasi::config::store as config_store;
pub use page::welcome::page::{invites, policy, types};
