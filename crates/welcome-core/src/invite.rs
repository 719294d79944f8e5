//! Invite facts shared with Prosody's mod_invites: the registration URI and
//! the landing page URL.

/// The `source` the page records on the invites it creates.
pub const WELCOME_PAGE_SOURCE: &str = "welcome_page";

/// Bytes of randomness in a token (mod_invites uses at least this many).
pub const TOKEN_BYTES: usize = 18;

/// mod_invites' invite type for an account invite.
pub const REGISTER: &str = "register";

/// An account invite as it is stored and listed — the same record for the
/// host's SQLite store (`welcome invites`) and the key-value backend.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InviteRecord {
    /// The secret token.
    pub token: String,
    /// The virtual host it is for.
    pub host: String,
    /// The invite type: [`REGISTER`].
    #[serde(rename = "type")]
    pub kind: String,
    /// `xmpp:<host>?register;preauth=<token>`.
    pub uri: String,
    /// The landing page URL, when the host has an invite page.
    pub landing_page: Option<String>,
    /// Creation time, seconds since the Unix epoch.
    pub created: u64,
    /// Expiry time, seconds since the Unix epoch (`created + invite_expiry`).
    pub expires: u64,
    /// Who created it (the page records [`WELCOME_PAGE_SOURCE`]).
    pub source: String,
}

impl InviteRecord {
    /// A new account invite: URI and landing page from the token, expiry
    /// from `invite_expiry`.
    pub fn register(
        host: &str,
        token: String,
        created: u64,
        invite_expiry: u64,
        invites_page: Option<&str>,
        source: &str,
    ) -> Self {
        Self {
            uri: register_uri(host, &token),
            landing_page: invites_page.map(|t| landing_page(t, host, &token)),
            host: host.to_string(),
            kind: REGISTER.to_string(),
            created,
            expires: created.saturating_add(invite_expiry),
            source: source.to_string(),
            token,
        }
    }

    /// Whether the invite can still be used at `now` (seconds since the
    /// epoch): an account invite that has not expired. At `expires` it has.
    pub fn is_valid_at(&self, now: u64) -> bool {
        self.kind == REGISTER && now < self.expires
    }
}

/// `xmpp:<host>?register;preauth=<token>`, as mod_invites builds it.
pub fn register_uri(host: &str, token: &str) -> String {
    format!("xmpp:{host}?register;preauth={token}")
}

/// Renders an `invites_page` URL template. Prosody's placeholders are
/// supported: `{host}`, `{invite.token}` (and the shorter `{token}`); values
/// are percent-encoded.
pub fn landing_page(template: &str, host: &str, token: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    template
        .replace("{invite.token}", &enc(token))
        .replace("{token}", &enc(token))
        .replace("{host}", &enc(host))
}

/// Whether `token` looks like one of ours: base64url without padding, long
/// enough to carry [`TOKEN_BYTES`] of randomness.
pub fn is_valid_token(token: &str) -> bool {
    token.len() >= TOKEN_BYTES * 4 / 3
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_matches_mod_invites() {
        assert_eq!(
            register_uri("example.org", "abc"),
            "xmpp:example.org?register;preauth=abc"
        );
    }

    #[test]
    fn landing_page_placeholders() {
        assert_eq!(
            landing_page("https://{host}/invite?{invite.token}", "example.org", "t_1"),
            "https://example.org/invite?t_1"
        );
        assert_eq!(
            landing_page("https://x/{token}", "h", "a b"),
            "https://x/a+b"
        );
    }

    #[test]
    fn records_carry_mod_invites_facts() {
        let r = InviteRecord::register(
            "h",
            "tok".into(),
            100,
            60,
            Some("https://h/i?{token}"),
            "welcome_page",
        );
        assert_eq!(r.uri, "xmpp:h?register;preauth=tok");
        assert_eq!(r.landing_page.as_deref(), Some("https://h/i?tok"));
        assert_eq!((r.created, r.expires), (100, 160));
        assert!(r.is_valid_at(159) && !r.is_valid_at(160));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["type"], "register");
    }

    #[test]
    fn token_shape() {
        assert!(is_valid_token("AAAAAAAAAAAAAAAAAAAAAAAA"));
        assert!(!is_valid_token("short"));
        assert!(!is_valid_token("AAAAAAAAAAAAAAAAAAAAAAA="));
    }
}
