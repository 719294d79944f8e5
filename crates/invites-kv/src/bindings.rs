//! Bindings for the `invite-backend` world. WASI HTTP and I/O come from the
//! `wasip2` crate (this backend never calls them, so the built component does
//! not import them); the config store, the key-value interfaces and our own
//! `invites` interface are generated here.
#![allow(missing_docs, clippy::all)]

wit_bindgen::generate!({
    world: "invite-backend",
    path: "../../wit",
    with: {
        "wasi:http/types@0.2.12": wasip2::http::types,
        "wasi:http/outgoing-handler@0.2.12": wasip2::http::outgoing_handler,
        "wasi:io/streams@0.2.12": wasip2::io::streams,
        "wasi:io/error@0.2.12": wasip2::io::error,
        "wasi:io/poll@0.2.12": wasip2::io::poll,
        "wasi:clocks/monotonic-clock@0.2.12": wasip2::clocks::monotonic_clock,
        "wasi:config/store@0.2.0-draft-2024-09-27": generate,
        "wasi:keyvalue/store@0.2.0-draft2": generate,
        "wasi:keyvalue/atomics@0.2.0-draft2": generate,
        "welcome:page/invites@0.1.0": generate,
    },
});
