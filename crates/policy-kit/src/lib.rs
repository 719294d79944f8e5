//! Shared guest-side support for the welcome page's registration policy
//! components (world `welcome:page/policy-plugin`).
//!
//! - [`bindings`]: the generated bindings, generated once; a plugin exports
//!   its policy with [`export!`].
//! - [`options`]: typed option parsing over the config store (or a map in
//!   tests), failing with an error that names the option.
//! - [`store`]: a small key-value [`Store`] trait with the component's
//!   implementation ([`KvStore`]) and an in-memory one ([`MemoryStore`]) for
//!   native tests.
//! - [`net`]: client addresses and CIDR networks.
//!
//! Decision logic in the plugins is written against these traits, so it is
//! unit-tested natively; only the thin `check` export touches the imports.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod bindings;
pub mod net;
pub mod options;
pub mod store;

pub use bindings::exports::welcome::page::policy::Guest;
pub use bindings::welcome::page::types::{Decision, Submission};
pub use options::{Config, ConfigStore, OptionError};
pub use store::{KvStore, MemoryStore, Store, StoreError};

/// Exports a type implementing [`Guest`] as the component's
/// `welcome:page/policy`: `policy_kit::export!(MyPolicy);`.
#[macro_export]
macro_rules! export {
    ($ty:ident) => {
        $crate::bindings::export_policy!($ty with_types_in $crate::bindings);
    };
}

/// The reason given when a policy cannot decide (bad options, a failing
/// store): generic on purpose, the details go to the log.
pub const GENERIC_REASON: &str = "Account creation is not possible at this time";

/// A denial with `reason`.
pub fn deny(reason: impl Into<String>) -> Decision {
    Decision {
        allowed: false,
        reason: Some(reason.into()),
    }
}

/// Fails closed: logs one line naming the plugin, the tenant and the cause
/// to stderr and returns a denial with [`GENERIC_REASON`] (or `current`
/// when that is already a denial, so an earlier reason is kept).
pub fn fail_closed(
    plugin: &str,
    host: &str,
    cause: &dyn std::fmt::Display,
    current: Decision,
) -> Decision {
    eprintln!("{plugin}: host {host:?}: {cause}; denying");
    if current.allowed {
        deny(GENERIC_REASON)
    } else {
        current
    }
}

/// Seconds since the Unix epoch by the wall clock (0 if the clock is set
/// before 1970).
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_and_fail_closed() {
        let d = deny("no");
        assert!(!d.allowed);
        assert_eq!(d.reason.as_deref(), Some("no"));
        let open = Decision {
            allowed: true,
            reason: None,
        };
        let d = fail_closed("p", "h", &"option `x` is bad", open);
        assert!(!d.allowed);
        assert_eq!(d.reason.as_deref(), Some(GENERIC_REASON));
        let earlier = deny("earlier");
        assert_eq!(fail_closed("p", "h", &"bad", earlier.clone()), earlier);
    }

    #[test]
    fn clock_is_after_2020() {
        assert!(now_unix() > 1_577_836_800);
    }
}
