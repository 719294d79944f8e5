//! Bindings for the `page` world. WASI HTTP and I/O types come from the
//! `wasip2` crate so the handler can use its helpers; our own interfaces and
//! the config store are generated here.
#![allow(missing_docs, clippy::all)]

wit_bindgen::generate!({
    world: "page",
    path: "../../wit",
    with: {
        "wasi:http/types@0.2.12": wasip2::http::types,
        "wasi:io/streams@0.2.12": wasip2::io::streams,
        "wasi:io/error@0.2.12": wasip2::io::error,
        "wasi:io/poll@0.2.12": wasip2::io::poll,
        "wasi:clocks/monotonic-clock@0.2.12": wasip2::clocks::monotonic_clock,
        "wasi:config/store@0.2.0-draft-2024-09-27": generate,
        "welcome:page/types@0.1.0": generate,
        "welcome:page/policy@0.1.0": generate,
        "welcome:page/invites@0.1.0": generate,
    },
    pub_export_macro: true,
});
