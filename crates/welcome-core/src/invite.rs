//! Invite facts shared with Prosody's mod_invites: the registration URI and
//! the landing page URL.

/// The `source` the page records on the invites it creates.
pub const WELCOME_PAGE_SOURCE: &str = "welcome_page";

/// Bytes of randomness in a token (mod_invites uses at least this many).
pub const TOKEN_BYTES: usize = 18;

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
    fn token_shape() {
        assert!(is_valid_token("AAAAAAAAAAAAAAAAAAAAAAAA"));
        assert!(!is_valid_token("short"));
        assert!(!is_valid_token("AAAAAAAAAAAAAAAAAAAAAAA="));
    }
}
