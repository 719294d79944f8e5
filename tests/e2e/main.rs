//! End-to-end tests: the real `welcome` binary, the real page component,
//! real HTTP over loopback.

mod assets;
mod components;
mod config_errors;
mod page;
mod register;
mod support;
