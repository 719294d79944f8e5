//! End-to-end tests: the real `welcome` binary, the real page component,
//! real HTTP over loopback.

mod assets;
mod browser;
mod components;
mod config_errors;
mod invites_kv;
mod oauth;
mod page;
mod policies;
mod prosody;
mod register;
mod spin_compat;
mod support;
