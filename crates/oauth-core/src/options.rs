//! The registration options, under the names Prosody's `mod_http_oauth2`
//! uses, and how they are read from string-valued configuration.

use std::fmt;

use thiserror::Error;
use url::Url;

/// The shortest registration key accepted, in bytes.
pub const MIN_REGISTRATION_KEY_LEN: usize = 32;

/// Grant types allowed when `allowed_oauth2_grant_types` is not set.
pub const DEFAULT_ALLOWED_GRANT_TYPES: &[&str] = &["authorization_code", "refresh_token"];

/// Response types allowed when `allowed_oauth2_response_types` is not set.
pub const DEFAULT_ALLOWED_RESPONSE_TYPES: &[&str] = &["code"];

/// Configuration keys, as the component reads them from the config store.
pub mod keys {
    /// The tenant's host name (always set by our host).
    pub const HOST: &str = "host";
    /// The secret registration key (at least 32 bytes).
    pub const REGISTRATION_KEY: &str = "oauth2_registration_key";
    /// Lifetime of a registration in seconds (optional; absent or `0`: forever).
    pub const REGISTRATION_TTL: &str = "oauth2_registration_ttl";
    /// Allowed grant types, separated by spaces or commas.
    pub const ALLOWED_GRANT_TYPES: &str = "allowed_oauth2_grant_types";
    /// Allowed response types, separated by spaces or commas.
    pub const ALLOWED_RESPONSE_TYPES: &str = "allowed_oauth2_response_types";
    /// The public issuer URL, e.g. `https://example.org` (optional).
    pub const ISSUER: &str = "oauth2_issuer";
}

/// The secret registration key. Its `Debug` output never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistrationKey(String);

impl RegistrationKey {
    /// Accepts a key of at least [`MIN_REGISTRATION_KEY_LEN`] bytes.
    pub fn new(key: impl Into<String>) -> Result<Self, OptionsError> {
        let key = key.into();
        if key.len() < MIN_REGISTRATION_KEY_LEN {
            return Err(OptionsError::ShortKey { len: key.len() });
        }
        Ok(Self(key))
    }

    /// The key's bytes, for key derivation only.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for RegistrationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RegistrationKey(<redacted>)")
    }
}

/// Why the options cannot be used. No variant ever carries the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OptionsError {
    /// `oauth2_registration_key` is not set.
    #[error("oauth2_registration_key is not set: client registration is disabled")]
    MissingKey,
    /// `oauth2_registration_key` is shorter than [`MIN_REGISTRATION_KEY_LEN`].
    #[error(
        "oauth2_registration_key is too short ({len} bytes; at least {MIN_REGISTRATION_KEY_LEN} are required)"
    )]
    ShortKey {
        /// The length of the configured key, in bytes.
        len: usize,
    },
    /// `oauth2_registration_ttl` is not a whole number of seconds.
    #[error("oauth2_registration_ttl must be a whole number of seconds, not {0:?}")]
    InvalidTtl(String),
    /// `oauth2_issuer` is not an absolute http(s) URL without query or fragment.
    #[error("oauth2_issuer must be an absolute http(s) URL without query or fragment, not {0:?}")]
    InvalidIssuer(String),
    /// An allow-list option is set but names nothing.
    #[error("{0} is set but empty")]
    EmptyList(&'static str),
    /// The configuration source failed while reading a key.
    #[error("cannot read {key} from the configuration: {reason}")]
    Store {
        /// The key being read.
        key: &'static str,
        /// The source's explanation.
        reason: String,
    },
}

/// The registration options of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The secret from which each host's signing key is derived.
    pub oauth2_registration_key: RegistrationKey,
    /// When set, registrations expire this many seconds after issue.
    pub oauth2_registration_ttl: Option<u64>,
    /// Grant types a client may register.
    pub allowed_oauth2_grant_types: Vec<String>,
    /// Response types a client may register.
    pub allowed_oauth2_response_types: Vec<String>,
    /// The public issuer URL (no trailing slash); derived from the request
    /// when `None`.
    pub oauth2_issuer: Option<String>,
}

impl Options {
    /// Options with the given key and every other option at its default.
    pub fn new(registration_key: impl Into<String>) -> Result<Self, OptionsError> {
        Ok(Self {
            oauth2_registration_key: RegistrationKey::new(registration_key)?,
            oauth2_registration_ttl: None,
            allowed_oauth2_grant_types: to_strings(DEFAULT_ALLOWED_GRANT_TYPES),
            allowed_oauth2_response_types: to_strings(DEFAULT_ALLOWED_RESPONSE_TYPES),
            oauth2_issuer: None,
        })
    }

    /// Reads the options from a string-valued configuration source (the
    /// names in [`keys`]). `get` answers `Ok(None)` for an unset key.
    /// Empty values count as unset.
    pub fn from_lookup<F>(mut get: F) -> Result<Self, OptionsError>
    where
        F: FnMut(&'static str) -> Result<Option<String>, String>,
    {
        let mut read = |key: &'static str| -> Result<Option<String>, OptionsError> {
            let value = get(key).map_err(|reason| OptionsError::Store { key, reason })?;
            Ok(value.filter(|v| !v.trim().is_empty()))
        };
        let key = read(keys::REGISTRATION_KEY)?.ok_or(OptionsError::MissingKey)?;
        let mut options = Self::new(key)?;
        if let Some(ttl) = read(keys::REGISTRATION_TTL)? {
            options.oauth2_registration_ttl = parse_ttl(&ttl)?;
        }
        if let Some(list) = read(keys::ALLOWED_GRANT_TYPES)? {
            options.allowed_oauth2_grant_types = parse_list(&list, keys::ALLOWED_GRANT_TYPES)?;
        }
        if let Some(list) = read(keys::ALLOWED_RESPONSE_TYPES)? {
            options.allowed_oauth2_response_types =
                parse_list(&list, keys::ALLOWED_RESPONSE_TYPES)?;
        }
        if let Some(issuer) = read(keys::ISSUER)? {
            options.oauth2_issuer = Some(parse_issuer(&issuer)?);
        }
        Ok(options)
    }
}

/// Parses `oauth2_registration_ttl`: whole seconds; `0` means no expiry.
pub fn parse_ttl(value: &str) -> Result<Option<u64>, OptionsError> {
    let seconds: u64 = value
        .trim()
        .parse()
        .map_err(|_| OptionsError::InvalidTtl(value.to_owned()))?;
    Ok((seconds > 0).then_some(seconds))
}

/// Parses an allow-list: names separated by whitespace or commas.
pub fn parse_list(value: &str, key: &'static str) -> Result<Vec<String>, OptionsError> {
    let list: Vec<String> = value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if list.is_empty() {
        return Err(OptionsError::EmptyList(key));
    }
    Ok(list)
}

/// Parses `oauth2_issuer` and returns it without a trailing slash.
pub fn parse_issuer(value: &str) -> Result<String, OptionsError> {
    let invalid = || OptionsError::InvalidIssuer(value.to_owned());
    let url = Url::parse(value.trim()).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "https" | "http")
        || url.host().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(invalid());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn to_strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEY: &str = "example-registration-key-CHANGE-ME";

    fn lookup(pairs: &[(&str, &str)]) -> Result<Options, OptionsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Options::from_lookup(|k| Ok(map.get(k).cloned()))
    }

    #[test]
    fn defaults() {
        let o = lookup(&[(keys::REGISTRATION_KEY, KEY)]).unwrap();
        assert_eq!(o.oauth2_registration_ttl, None);
        assert_eq!(
            o.allowed_oauth2_grant_types,
            ["authorization_code", "refresh_token"]
        );
        assert_eq!(o.allowed_oauth2_response_types, ["code"]);
        assert_eq!(o.oauth2_issuer, None);
    }

    #[test]
    fn all_options() {
        let o = lookup(&[
            (keys::REGISTRATION_KEY, KEY),
            (keys::REGISTRATION_TTL, "3600"),
            (
                keys::ALLOWED_GRANT_TYPES,
                "authorization_code, implicit password",
            ),
            (keys::ALLOWED_RESPONSE_TYPES, "code token"),
            (keys::ISSUER, "https://auth.example.org/"),
        ])
        .unwrap();
        assert_eq!(o.oauth2_registration_ttl, Some(3600));
        assert_eq!(
            o.allowed_oauth2_grant_types,
            ["authorization_code", "implicit", "password"]
        );
        assert_eq!(o.allowed_oauth2_response_types, ["code", "token"]);
        assert_eq!(o.oauth2_issuer.as_deref(), Some("https://auth.example.org"));
    }

    #[test]
    fn missing_and_short_keys_are_refused() {
        assert_eq!(lookup(&[]).unwrap_err(), OptionsError::MissingKey);
        assert_eq!(
            lookup(&[(keys::REGISTRATION_KEY, "")]).unwrap_err(),
            OptionsError::MissingKey
        );
        let short = "x".repeat(31);
        let err = lookup(&[(keys::REGISTRATION_KEY, &short)]).unwrap_err();
        assert_eq!(err, OptionsError::ShortKey { len: 31 });
        assert!(!err.to_string().contains(&short));
        assert!(RegistrationKey::new("y".repeat(32)).is_ok());
    }

    #[test]
    fn key_is_never_shown() {
        let o = Options::new(KEY).unwrap();
        assert!(!format!("{o:?}").contains(KEY));
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(matches!(
            lookup(&[
                (keys::REGISTRATION_KEY, KEY),
                (keys::REGISTRATION_TTL, "1d")
            ]),
            Err(OptionsError::InvalidTtl(_))
        ));
        assert_eq!(
            lookup(&[(keys::REGISTRATION_KEY, KEY), (keys::REGISTRATION_TTL, "0")])
                .unwrap()
                .oauth2_registration_ttl,
            None
        );
        assert_eq!(
            lookup(&[
                (keys::REGISTRATION_KEY, KEY),
                (keys::ALLOWED_GRANT_TYPES, " , ")
            ]),
            Err(OptionsError::EmptyList(keys::ALLOWED_GRANT_TYPES))
        );
        for issuer in [
            "example.org",
            "ftp://example.org",
            "https://example.org/?a",
            "https://u@example.org",
        ] {
            assert!(matches!(
                lookup(&[(keys::REGISTRATION_KEY, KEY), (keys::ISSUER, issuer)]),
                Err(OptionsError::InvalidIssuer(_))
            ));
        }
    }

    #[test]
    fn store_errors_fail_closed() {
        let err = Options::from_lookup(|k| {
            if k == keys::REGISTRATION_TTL {
                Err("backend down".to_owned())
            } else {
                Ok(Some(KEY.to_owned()))
            }
        })
        .unwrap_err();
        assert!(matches!(err, OptionsError::Store { key, .. } if key == keys::REGISTRATION_TTL));
    }
}
