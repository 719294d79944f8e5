//! Registration policy component: at most `max_per_address` submissions per
//! client network per fixed window of `window_seconds`, and optionally at
//! most `max_per_host` per tenant per window.
//!
//! Options (`wasi:config/store`):
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `max_per_address` | `5` | submissions one client may pass per window (IPv4: per address; IPv6: per /64; no address: all together as `unknown`) |
//! | `window_seconds` | `3600` | the window length; windows are fixed, aligned to the Unix epoch |
//! | `max_per_host` | none | submissions the tenant may pass per window |
//! | `reason` | "Too many accounts were created from your network recently. Please try again later." | shown when a client is over its limit |
//! | `host_reason` | "Too many accounts were created recently. Please try again later." | shown when the tenant is over its limit |
//!
//! A submission that an earlier policy denied is passed on unchanged and not
//! counted; one this policy denies is not counted either. Bad options or a
//! failing key-value store fail closed. See [`limit`] for the logic.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod limit;

use policy_kit::{ConfigStore, Decision, Guest, KvStore, Submission};

/// The component's name in log lines.
const PLUGIN: &str = "policy-rate-limit";

/// The exported policy.
pub struct RateLimit;

impl Guest for RateLimit {
    fn check(s: Submission, current: Decision) -> Decision {
        if !current.allowed {
            return current;
        }
        let limits = match limit::Limits::from_config(&ConfigStore) {
            Ok(l) => l,
            Err(e) => return policy_kit::fail_closed(PLUGIN, &s.host, &e, current),
        };
        let now = policy_kit::now_unix();
        let addr = s.remote_addr.as_deref();
        KvStore::open()
            .and_then(|store| limit::check(&limits, &store, now, addr, current.clone()))
            .unwrap_or_else(|e| policy_kit::fail_closed(PLUGIN, &s.host, &e, current))
    }
}

policy_kit::export!(RateLimit);
