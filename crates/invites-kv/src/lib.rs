//! Account invites kept in a key-value store: a `welcome:page` invite
//! backend (world `invite-backend`) for hosts without a native invite store,
//! first of all Fermyon Spin, where it runs as a component dependency of the
//! page (`spin.toml`) over Spin's `wasi:keyvalue@0.2.0-draft2`. Our host can
//! run it too, with a key-value store scoped to the tenant and the plugin.
//!
//! The component exports `welcome:page/invites` and imports only
//! `wasi:config/store` (options `host`, `invite_expiry`, `invites_page`),
//! `wasi:keyvalue/store` (bucket [`record::BUCKET`]) and what Rust's std
//! needs (random bytes, the wall clock).
//!
//! [`record`] holds everything that is not an import call: options, the key
//! and JSON record of an invite, validity (expired invites are not valid)
//! and lookup helpers. It builds natively, for unit tests and for tests that
//! read a store the component wrote.

#![warn(missing_docs)]

pub mod record;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod component;
