//! Registration policy component: client networks that may or may not
//! create accounts.
//!
//! Options (`wasi:config/store`); lists are a JSON array of strings (a TOML
//! array) or one string separated by spaces and/or commas; items are IPv4 or
//! IPv6 networks (`192.0.2.0/24`, `2001:db8::/32`) or single addresses:
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `deny` | empty | networks that may not create accounts (wins over `allow`) |
//! | `allow` | empty | when not empty: the only networks that may, and they may even when the verdict so far says no |
//! | `deny_reason` | "Account creation is not possible from your network" | shown to a client in `deny` |
//! | `allow_reason` | "Account creation is only possible from an approved network" | shown to a client outside a non-empty `allow` (or of unknown address) |
//!
//! Bad options fail closed. See [`rules`] for the logic.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod rules;

use policy_kit::{ConfigStore, Decision, Guest, Submission};

/// The component's name in log lines.
const PLUGIN: &str = "policy-network";

/// The exported policy.
pub struct Network;

impl Guest for Network {
    fn check(s: Submission, current: Decision) -> Decision {
        match rules::Rules::from_config(&ConfigStore) {
            Ok(r) => r.check(s.remote_addr.as_deref(), current),
            Err(e) => policy_kit::fail_closed(PLUGIN, &s.host, &e, current),
        }
    }
}

policy_kit::export!(Network);
