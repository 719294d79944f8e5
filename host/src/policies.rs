//! The registration policy chain of a tenant.
//!
//! The page's `welcome:page/policy` import is implemented here: the verdict
//! starts as `allowed = open_registration` (decided by the page) and each
//! policy in the chain sees the verdict so far and returns the next one.

use crate::bindings::types::{Decision, Submission};

/// A tenant's ordered policies. An empty chain returns the verdict it is
/// given (the default decision).
#[derive(Default)]
pub struct PolicyChain {
    _private: (),
}

impl PolicyChain {
    /// Runs the chain on a submission.
    pub async fn check(&self, _submission: &Submission, current: Decision) -> Decision {
        current
    }
}
