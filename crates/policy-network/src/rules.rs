//! The network decision, independent of the bindings.
//!
//! In order: an address in `deny` is denied; with a non-empty `allow`, an
//! address in it is allowed (whatever the verdict so far) and any other
//! address, or an unknown one, is denied; with an empty `allow`, the
//! verdict so far stands. A denial never replaces an earlier denial that
//! has a reason (it only supplies a reason where the earlier one had none).

use policy_kit::net::{Cidr, any_contains, parse_addr, parse_cidrs};
use policy_kit::options::{self, Config, OptionError};
use policy_kit::{Decision, deny};

/// Default `deny_reason`.
pub const DEFAULT_DENY_REASON: &str = "Account creation is not possible from your network";
/// Default `allow_reason`.
pub const DEFAULT_ALLOW_REASON: &str = "Account creation is only possible from an approved network";

/// The policy's options after defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Networks that may create accounts (empty: no allow list).
    pub allow: Vec<Cidr>,
    /// Networks that may not.
    pub deny: Vec<Cidr>,
    /// Shown to a denied network.
    pub deny_reason: String,
    /// Shown to a network outside the allow list.
    pub allow_reason: String,
}

fn networks<C: Config + ?Sized>(cfg: &C, key: &str) -> Result<Vec<Cidr>, OptionError> {
    parse_cidrs(&options::list(cfg, key)?).map_err(|m| OptionError::new(key, m))
}

impl Rules {
    /// Reads and checks the options.
    pub fn from_config<C: Config + ?Sized>(cfg: &C) -> Result<Self, OptionError> {
        Ok(Self {
            allow: networks(cfg, "allow")?,
            deny: networks(cfg, "deny")?,
            deny_reason: options::text(cfg, "deny_reason", DEFAULT_DENY_REASON)?,
            allow_reason: options::text(cfg, "allow_reason", DEFAULT_ALLOW_REASON)?,
        })
    }

    /// Decides on a submission from `remote_addr`, given the verdict so far.
    pub fn check(&self, remote_addr: Option<&str>, current: Decision) -> Decision {
        let addr = remote_addr.and_then(parse_addr);
        // Deny with our reason, unless an earlier policy denied with one.
        let refuse = |reason: &str| {
            let earlier = current
                .reason
                .as_deref()
                .is_some_and(|r| !r.trim().is_empty());
            if !current.allowed && earlier {
                current.clone()
            } else {
                deny(reason)
            }
        };
        if addr.is_some_and(|ip| any_contains(&self.deny, ip)) {
            return refuse(&self.deny_reason);
        }
        if self.allow.is_empty() {
            return current;
        }
        match addr {
            Some(ip) if any_contains(&self.allow, ip) => {
                if current.allowed {
                    current
                } else {
                    Decision {
                        allowed: true,
                        reason: None,
                    }
                }
            }
            _ => refuse(&self.allow_reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> Decision {
        Decision {
            allowed: true,
            reason: None,
        }
    }

    fn closed(reason: Option<&str>) -> Decision {
        Decision {
            allowed: false,
            reason: reason.map(str::to_string),
        }
    }

    fn rules(cfg: &[(&str, &str)]) -> Rules {
        Rules::from_config(cfg).unwrap()
    }

    #[test]
    fn no_lists_keep_the_verdict() {
        let r = rules(&[]);
        assert_eq!(r.check(Some("192.0.2.1"), open()), open());
        assert_eq!(r.check(None, closed(Some("x"))), closed(Some("x")));
    }

    #[test]
    fn deny_list() {
        let r = rules(&[("deny", r#"["192.0.2.0/24", "2001:db8::/32"]"#)]);
        let d = r.check(Some("192.0.2.77"), open());
        assert!(!d.allowed);
        assert_eq!(d.reason.as_deref(), Some(DEFAULT_DENY_REASON));
        assert!(!r.check(Some("2001:db8:5::1"), open()).allowed);
        assert!(!r.check(Some("::ffff:192.0.2.1"), open()).allowed);
        assert_eq!(r.check(Some("198.51.100.1"), open()), open());
        assert_eq!(r.check(None, open()), open());
        // An earlier denial keeps its reason.
        assert_eq!(
            r.check(Some("192.0.2.1"), closed(Some("first"))),
            closed(Some("first"))
        );
    }

    #[test]
    fn allow_list_opens_and_restricts() {
        let r = rules(&[
            ("allow", "10.0.0.0/8, 2001:db8:1::/48"),
            ("allow_reason", "members only"),
        ]);
        // Opens registration for the allowed network even when closed.
        assert_eq!(r.check(Some("10.1.2.3"), closed(None)), open());
        assert_eq!(r.check(Some("2001:db8:1:2::3"), closed(Some("x"))), open());
        // An allowed verdict passes through unchanged.
        let noted = Decision {
            allowed: true,
            reason: Some("note".into()),
        };
        assert_eq!(r.check(Some("10.1.2.3"), noted.clone()), noted);
        // Others, and unknown addresses, are refused.
        let d = r.check(Some("192.0.2.1"), open());
        assert_eq!(d, closed(Some("members only")));
        assert_eq!(r.check(None, open()), closed(Some("members only")));
        assert_eq!(r.check(Some("junk"), open()), closed(Some("members only")));
        // A reasonless earlier denial gets ours; a reasoned one is kept.
        assert_eq!(
            r.check(Some("192.0.2.1"), closed(None)),
            closed(Some("members only"))
        );
        assert_eq!(
            r.check(Some("192.0.2.1"), closed(Some("first"))),
            closed(Some("first"))
        );
    }

    #[test]
    fn deny_wins_over_allow() {
        let r = rules(&[
            ("allow", "10.0.0.0/8"),
            ("deny", "10.66.0.0/16"),
            ("deny_reason", "not you"),
        ]);
        assert!(r.check(Some("10.1.1.1"), closed(None)).allowed);
        assert_eq!(r.check(Some("10.66.1.1"), open()), closed(Some("not you")));
        assert_eq!(
            r.check(Some("10.66.1.1"), closed(None)),
            closed(Some("not you"))
        );
    }

    #[test]
    fn single_addresses() {
        let r = rules(&[("allow", "203.0.113.5 2001:db8::5")]);
        assert!(r.check(Some("203.0.113.5"), closed(None)).allowed);
        assert!(r.check(Some("2001:db8::5"), closed(None)).allowed);
        assert!(!r.check(Some("203.0.113.6"), open()).allowed);
    }

    #[test]
    fn bad_options_name_the_option() {
        for (k, v) in [
            ("allow", "10.0.0.0/40"),
            ("deny", "example.org"),
            ("deny", r#"["10.0.0.0/8", 5]"#),
            ("allow", "[not json"),
        ] {
            assert_eq!(Rules::from_config(&[(k, v)][..]).unwrap_err().key, k);
        }
    }
}
