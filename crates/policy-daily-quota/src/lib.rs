//! Registration policy component: at most `max_per_day` submissions per
//! tenant per UTC day.
//!
//! Options (`wasi:config/store`):
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `max_per_day` | required | submissions this policy lets through per UTC day |
//! | `reason` | "Today's limit of new accounts has been reached. Registration reopens at {reopens} UTC." | shown when over; `{reopens}` becomes the next midnight UTC (`YYYY-MM-DD 00:00`), `{hours}` the whole hours until then (rounded up) |
//!
//! A submission that an earlier policy denied is passed on unchanged and not
//! counted. Bad or missing options and a failing key-value store fail
//! closed. See [`quota`] for the logic.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod quota;

use policy_kit::{ConfigStore, Decision, Guest, KvStore, Submission};

/// The component's name in log lines.
const PLUGIN: &str = "policy-daily-quota";

/// The exported policy.
pub struct DailyQuota;

impl Guest for DailyQuota {
    fn check(s: Submission, current: Decision) -> Decision {
        if !current.allowed {
            return current;
        }
        let quota = match quota::Quota::from_config(&ConfigStore) {
            Ok(q) => q,
            Err(e) => return policy_kit::fail_closed(PLUGIN, &s.host, &e, current),
        };
        KvStore::open()
            .and_then(|store| quota.check(&store, policy_kit::now_unix(), current.clone()))
            .unwrap_or_else(|e| policy_kit::fail_closed(PLUGIN, &s.host, &e, current))
    }
}

policy_kit::export!(DailyQuota);
