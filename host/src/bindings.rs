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

/// The `invite-backend` world: the host calls its `invites` export; its
/// key-value imports are implemented here (and shared with policy plugins).
pub mod backend {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "welcome:page/invite-backend",
        imports: { default: trappable },
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:config/store": super::page::wasi::config::store,
            "wasi:keyvalue/store.bucket": crate::kv::Bucket,
            "wasi:keyvalue/atomics.cas": crate::kv::Cas,
        },
        require_store_data_send: true,
    });
}

/// The `policy-plugin` world: the host calls its `policy` export.
pub mod policy_plugin {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "welcome:page/policy-plugin",
        imports: { default: trappable },
        exports: { default: async },
        with: {
            "wasi:config/store": super::page::wasi::config::store,
            "wasi:keyvalue": super::backend::wasi::keyvalue,
            "welcome:page/types": super::page::welcome::page::types,
        },
        require_store_data_send: true,
    });
}

/// The `oauth-register` world: besides serving HTTP it exports
/// `oauth-clients.verify`, which `welcome oauth verify` calls.
pub mod oauth {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "welcome:page/oauth-register",
        imports: { default: trappable },
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:config/store": super::page::wasi::config::store,
        },
        require_store_data_send: true,
    });
}

pub use backend::InviteBackendPre;
pub use backend::wasi::keyvalue::{atomics as kv_atomics, store as kv_store};
pub use page::wasi::config::store as config_store;
pub use page::welcome::page::{invites, policy, types};
pub use policy_plugin::PolicyPluginPre;
