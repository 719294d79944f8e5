//! Hostile test policy: allocates 1 GiB in 1 MiB chunks and writes every
//! byte. The host's memory limit must stop it (the allocation fails and the
//! guest traps) and fail closed. Should it survive, it says so by allowing
//! with the reason [`SURVIVED`], which a test can spot.

use policy_kit::{Decision, Guest, Submission};

/// The reason returned if the whole gibibyte could be allocated.
pub const SURVIVED: &str = "policy-alloc: allocated and touched 1 GiB";

const CHUNK: usize = 1 << 20;
const CHUNKS: usize = 1 << 10;

/// The exported policy.
pub struct Alloc;

impl Guest for Alloc {
    fn check(_s: Submission, _current: Decision) -> Decision {
        let mut chunks: Vec<Vec<u8>> = Vec::with_capacity(CHUNKS);
        for i in 0..CHUNKS {
            chunks.push(vec![(i % 251) as u8 + 1; CHUNK]);
        }
        let total: usize = std::hint::black_box(&chunks).iter().map(Vec::len).sum();
        Decision {
            allowed: total == CHUNK * CHUNKS,
            reason: Some(SURVIVED.to_string()),
        }
    }
}

policy_kit::export!(Alloc);
