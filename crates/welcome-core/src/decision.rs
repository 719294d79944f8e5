//! Registration decisions: the verdict a policy chain starts from and the
//! message a visitor sees when it says no.

use crate::context::Message;

/// The text shown when a denial carries no reason (Prosody's wording).
pub const DEFAULT_DENIAL: &str = "Account creation is not possible at this time";
/// The text shown when the invite store fails.
pub const STORE_UNAVAILABLE: &str = "Account creation is temporarily unavailable";
/// The CSS class of an error alert in the template.
pub const ALERT_DANGER: &str = "alert-danger";

/// A verdict on a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether an invite may be created.
    pub allowed: bool,
    /// The reason given, if any.
    pub reason: Option<String>,
}

impl Decision {
    /// The verdict a policy chain starts from: `allowed = open_registration`.
    pub fn initial(open_registration: bool) -> Self {
        Self {
            allowed: open_registration,
            reason: None,
        }
    }

    /// The alert shown for a denial; `None` when allowed.
    ///
    /// An empty or blank reason counts as no reason.
    pub fn denial_message(&self) -> Option<Message> {
        if self.allowed {
            return None;
        }
        let text = self
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or(DEFAULT_DENIAL);
        Some(Message::danger(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_follows_open_registration() {
        assert!(Decision::initial(true).allowed);
        assert!(!Decision::initial(false).allowed);
    }

    #[test]
    fn denial_uses_reason_or_default() {
        let d = Decision {
            allowed: false,
            reason: Some("Too many".into()),
        };
        assert_eq!(d.denial_message().unwrap().text, "Too many");
        let d = Decision {
            allowed: false,
            reason: Some("  ".into()),
        };
        let m = d.denial_message().unwrap();
        assert_eq!(m.text, DEFAULT_DENIAL);
        assert_eq!(m.class, "alert-danger");
        assert!(Decision::initial(true).denial_message().is_none());
    }
}
