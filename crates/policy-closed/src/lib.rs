//! The smallest policy: always deny, with the option `message`.
wit_bindgen::generate!({ world: "policy-plugin", path: "../../wit", generate_all });

use exports::welcome::page::policy::{Decision, Guest, Submission};
use wasi::config::store;

/// Registration is closed.
pub struct Closed;

impl Guest for Closed {
    fn check(_: Submission, current: Decision) -> Decision {
        if !current.allowed && current.reason.is_some() {
            return current; // keep an earlier policy's reason
        }
        let message = store::get("message").ok().flatten();
        let reason = message.unwrap_or_else(|| "Registration is closed.".into());
        Decision {
            allowed: false,
            reason: Some(reason),
        }
    }
}

export!(Closed);
