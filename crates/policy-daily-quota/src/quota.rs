//! The daily quota decision over a [`Store`], independent of the bindings.
//!
//! One counter per UTC day, key `day:YYYY-MM-DD`, counting the submissions
//! this policy let through. The first one of a day sweeps the keys of
//! earlier days, so the bucket holds one key.

use policy_kit::options::{self, Config, OptionError};
use policy_kit::store::{SWEEP_MAX_DELETES, Store, StoreError, sweep};
use policy_kit::{Decision, deny};

/// Default `reason`.
pub const DEFAULT_REASON: &str =
    "Today's limit of new accounts has been reached. Registration reopens at {reopens} UTC.";

const DAY: u64 = 86_400;

/// The policy's options after defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    /// Submissions let through per UTC day.
    pub max_per_day: u64,
    /// The denial text, with `{reopens}` and `{hours}` placeholders.
    pub reason: String,
}

impl Quota {
    /// Reads and checks the options (`max_per_day` is required).
    pub fn from_config<C: Config + ?Sized>(cfg: &C) -> Result<Self, OptionError> {
        Ok(Self {
            max_per_day: options::positive(cfg, "max_per_day")?
                .ok_or_else(|| OptionError::new("max_per_day", "is required"))?,
            reason: options::text(cfg, "reason", DEFAULT_REASON)?,
        })
    }

    /// Decides on a submission at time `now` (Unix seconds), given the
    /// verdict so far; counts it when it passes.
    pub fn check(
        &self,
        store: &dyn Store,
        now: u64,
        current: Decision,
    ) -> Result<Decision, StoreError> {
        if !current.allowed {
            return Ok(current);
        }
        let today = date(now / DAY);
        let key = format!("day:{today}");
        let count = store.increment(&key, 1)?;
        if count == 1 {
            sweep(
                store,
                &|k| k.starts_with("day:") && k != key,
                SWEEP_MAX_DELETES,
            );
        }
        if count > i64::try_from(self.max_per_day).unwrap_or(i64::MAX) {
            let _ = store.increment(&key, -1);
            return Ok(deny(self.denial_text(now)));
        }
        Ok(current)
    }

    /// The denial text at time `now`, placeholders filled in.
    pub fn denial_text(&self, now: u64) -> String {
        let next = (now / DAY + 1) * DAY;
        let hours = (next - now).div_ceil(3600);
        self.reason
            .replace("{reopens}", &format!("{} 00:00", date(next / DAY)))
            .replace("{hours}", &hours.to_string())
    }
}

/// `YYYY-MM-DD` of the day `days` after 1970-01-01 (proleptic Gregorian;
/// Howard Hinnant's `civil_from_days`).
pub fn date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy_kit::MemoryStore;

    // 2027-03-14 15:40:00 UTC
    const NOW: u64 = 1_805_038_800;

    fn open() -> Decision {
        Decision {
            allowed: true,
            reason: None,
        }
    }

    fn quota(max: u64, reason: &str) -> Quota {
        Quota {
            max_per_day: max,
            reason: reason.into(),
        }
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(NOW / DAY), "2027-03-14");
        assert_eq!(date(11_016), "2000-02-29");
        assert_eq!(date(11_017), "2000-03-01");
        assert_eq!(date(19_782), "2024-02-29");
        assert_eq!(date(20_453), "2025-12-31");
        assert_eq!(date(20_454), "2026-01-01");
    }

    #[test]
    fn options() {
        assert_eq!(
            Quota::from_config(&[][..]).unwrap_err().to_string(),
            "option `max_per_day`: is required"
        );
        assert_eq!(
            Quota::from_config(&[("max_per_day", "none")][..])
                .unwrap_err()
                .key,
            "max_per_day"
        );
        let q = Quota::from_config(&[("max_per_day", "10")][..]).unwrap();
        assert_eq!(q, quota(10, DEFAULT_REASON));
    }

    #[test]
    fn counts_allowed_submissions_per_day() {
        let (q, s) = (quota(2, DEFAULT_REASON), MemoryStore::new());
        assert_eq!(q.check(&s, NOW, open()).unwrap(), open());
        assert_eq!(q.check(&s, NOW + 60, open()).unwrap(), open());
        let d = q.check(&s, NOW + 120, open()).unwrap();
        assert!(!d.allowed);
        assert_eq!(
            d.reason.as_deref(),
            Some(
                "Today's limit of new accounts has been reached. \
                 Registration reopens at 2027-03-15 00:00 UTC."
            )
        );
        assert_eq!(s.counter("day:2027-03-14"), Some(2));
        // The next UTC day reopens and sweeps yesterday's key.
        let midnight = (NOW / DAY + 1) * DAY;
        assert!(!q.check(&s, midnight - 1, open()).unwrap().allowed);
        assert_eq!(q.check(&s, midnight, open()).unwrap(), open());
        assert_eq!(s.keys(), vec!["day:2027-03-15"]);
    }

    #[test]
    fn earlier_denial_is_kept_and_not_counted() {
        let (q, s) = (quota(1, DEFAULT_REASON), MemoryStore::new());
        let denied = Decision {
            allowed: false,
            reason: Some("earlier".into()),
        };
        assert_eq!(q.check(&s, NOW, denied.clone()).unwrap(), denied);
        assert!(s.keys().is_empty());
    }

    #[test]
    fn placeholders() {
        let q = quota(1, "back in {hours} h ({reopens})");
        // 15:40 -> 8 h 20 min to midnight -> 9 hours.
        assert_eq!(q.denial_text(NOW), "back in 9 h (2027-03-15 00:00)");
        let midnight = (NOW / DAY + 1) * DAY;
        assert_eq!(
            q.denial_text(midnight - 3600),
            "back in 1 h (2027-03-15 00:00)"
        );
        assert_eq!(
            q.denial_text(midnight - 1),
            "back in 1 h (2027-03-15 00:00)"
        );
        assert_eq!(q.denial_text(midnight), "back in 24 h (2027-03-16 00:00)");
    }

    #[test]
    fn store_failure_is_an_error() {
        let s = MemoryStore {
            fail: true,
            ..MemoryStore::default()
        };
        assert!(quota(1, "x").check(&s, NOW, open()).is_err());
    }
}
