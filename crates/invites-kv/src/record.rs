//! The invite as it lives in the key-value store: options, key, record
//! encoding and validity. Plain Rust, unit-tested natively; the component
//! ([`crate`] on wasm32) and host tests that read the store share it.
//!
//! One invite is one key, `invite:<token>`, in the bucket opened as
//! [`BUCKET`]; its value is a JSON object with mod_invites' fields:
//!
//! ```json
//! {"token":"…","host":"example.org","type":"register",
//!  "uri":"xmpp:example.org?register;preauth=…","landing_page":null,
//!  "created":1767225600,"expires":1767830400,"source":"welcome_page"}
//! ```
//!
//! The facts are the native store's (`host/src/invites.rs`): the token is
//! [`TOKEN_BYTES`] random bytes in base64url without padding, the URI and the
//! landing page come from `welcome_core::invite`, `expires = created +
//! invite_expiry`.

use std::fmt;

use base64::Engine as _;
use welcome_core::invite::TOKEN_BYTES;
use welcome_core::options::{
    DEFAULT_INVITE_EXPIRY, HOST, INVITE_EXPIRY, OptionError, parse_seconds,
};

/// The key-value bucket the invites live in (`open("default")`; on Spin the
/// component's `key_value_stores` must list it, in our host it is the
/// tenant's and plugin's own bucket).
pub const BUCKET: &str = "default";

/// Every invite key starts with this, followed by the token.
pub const KEY_PREFIX: &str = "invite:";

/// The only invite type created here: an account registration.
pub use welcome_core::invite::REGISTER;

/// `invites_page`: mod_invites_page's landing page URL template (optional).
pub const INVITES_PAGE: &str = "invites_page";

/// The config keys this component reads (through `wasi:config/store`).
pub const CONFIG_KEYS: &[&str] = &[HOST, INVITE_EXPIRY, INVITES_PAGE];

/// The key an invite with `token` is stored under.
pub fn key(token: &str) -> String {
    format!("{KEY_PREFIX}{token}")
}

/// A token from [`TOKEN_BYTES`] random bytes: base64url without padding,
/// as mod_invites (and the native store) make them.
pub fn token_from_bytes(bytes: &[u8; TOKEN_BYTES]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The component's options, read from the config store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `host`: the virtual host the invites are for (required).
    pub host: String,
    /// `invite_expiry`: seconds an invite stays valid.
    pub invite_expiry: u64,
    /// `invites_page`: the landing page URL template, if any.
    pub invites_page: Option<String>,
}

impl Options {
    /// Reads the options through `get` (the config store). An empty value
    /// counts as unset: Spin variables cannot be absent, only defaulted, so
    /// `invites_page = ""` means "no landing page".
    pub fn from_config(
        get: impl Fn(&str) -> Result<Option<String>, String>,
    ) -> Result<Self, String> {
        let value = |key: &str| -> Result<Option<String>, String> {
            Ok(get(key)?.filter(|v| !v.trim().is_empty()))
        };
        let host = value(HOST)?
            .map(|h| h.trim().to_string())
            .ok_or_else(|| OptionError::Missing(HOST.into()).to_string())?;
        let invite_expiry = match value(INVITE_EXPIRY)? {
            Some(v) => parse_seconds(INVITE_EXPIRY, &v).map_err(|e| e.to_string())?,
            None => DEFAULT_INVITE_EXPIRY,
        };
        let invites_page = value(INVITES_PAGE)?.map(|p| p.trim().to_string());
        Ok(Self {
            host,
            invite_expiry,
            invites_page,
        })
    }
}

/// An invite as stored: welcome-core's record, the same JSON the native
/// store lists.
pub use welcome_core::invite::InviteRecord as StoredInvite;

/// How a [`StoredInvite`] lives in the key-value store.
pub trait Stored: Sized {
    /// A new account invite for `opts.host`, created at `created`.
    fn new(opts: &Options, token: String, created: u64, source: &str) -> Self;
    /// The key this invite is stored under.
    fn key(&self) -> String;
    /// The stored value (JSON).
    fn encode(&self) -> Vec<u8>;
    /// Reads a stored value.
    fn decode(bytes: &[u8]) -> Result<Self, RecordError>;
}

impl Stored for StoredInvite {
    fn new(opts: &Options, token: String, created: u64, source: &str) -> Self {
        Self::register(
            &opts.host,
            token,
            created,
            opts.invite_expiry,
            opts.invites_page.as_deref(),
            source,
        )
    }

    fn key(&self) -> String {
        key(&self.token)
    }

    fn encode(&self) -> Vec<u8> {
        // Strings, numbers and an option: serialisation cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        serde_json::from_slice(bytes).map_err(|e| RecordError::Malformed(e.to_string()))
    }
}

/// A stored value that is not an invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// Not the JSON record [`StoredInvite`] writes.
    Malformed(String),
    /// A record stored under another token's key.
    WrongToken {
        /// The key looked up.
        key: String,
        /// The token inside the record.
        found: String,
    },
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "malformed invite record: {e}"),
            Self::WrongToken { key, found } => {
                write!(f, "invite record under {key:?} is for token {found:?}")
            }
        }
    }
}

impl std::error::Error for RecordError {}

/// Why a lookup failed: the store failed, or it held something unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError<E> {
    /// The key-value store failed.
    Store(E),
    /// The stored value is not a valid invite record.
    Record(RecordError),
}

impl<E: fmt::Display> fmt::Display for LookupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Store(e) => write!(f, "key-value store: {e}"),
            Self::Record(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for LookupError<E> {}

/// Looks the invite with `token` up through `get` (a bucket's `get`),
/// expired or not.
pub fn lookup<E>(
    get: impl FnOnce(&str) -> Result<Option<Vec<u8>>, E>,
    token: &str,
) -> Result<Option<StoredInvite>, LookupError<E>> {
    let key = key(token);
    let Some(bytes) = get(&key).map_err(LookupError::Store)? else {
        return Ok(None);
    };
    let invite = StoredInvite::decode(&bytes).map_err(LookupError::Record)?;
    if invite.token != token {
        return Err(LookupError::Record(RecordError::WrongToken {
            key,
            found: invite.token,
        }));
    }
    Ok(Some(invite))
}

/// Like [`lookup`], but only an invite that is valid at `now`: an expired
/// invite is not returned.
pub fn lookup_valid<E>(
    get: impl FnOnce(&str) -> Result<Option<Vec<u8>>, E>,
    token: &str,
    now: u64,
) -> Result<Option<StoredInvite>, LookupError<E>> {
    Ok(lookup(get, token)?.filter(|i| i.is_valid_at(now)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn opts(pairs: &[(&str, &str)]) -> Result<Options, String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Options::from_config(|k| Ok(map.get(k).cloned()))
    }

    fn example(invites_page: Option<&str>) -> StoredInvite {
        let o = Options {
            host: "example.org".into(),
            invite_expiry: 60,
            invites_page: invites_page.map(str::to_string),
        };
        StoredInvite::new(
            &o,
            token_from_bytes(&[7; TOKEN_BYTES]),
            1_000,
            "welcome_page",
        )
    }

    #[test]
    fn options_defaults_and_errors() {
        let o = opts(&[("host", "example.org")]).unwrap();
        assert_eq!(o.invite_expiry, DEFAULT_INVITE_EXPIRY);
        assert_eq!(o.invites_page, None);
        // Spin variables default to strings: empty means unset.
        let o = opts(&[("host", "h"), ("invite_expiry", ""), ("invites_page", " ")]).unwrap();
        assert_eq!(o.invite_expiry, DEFAULT_INVITE_EXPIRY);
        assert_eq!(o.invites_page, None);
        let o = opts(&[
            ("host", "h"),
            ("invite_expiry", "60"),
            ("invites_page", "https://x/{token}"),
        ])
        .unwrap();
        assert_eq!(o.invite_expiry, 60);
        assert_eq!(o.invites_page.as_deref(), Some("https://x/{token}"));

        assert!(opts(&[]).unwrap_err().contains("`host`"));
        assert!(opts(&[("host", "")]).unwrap_err().contains("`host`"));
        let e = opts(&[("host", "h"), ("invite_expiry", "0")]).unwrap_err();
        assert!(e.contains("invite_expiry"), "{e}");
        let e = opts(&[("host", "h"), ("invite_expiry", "soon")]).unwrap_err();
        assert!(e.contains("invite_expiry"), "{e}");
        // A failing config store is reported, not taken for "unset".
        let e = Options::from_config(|_| Err("down".to_string())).unwrap_err();
        assert_eq!(e, "down");
    }

    #[test]
    fn token_is_mod_invites_shaped() {
        let t = token_from_bytes(&[0xff; TOKEN_BYTES]);
        assert_eq!(t.len(), 24, "18 bytes are 24 base64 characters, no padding");
        assert!(welcome_core::invite::is_valid_token(&t));
        assert_eq!(t, "________________________");
    }

    #[test]
    fn invite_facts_match_the_native_store() {
        let i = example(Some("https://example.org/invite?{invite.token}"));
        assert_eq!(i.token, "BwcHBwcHBwcHBwcHBwcHBwcH");
        assert_eq!(
            i.uri,
            format!("xmpp:example.org?register;preauth={}", i.token)
        );
        assert_eq!(
            i.landing_page.as_deref(),
            Some(format!("https://example.org/invite?{}", i.token).as_str())
        );
        assert_eq!(i.created, 1_000);
        assert_eq!(i.expires, 1_060);
        assert_eq!(i.source, "welcome_page");
        assert_eq!(i.kind, "register");
        assert_eq!(i.key(), format!("invite:{}", i.token));
        assert_eq!(example(None).landing_page, None);
    }

    #[test]
    fn record_round_trips_as_json() {
        let i = example(None);
        let bytes = i.encode();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["type"], "register");
        assert_eq!(v["host"], "example.org");
        assert_eq!(v["landing_page"], serde_json::Value::Null);
        assert_eq!(v["expires"], 1_060);
        for field in [
            "token",
            "host",
            "type",
            "uri",
            "landing_page",
            "created",
            "expires",
            "source",
        ] {
            assert!(v.get(field).is_some(), "missing {field}: {v}");
        }
        assert_eq!(StoredInvite::decode(&bytes).unwrap(), i);
        assert!(matches!(
            StoredInvite::decode(b"{}"),
            Err(RecordError::Malformed(_))
        ));
    }

    #[test]
    fn expired_invites_are_not_valid() {
        let i = example(None);
        assert!(i.is_valid_at(1_000));
        assert!(i.is_valid_at(1_059));
        assert!(!i.is_valid_at(1_060), "at `expires` it has expired");
        assert!(!i.is_valid_at(5_000));
        let mut other = i.clone();
        other.kind = "roster".into();
        assert!(
            !other.is_valid_at(1_000),
            "only account invites are created here"
        );
    }

    #[test]
    fn lookup_reads_checks_and_filters() {
        let i = example(None);
        let mut store: HashMap<String, Vec<u8>> = HashMap::new();
        store.insert(i.key(), i.encode());
        let get = |k: &str| Ok::<_, String>(store.get(k).cloned());

        assert_eq!(lookup(get, &i.token).unwrap(), Some(i.clone()));
        assert_eq!(lookup_valid(get, &i.token, 1_030).unwrap(), Some(i.clone()));
        assert_eq!(lookup_valid(get, &i.token, 1_060).unwrap(), None, "expired");
        assert_eq!(
            lookup(get, &i.token).unwrap().map(|i| i.expires),
            Some(1_060),
            "still stored"
        );
        assert_eq!(lookup(get, "nope").unwrap(), None);

        // A record under the wrong key, garbage, and a failing store.
        store.insert(key("other"), i.encode());
        store.insert(key("junk"), b"not json".to_vec());
        let get = |k: &str| Ok::<_, String>(store.get(k).cloned());
        assert!(matches!(
            lookup(get, "other"),
            Err(LookupError::Record(RecordError::WrongToken { .. }))
        ));
        assert!(matches!(
            lookup(get, "junk"),
            Err(LookupError::Record(RecordError::Malformed(_)))
        ));
        let e = lookup(|_| Err("io".to_string()), "x").unwrap_err();
        assert_eq!(e, LookupError::Store("io".to_string()));
        assert_eq!(e.to_string(), "key-value store: io");
    }
}
