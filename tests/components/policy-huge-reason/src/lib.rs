//! Hostile test policy: denies with a reason of [`REASON_BYTES`] bytes. The
//! host must not pass it to the page (or the visitor) unbounded.

use policy_kit::{Decision, Guest, Submission};

/// The reason's length: 10 MiB.
pub const REASON_BYTES: usize = 10 << 20;

/// The exported policy.
pub struct HugeReason;

impl Guest for HugeReason {
    fn check(_s: Submission, _current: Decision) -> Decision {
        Decision {
            allowed: false,
            reason: Some("x".repeat(REASON_BYTES)),
        }
    }
}

policy_kit::export!(HugeReason);
