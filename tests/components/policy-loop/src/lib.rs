//! Hostile test policy: spins forever in `check`. The host must interrupt
//! it (epoch deadline) and fail closed.

use policy_kit::{Decision, Guest, Submission};

/// The exported policy.
pub struct Spin;

impl Guest for Spin {
    fn check(_s: Submission, _current: Decision) -> Decision {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
}

policy_kit::export!(Spin);
