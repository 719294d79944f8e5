//! The rate-limit decision over a [`Store`], independent of the bindings.
//!
//! Keys (the bucket is already per tenant and plugin instance):
//! `addr:<window start>:<client key>` and `host:<window start>`, both
//! counters of submissions this policy let through in that window. When a
//! client's first submission of a window is counted, its key of the previous
//! window is deleted; when the tenant's first one is, every key of an older
//! window is swept (bounded). So the bucket holds about one window of keys.

use policy_kit::net::client_key;
use policy_kit::options::{self, Config, OptionError};
use policy_kit::store::{SWEEP_MAX_DELETES, Store, StoreError, sweep};
use policy_kit::{Decision, deny};

/// Default `max_per_address`.
pub const DEFAULT_MAX_PER_ADDRESS: u64 = 5;
/// Default `window_seconds`.
pub const DEFAULT_WINDOW_SECONDS: u64 = 3600;
/// Default `reason`.
pub const DEFAULT_REASON: &str =
    "Too many accounts were created from your network recently. Please try again later.";
/// Default `host_reason`.
pub const DEFAULT_HOST_REASON: &str =
    "Too many accounts were created recently. Please try again later.";

/// The policy's options after defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Submissions one client may pass per window.
    pub max_per_address: u64,
    /// Window length in seconds.
    pub window_seconds: u64,
    /// Submissions the tenant may pass per window, if capped.
    pub max_per_host: Option<u64>,
    /// Shown when a client is over its limit.
    pub reason: String,
    /// Shown when the tenant is over its limit.
    pub host_reason: String,
}

impl Limits {
    /// Reads and checks the options.
    pub fn from_config<C: Config + ?Sized>(cfg: &C) -> Result<Self, OptionError> {
        Ok(Self {
            max_per_address: options::positive(cfg, "max_per_address")?
                .unwrap_or(DEFAULT_MAX_PER_ADDRESS),
            window_seconds: options::positive(cfg, "window_seconds")?
                .unwrap_or(DEFAULT_WINDOW_SECONDS),
            max_per_host: options::positive(cfg, "max_per_host")?,
            reason: options::text(cfg, "reason", DEFAULT_REASON)?,
            host_reason: options::text(cfg, "host_reason", DEFAULT_HOST_REASON)?,
        })
    }
}

/// The window start (seconds since the epoch) that `now` falls in.
pub fn window_start(now: u64, window_seconds: u64) -> u64 {
    now - now % window_seconds.max(1)
}

fn addr_key(start: u64, client: &str) -> String {
    format!("addr:{start}:{client}")
}

fn host_key(start: u64) -> String {
    format!("host:{start}")
}

/// The window start a key of ours belongs to (`None` for other keys).
fn key_window(key: &str) -> Option<u64> {
    let rest = key
        .strip_prefix("addr:")
        .or_else(|| key.strip_prefix("host:"))?;
    rest.split(':').next()?.parse().ok()
}

fn over(count: i64, max: u64) -> bool {
    count > i64::try_from(max).unwrap_or(i64::MAX)
}

/// Decides on a submission from `remote_addr` at time `now`, given the
/// verdict so far. Returns `current` unchanged when it is a denial or when
/// the submission is within the limits (and then counts it).
pub fn check(
    limits: &Limits,
    store: &dyn Store,
    now: u64,
    remote_addr: Option<&str>,
    current: Decision,
) -> Result<Decision, StoreError> {
    if !current.allowed {
        return Ok(current);
    }
    let window = limits.window_seconds.max(1);
    let start = window_start(now, window);
    let client = client_key(remote_addr);
    let akey = addr_key(start, &client);

    let count = store.increment(&akey, 1)?;
    if count == 1 && start >= window {
        // Best effort: the client moved on to a new window.
        let _ = store.delete(&addr_key(start - window, &client));
    }
    if over(count, limits.max_per_address) {
        let _ = store.increment(&akey, -1);
        return Ok(deny(limits.reason.clone()));
    }

    let hkey = host_key(start);
    let host_count = match store.increment(&hkey, 1) {
        Ok(n) => n,
        Err(e) => {
            let _ = store.increment(&akey, -1);
            return Err(e);
        }
    };
    if host_count == 1 {
        sweep(
            store,
            &|k| key_window(k).is_some_and(|w| w != start),
            SWEEP_MAX_DELETES,
        );
    }
    if let Some(max) = limits.max_per_host
        && over(host_count, max)
    {
        let _ = store.increment(&hkey, -1);
        let _ = store.increment(&akey, -1);
        return Ok(deny(limits.host_reason.clone()));
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy_kit::MemoryStore;

    const T0: u64 = 1_800_000_000; // a multiple of 3600

    fn allowed() -> Decision {
        Decision {
            allowed: true,
            reason: None,
        }
    }

    fn limits(max: u64, host: Option<u64>) -> Limits {
        Limits {
            max_per_address: max,
            window_seconds: 3600,
            max_per_host: host,
            reason: "addr".into(),
            host_reason: "host".into(),
        }
    }

    fn run(l: &Limits, s: &MemoryStore, now: u64, addr: Option<&str>) -> Decision {
        check(l, s, now, addr, allowed()).unwrap()
    }

    #[test]
    fn defaults_and_options() {
        let l = Limits::from_config(&[][..]).unwrap();
        assert_eq!(l.max_per_address, 5);
        assert_eq!(l.window_seconds, 3600);
        assert_eq!(l.max_per_host, None);
        assert_eq!(l.reason, DEFAULT_REASON);
        let l = Limits::from_config(
            &[
                ("max_per_address", "2"),
                ("window_seconds", "60"),
                ("max_per_host", "10"),
                ("reason", "slow down"),
            ][..],
        )
        .unwrap();
        assert_eq!(
            (l.max_per_address, l.window_seconds, l.max_per_host),
            (2, 60, Some(10))
        );
        assert_eq!(l.reason, "slow down");
        for (k, v) in [
            ("max_per_address", "0"),
            ("max_per_address", "five"),
            ("window_seconds", "-5"),
            ("max_per_host", "1.5"),
        ] {
            assert_eq!(Limits::from_config(&[(k, v)][..]).unwrap_err().key, k);
        }
    }

    #[test]
    fn limits_per_address_within_a_window() {
        let (l, s) = (limits(2, None), MemoryStore::new());
        let a = Some("192.0.2.1");
        assert!(run(&l, &s, T0, a).allowed);
        assert!(run(&l, &s, T0 + 10, a).allowed);
        let d = run(&l, &s, T0 + 20, a);
        assert!(!d.allowed);
        assert_eq!(d.reason.as_deref(), Some("addr"));
        // Denied submissions are not counted.
        assert_eq!(s.counter(&format!("addr:{T0}:192.0.2.1")), Some(2));
        // Another address is unaffected.
        assert!(run(&l, &s, T0 + 30, Some("192.0.2.2")).allowed);
        // The next window starts afresh and drops the old key.
        assert!(run(&l, &s, T0 + 3600, a).allowed);
        assert_eq!(s.counter(&format!("addr:{T0}:192.0.2.1")), None);
    }

    #[test]
    fn allowed_verdict_passes_through_unchanged() {
        let (l, s) = (limits(5, None), MemoryStore::new());
        let current = Decision {
            allowed: true,
            reason: Some("note".into()),
        };
        let d = check(&l, &s, T0, Some("192.0.2.1"), current.clone()).unwrap();
        assert_eq!(d, current);
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_as_ipv4() {
        let (l, s) = (limits(1, None), MemoryStore::new());
        assert!(run(&l, &s, T0, Some("2001:db8:1:2::1")).allowed);
        assert!(!run(&l, &s, T0, Some("2001:db8:1:2:ffff::9")).allowed);
        assert!(run(&l, &s, T0, Some("2001:db8:1:3::1")).allowed);
        assert!(run(&l, &s, T0, Some("198.51.100.1")).allowed);
        assert!(!run(&l, &s, T0, Some("::ffff:198.51.100.1")).allowed);
    }

    #[test]
    fn unknown_addresses_share_a_counter() {
        let (l, s) = (limits(1, None), MemoryStore::new());
        assert!(run(&l, &s, T0, None).allowed);
        assert!(!run(&l, &s, T0, None).allowed);
        assert!(!run(&l, &s, T0, Some("garbage")).allowed);
        assert_eq!(s.counter(&format!("addr:{T0}:unknown")), Some(1));
    }

    #[test]
    fn earlier_denial_is_kept_and_not_counted() {
        let (l, s) = (limits(1, Some(1)), MemoryStore::new());
        let denied = Decision {
            allowed: false,
            reason: Some("earlier".into()),
        };
        let d = check(&l, &s, T0, Some("192.0.2.1"), denied.clone()).unwrap();
        assert_eq!(d, denied);
        assert!(s.keys().is_empty());
    }

    #[test]
    fn per_host_cap() {
        let (l, s) = (limits(5, Some(2)), MemoryStore::new());
        assert!(run(&l, &s, T0, Some("192.0.2.1")).allowed);
        assert!(run(&l, &s, T0, Some("192.0.2.2")).allowed);
        let d = run(&l, &s, T0, Some("192.0.2.3"));
        assert!(!d.allowed);
        assert_eq!(d.reason.as_deref(), Some("host"));
        // Neither the tenant nor the client counted the denied one.
        assert_eq!(s.counter(&format!("host:{T0}")), Some(2));
        assert_eq!(s.counter(&format!("addr:{T0}:192.0.2.3")), Some(0));
        assert!(run(&l, &s, T0 + 3600, Some("192.0.2.3")).allowed);
    }

    #[test]
    fn new_window_sweeps_old_keys() {
        let (l, s) = (limits(5, None), MemoryStore::new());
        for i in 0..20 {
            run(&l, &s, T0, Some(&format!("192.0.2.{i}")));
        }
        s.increment("other", 1).unwrap();
        assert_eq!(s.keys().len(), 22);
        run(&l, &s, T0 + 7200, Some("192.0.2.1"));
        let mut keys = s.keys();
        keys.sort();
        assert_eq!(
            keys,
            vec![
                format!("addr:{}:192.0.2.1", T0 + 7200),
                format!("host:{}", T0 + 7200),
                "other".to_string(),
            ]
        );
    }

    #[test]
    fn store_failure_is_an_error() {
        let l = limits(5, None);
        let s = MemoryStore {
            fail: true,
            ..MemoryStore::default()
        };
        assert!(check(&l, &s, T0, Some("192.0.2.1"), allowed()).is_err());
    }

    #[test]
    fn windows_are_aligned() {
        assert_eq!(window_start(T0 + 59, 60), T0);
        assert_eq!(window_start(T0 + 61, 60), T0 + 60);
        assert_eq!(key_window("addr:120:2001:db8::/64"), Some(120));
        assert_eq!(key_window("host:120"), Some(120));
        assert_eq!(key_window("other"), None);
    }
}
