//! Hostile test policy: panics in `check` (a wasm trap: `unreachable`, as
//! guests are built with `panic = "abort"`). The host must fail closed and
//! keep serving.

use policy_kit::{Decision, Guest, Submission};

/// The exported policy.
pub struct Trap;

impl Guest for Trap {
    fn check(s: Submission, _current: Decision) -> Decision {
        panic!("policy-trap: deliberate panic for host {}", s.host);
    }
}

policy_kit::export!(Trap);
