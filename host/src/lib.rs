//! The welcome page server: a wasmtime host that routes HTTP requests by
//! `Host` header to per-tenant WebAssembly components (the welcome page and
//! whatever else a tenant mounts), with a native SQLite invite store.
//!
//! The binary in `main.rs` only parses the command line and calls into here.

pub mod bindings;
pub mod config;
pub mod embedded;
pub mod invites;
pub mod outgoing;
pub mod policies;
pub mod runtime;
pub mod server;
pub mod state;
pub mod tenants;
