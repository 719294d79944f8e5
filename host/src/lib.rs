//! The welcome page server: a wasmtime host that routes HTTP requests by
//! `Host` header to per-tenant WebAssembly components (the welcome page and
//! whatever else a tenant mounts), runs each tenant's registration policy
//! chain as sandboxed plugin components, and keeps invites in SQLite.
//!
//! The binary in `main.rs` only parses the command line and calls into here.

pub mod admin;
pub mod app;
pub mod bindings;
pub mod client_addr;
pub mod config;
pub mod embedded;
pub mod invites;
pub mod kv;
pub mod oauth_verify;
pub mod outgoing;
pub mod page_imports;
pub mod policies;
pub mod registry;
pub mod reload;
pub mod runtime;
pub mod server;
pub mod services;
pub mod state;
pub mod tenants;
