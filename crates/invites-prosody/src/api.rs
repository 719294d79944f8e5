//! Plain-Rust half of the backend: its options, the request it sends to
//! Prosody's `mod_invites_api`, and how it reads the answer. No I/O here, so
//! all of it is unit-tested natively.
//!
//! Prosody facts this relies on (checked against Debian bookworm's
//! prosody 0.12.3 and prosody-modules 0.0~hg20230223):
//! - `GET <http base>/invites_api` with `Authorization: Bearer KEYID/SECRET`
//!   creates an account invite and answers `201 Created`, no body, with
//!   `Location:` = the invite's landing page (mod_invites_page:
//!   `<base>/invites_page?TOKEN`, or the operator's `invites_page`
//!   template), else its `xmpp:HOST?register;preauth=TOKEN` URI.
//! - A wrong key answers `403`; a request without any query string answers
//!   `500` (the module form-decodes a missing query), so one is always sent.
//! - Tokens are `util.id.medium()`: 18 random bytes, base64url, 24 chars —
//!   exactly what `welcome_core::invite::is_valid_token` accepts.

use welcome_core::invite::{is_valid_token, register_uri};
use welcome_core::options::{DEFAULT_INVITE_EXPIRY, HOST, INVITE_EXPIRY, parse_seconds};

/// `api_base`: Prosody's HTTP base URL (`http://127.0.0.1:5280`), or the
/// full endpoint (`https://example.org:5281/invites_api`).
pub const API_BASE: &str = "api_base";
/// `api_key`: `KEYID/SECRET`, as printed by
/// `prosodyctl mod_invites_api create HOST NAME`.
pub const API_KEY: &str = "api_key";
/// `timeout_ms`: deadline of one API call (connect, first byte, whole
/// exchange), in milliseconds.
pub const TIMEOUT_MS: &str = "timeout_ms";
/// Default `timeout_ms`: well inside the host's own deadlines (5 s), so a
/// hung Prosody gives the visitor our 503 page, not a host timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 3000;
/// Where mod_invites_api serves (its default path).
pub const API_PATH: &str = "/invites_api";
/// Longest token taken from a Location (Prosody's are 24 characters).
pub const MAX_TOKEN_LEN: usize = 256;
/// Longest Location accepted as a landing page.
pub const MAX_LOCATION_LEN: usize = 2048;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP (Prosody on loopback).
    Http,
    /// HTTPS.
    Https,
}

impl Scheme {
    /// The scheme's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Where the API lives: `scheme://authority/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The scheme.
    pub scheme: Scheme,
    /// `host[:port]` as written in `api_base`.
    pub authority: String,
    /// The endpoint's path, ending in [`API_PATH`].
    pub path: String,
}

impl Endpoint {
    /// Parses `api_base`: an absolute http(s) URL without user info, query or
    /// fragment. `/invites_api` is appended unless the path already ends so.
    pub fn parse(base: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("`{API_BASE}` {base:?} {why}");
        let must = || bad("must start with http:// or https://");
        let (scheme, rest) = split_scheme(base).ok_or_else(must)?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(must()),
        };
        let rest = rest.strip_prefix("//").ok_or_else(must)?;
        if rest.contains(['?', '#']) {
            return Err(bad("must not have a query or fragment"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if !is_authority(authority) {
            return Err(bad("has no valid host[:port]"));
        }
        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("has spaces or control characters in its path"));
        }
        let trimmed = path.trim_end_matches('/');
        let path = if trimmed.ends_with(API_PATH) {
            trimmed.to_string()
        } else {
            format!("{trimmed}{API_PATH}")
        };
        Ok(Self {
            scheme,
            authority: authority.to_string(),
            path,
        })
    }

    /// The endpoint as a URL, for messages.
    pub fn url(&self) -> String {
        format!("{}://{}{}", self.scheme.as_str(), self.authority, self.path)
    }

    /// The request target. Always with a query string: mod_invites_api
    /// answers 500 to a request without one. Prosody ignores `source` (it
    /// records `api/token/<key id>` itself); it names us in its access log.
    /// (Never `redirect`, which turns the 201 into a 303.)
    pub fn path_with_query(&self, source: &str) -> String {
        let source: String = form_urlencoded::byte_serialize(source.as_bytes()).collect();
        format!(
            "{}?source={}",
            self.path,
            if source.is_empty() {
                "welcome"
            } else {
                &source
            }
        )
    }
}

/// The backend's options, read from the config store.
#[derive(Clone, PartialEq, Eq)]
pub struct Options {
    /// The tenant (virtual host) name.
    pub host: String,
    /// Seconds an invite stays valid (for the record we return; Prosody
    /// applies its own `invite_expiry`).
    pub invite_expiry: u64,
    /// The API endpoint.
    pub endpoint: Endpoint,
    /// Deadline of one call, in milliseconds.
    pub timeout_ms: u64,
    api_key: String,
}

impl std::fmt::Debug for Options {
    // The key is a secret: never in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("host", &self.host)
            .field("invite_expiry", &self.invite_expiry)
            .field("endpoint", &self.endpoint.url())
            .field("timeout_ms", &self.timeout_ms)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl Options {
    /// Reads the options through `lookup` (the config store). Errors name
    /// the option, never the key's value.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let host = lookup(HOST)
            .filter(|h| !h.trim().is_empty())
            .ok_or_else(|| format!("`{HOST}` is not set"))?;
        let invite_expiry = match lookup(INVITE_EXPIRY) {
            Some(v) => parse_seconds(INVITE_EXPIRY, &v).map_err(|e| e.to_string())?,
            None => DEFAULT_INVITE_EXPIRY,
        };
        let base = lookup(API_BASE)
            .filter(|b| !b.trim().is_empty())
            .ok_or_else(|| format!("`{API_BASE}` is not set (Prosody's HTTP base URL)"))?;
        let endpoint = Endpoint::parse(base.trim())?;
        let api_key = lookup(API_KEY)
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| format!("`{API_KEY}` is not set"))?;
        if !is_api_key(&api_key) {
            return Err(format!(
                "`{API_KEY}` must be KEYID/SECRET as printed by `prosodyctl mod_invites_api create HOST NAME`"
            ));
        }
        let timeout_ms = match lookup(TIMEOUT_MS) {
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if (1..=600_000).contains(&n) => n,
                _ => {
                    return Err(format!(
                        "`{TIMEOUT_MS}` must be a whole number of milliseconds from 1 to 600000, not {v:?}"
                    ));
                }
            },
            None => DEFAULT_TIMEOUT_MS,
        };
        Ok(Self {
            host: host.trim().to_string(),
            invite_expiry,
            endpoint,
            timeout_ms,
            api_key,
        })
    }

    /// The `Authorization` header's value.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.api_key)
    }
}

/// What a successful API call tells us about the invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The invite's token.
    pub token: String,
    /// Its `xmpp:` registration URI.
    pub uri: String,
    /// Its web landing page, when Prosody has one.
    pub landing_page: Option<String>,
}

/// Reads the API's answer: `201` with exactly one usable `Location`, or the
/// cause of the failure (for the log; the visitor sees a 503 page).
pub fn interpret(status: u16, locations: &[Vec<u8>], host: &str) -> Result<Created, String> {
    if status != 201 {
        return Err(status_cause(status));
    }
    let location = match locations {
        [] => return Err("201 Created without a Location header".into()),
        [one] => std::str::from_utf8(one)
            .map_err(|_| "201 Created with a Location that is not UTF-8".to_string())?,
        _ => return Err("201 Created with more than one Location header".into()),
    };
    parse_location(location.trim(), host)
}

/// Why a non-201 status is a failure, in words fit for an operator's log.
pub fn status_cause(status: u16) -> String {
    match status {
        403 => "403 Forbidden: Prosody refused the API key (is it listed by \
                `prosodyctl mod_invites_api list HOST`?)"
            .into(),
        404 => "404 Not Found: no invites API there (is mod_invites_api enabled on the \
                VirtualHost, and does api_base's host name reach it? Prosody routes HTTP by \
                Host; see http_default_host)"
            .into(),
        405 => "405 Method Not Allowed: the API key may not use GET".into(),
        500..=599 => format!("Prosody answered {status} (a server error; see Prosody's log)"),
        _ => format!("unexpected status {status} (expected 201 Created)"),
    }
}

/// Reads an invite out of the `Location` of a `201`: an http(s) landing page
/// carrying the token, or the `xmpp:` URI itself.
pub fn parse_location(location: &str, host: &str) -> Result<Created, String> {
    let bad = |why: &str| format!("malformed Location {location:?}: {why}");
    if location.is_empty() {
        return Err("201 Created with an empty Location header".into());
    }
    if location.len() > MAX_LOCATION_LEN {
        return Err(format!(
            "malformed Location: longer than {MAX_LOCATION_LEN} bytes"
        ));
    }
    if location
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\'))
    {
        return Err(bad("spaces, quotes or control characters"));
    }
    let (scheme, rest) =
        split_scheme(location).ok_or_else(|| bad("not an absolute http(s) URL or xmpp: URI"))?;
    match scheme.to_ascii_lowercase().as_str() {
        "xmpp" => {
            let (jid, token) = parse_xmpp_register(rest).map_err(|why| bad(&why))?;
            Ok(Created {
                uri: register_uri(jid, &token),
                token,
                landing_page: None,
            })
        }
        "http" | "https" => {
            let Some(after) = rest.strip_prefix("//") else {
                return Err(bad("no //host"));
            };
            let authority = after.split(['/', '?', '#']).next().unwrap_or("");
            if !is_authority(authority) {
                return Err(bad("no valid host[:port]"));
            }
            let token =
                token_from_landing_page(location).ok_or_else(|| bad("no invite token in it"))?;
            Ok(Created {
                uri: register_uri(host, &token),
                token,
                landing_page: Some(location.to_string()),
            })
        }
        _ => Err(bad("not an absolute http(s) URL or xmpp: URI")),
    }
}

/// The token in a landing page URL. mod_invites_page's default is
/// `<base>/invites_page?TOKEN`, and an `invites_page` template places
/// `{invite.token}` where the operator likes, so look, in order, at: the
/// whole query; a `t`, `token`, `preauth` or `invite` query parameter; the
/// last path segment.
pub fn token_from_landing_page(url: &str) -> Option<String> {
    let url = url.split('#').next().unwrap_or(url);
    let (before, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    if let Some(query) = query {
        if is_token(query) {
            return Some(query.to_string());
        }
        for pair in query.split(['&', ';']) {
            if let Some((k, v)) = pair.split_once('=')
                && matches!(k, "t" | "token" | "preauth" | "invite")
                && is_token(v)
            {
                return Some(v.to_string());
            }
        }
    }
    // The path, after scheme://authority.
    let path = before
        .split_once("//")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))?;
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    is_token(last).then(|| last.to_string())
}

/// `JID?register;preauth=TOKEN[;…]` (after `xmpp:`) -> (JID, TOKEN).
fn parse_xmpp_register(rest: &str) -> Result<(&str, String), String> {
    let rest = rest.strip_prefix("//").map_or(rest, |r| {
        // xmpp://authority/JID?…: the JID is after the authority.
        r.split_once('/').map_or(r, |(_, jid)| jid)
    });
    let (jid, query) = rest
        .split_once('?')
        .ok_or("an xmpp: URI without ?register")?;
    let domain = jid.rsplit('@').next().unwrap_or(jid);
    if domain.is_empty()
        || !domain
            .chars()
            .all(|c| c.is_alphanumeric() || "-._%[]:".contains(c))
    {
        return Err("an xmpp: URI without a valid JID".into());
    }
    let mut parts = query.split(';');
    if parts.next() != Some("register") {
        return Err("an xmpp: URI whose action is not register".into());
    }
    let token = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == "preauth")
        .map(|(_, v)| v)
        .ok_or("an xmpp: URI without preauth=")?;
    if !is_token(token) {
        return Err("an xmpp: URI whose preauth token is not a base64url token".into());
    }
    Ok((jid, token.to_string()))
}

/// A token as mod_invites makes them (see the module docs), bounded.
pub fn is_token(s: &str) -> bool {
    s.len() <= MAX_TOKEN_LEN && is_valid_token(s)
}

/// `scheme:rest`, when `scheme` is a URI scheme.
fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = s.split_once(':')?;
    let mut chars = scheme.chars();
    let ok = chars.next()?.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    ok.then_some((scheme, rest))
}

/// `host[:port]`: a DNS name or IPv4 address, or a bracketed IPv6 literal,
/// and an optional port from 1 to 65535. No user info.
fn is_authority(a: &str) -> bool {
    let (host_ok, port) = if let Some(v6) = a.strip_prefix('[') {
        let Some((inside, after)) = v6.split_once(']') else {
            return false;
        };
        let host_ok = !inside.is_empty()
            && inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        match after {
            "" => (host_ok, None),
            p => match p.strip_prefix(':') {
                Some(port) => (host_ok, Some(port)),
                None => return false,
            },
        }
    } else {
        let (host, port) = match a.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (a, None),
        };
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
        (host_ok, port)
    };
    let port_ok = match port {
        None => true,
        Some(p) => {
            !p.is_empty()
                && p.len() <= 5
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|n| n > 0)
        }
    };
    host_ok && port_ok
}

/// `KEYID/SECRET`: two non-empty parts of visible ASCII, no spaces.
fn is_api_key(key: &str) -> bool {
    let Some((id, secret)) = key.split_once('/') else {
        return false;
    };
    !id.is_empty() && !secret.is_empty() && key.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "EQO5KWtbpc4XSgCTjo2cPh66";

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn opts(pairs: &[(&str, &str)]) -> Result<Options, String> {
        Options::from_lookup(lookup(pairs))
    }

    const GOOD: &[(&str, &str)] = &[
        ("host", "localhost"),
        ("api_base", "http://127.0.0.1:5280"),
        (
            "api_key",
            "tmduuxUc_RvK/oWUSlymxOjEHlFGeNe44PhyZFRe7H3kS0G3n",
        ),
    ];

    #[test]
    fn options_with_defaults() {
        let o = opts(GOOD).unwrap();
        assert_eq!(o.host, "localhost");
        assert_eq!(o.invite_expiry, DEFAULT_INVITE_EXPIRY);
        assert_eq!(o.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert_eq!(o.endpoint.url(), "http://127.0.0.1:5280/invites_api");
        assert_eq!(
            o.authorization(),
            "Bearer tmduuxUc_RvK/oWUSlymxOjEHlFGeNe44PhyZFRe7H3kS0G3n"
        );
    }

    #[test]
    fn the_key_never_shows_in_debug_or_errors() {
        let o = opts(GOOD).unwrap();
        assert!(!format!("{o:?}").contains("oWUSly"), "{o:?}");
        let e = opts(&[
            ("host", "h"),
            ("api_base", "http://x"),
            ("api_key", "no slash secret"),
        ])
        .unwrap_err();
        assert!(e.contains("api_key") && !e.contains("secret"), "{e}");
    }

    #[test]
    fn options_errors_name_the_option() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("api_base", "http://x"), ("api_key", "a/b")], "`host`"),
            (&[("host", "h"), ("api_key", "a/b")], "`api_base`"),
            (&[("host", "h"), ("api_base", "http://x")], "`api_key`"),
            (
                &[("host", "h"), ("api_base", "http://x"), ("api_key", "ab")],
                "`api_key`",
            ),
            (
                &[("host", "h"), ("api_base", "http://x"), ("api_key", "/b")],
                "`api_key`",
            ),
            (
                &[("host", "h"), ("api_base", "ftp://x"), ("api_key", "a/b")],
                "`api_base`",
            ),
            (
                &[
                    ("host", "h"),
                    ("api_base", "http://x"),
                    ("api_key", "a/b"),
                    ("timeout_ms", "0"),
                ],
                "`timeout_ms`",
            ),
            (
                &[
                    ("host", "h"),
                    ("api_base", "http://x"),
                    ("api_key", "a/b"),
                    ("invite_expiry", "x"),
                ],
                "`invite_expiry`",
            ),
        ];
        for (pairs, name) in cases {
            let e = opts(pairs).unwrap_err();
            assert!(e.contains(name), "{pairs:?}: {e}");
        }
        let o = opts(&[
            ("host", "h"),
            ("api_base", "https://example.org:5281/"),
            ("api_key", "a/b"),
            ("timeout_ms", "250"),
            ("invite_expiry", "3600"),
        ])
        .unwrap();
        assert_eq!(o.timeout_ms, 250);
        assert_eq!(o.invite_expiry, 3600);
    }

    #[test]
    fn endpoints() {
        let e = Endpoint::parse("http://127.0.0.1:5280").unwrap();
        assert_eq!(e.scheme, Scheme::Http);
        assert_eq!(e.authority, "127.0.0.1:5280");
        assert_eq!(e.path, "/invites_api");
        for (base, url) in [
            ("https://example.org/", "https://example.org/invites_api"),
            (
                "HTTPS://example.org:5281/xmpp/",
                "https://example.org:5281/xmpp/invites_api",
            ),
            (
                "https://example.org/invites_api",
                "https://example.org/invites_api",
            ),
            ("http://[::1]:5280", "http://[::1]:5280/invites_api"),
        ] {
            assert_eq!(Endpoint::parse(base).unwrap().url(), url, "{base}");
        }
        for bad in [
            "127.0.0.1:5280",
            "http:/x",
            "http://",
            "http://user@host",
            "http://host:port",
            "http://host:0",
            "http://host:99999",
            "http://host:",
            "http://host/?q",
            "http://host/#f",
            "http://ho st/",
            "http://[::1/",
            "xmpp:host",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_query_string_is_always_sent() {
        let e = Endpoint::parse("http://127.0.0.1:5280").unwrap();
        assert_eq!(
            e.path_with_query("welcome_page"),
            "/invites_api?source=welcome_page"
        );
        assert_eq!(e.path_with_query(""), "/invites_api?source=welcome");
        assert_eq!(e.path_with_query("a b&c"), "/invites_api?source=a+b%26c");
        assert!(!e.path_with_query("x").contains("redirect"));
    }

    #[test]
    fn prosodys_landing_page() {
        let loc = format!("http://localhost:5280/invites_page?{TOKEN}");
        let c = interpret(201, &[loc.clone().into_bytes()], "localhost").unwrap();
        assert_eq!(c.token, TOKEN);
        assert_eq!(c.uri, format!("xmpp:localhost?register;preauth={TOKEN}"));
        assert_eq!(c.landing_page.as_deref(), Some(loc.as_str()));
    }

    #[test]
    fn prosodys_xmpp_uri() {
        let loc = format!("xmpp:example.org?register;preauth={TOKEN}");
        let c = interpret(201, &[loc.clone().into_bytes()], "example.org").unwrap();
        assert_eq!(c.token, TOKEN);
        assert_eq!(c.uri, loc);
        assert_eq!(c.landing_page, None);
        // Prosody's domain is what the URI names, even if the page's differs.
        let c = parse_location(&loc, "www.example.org").unwrap();
        assert_eq!(c.uri, loc);
    }

    #[test]
    fn token_placements_in_landing_pages() {
        for url in [
            format!("https://example.org/invite?{TOKEN}"),
            format!("https://example.org/invite?t={TOKEN}&c=app"),
            format!("https://example.org/invite?c=app;token={TOKEN}"),
            format!("https://example.org/invite/{TOKEN}"),
            format!("https://example.org/invite/{TOKEN}/#x"),
            format!("https://example.org/i/{TOKEN}?lang=en"),
        ] {
            assert_eq!(
                token_from_landing_page(&url).as_deref(),
                Some(TOKEN),
                "{url}"
            );
        }
        for url in [
            "https://example.org/invite",
            "https://example.org/invite?short",
            "https://example.org/",
            "https://example.org",
        ] {
            assert_eq!(token_from_landing_page(url), None, "{url}");
        }
    }

    #[test]
    fn failures_are_causes_never_invites() {
        let loc = format!("http://localhost/invites_page?{TOKEN}").into_bytes();
        for (status, needle) in [
            (403, "403"),
            (404, "404"),
            (405, "405"),
            (500, "500"),
            (502, "502"),
            (200, "200"),
            (303, "303"),
        ] {
            let e = interpret(status, std::slice::from_ref(&loc), "h").unwrap_err();
            assert!(e.contains(needle), "{status}: {e}");
        }
        assert!(
            interpret(201, &[], "h")
                .unwrap_err()
                .contains("without a Location")
        );
        assert!(
            interpret(201, &[loc.clone(), loc.clone()], "h")
                .unwrap_err()
                .contains("more than one")
        );
        assert!(
            interpret(201, &[vec![0xff, 0xfe]], "h")
                .unwrap_err()
                .contains("UTF-8")
        );
        assert!(
            interpret(201, &[b"".to_vec()], "h")
                .unwrap_err()
                .contains("empty")
        );
        for bad in [
            "/invites_page?EQO5KWtbpc4XSgCTjo2cPh66".to_string(),
            "invites_page?EQO5KWtbpc4XSgCTjo2cPh66".to_string(),
            format!("javascript:alert(1)//{TOKEN}"),
            format!("ftp://example.org/{TOKEN}"),
            format!("http:///invites_page?{TOKEN}"),
            format!("http://user@evil/invites_page?{TOKEN}"),
            format!("http://example.org/invites_page?{TOKEN}\"><script>"),
            format!("http://example.org/x y?{TOKEN}"),
            "http://example.org/invites_page?tooshort".to_string(),
            "http://example.org/invites_page?EQO5KWtbpc4XSgCTjo2cPh6=".to_string(),
            format!("http://example.org/invites_page?{}", "A".repeat(300)),
            format!("https://example.org/{}", "a".repeat(3000)),
            "xmpp:example.org?register;preauth=short".to_string(),
            format!("xmpp:example.org?roster;preauth={TOKEN}"),
            "xmpp:example.org?register;ibr=y".to_string(),
            format!("xmpp:?register;preauth={TOKEN}"),
            format!("xmpp:exa mple.org?register;preauth={TOKEN}"),
        ] {
            let r = interpret(201, &[bad.clone().into_bytes()], "h");
            assert!(r.is_err(), "{bad}: {r:?}");
        }
    }

    #[test]
    fn authorities() {
        for ok in [
            "a",
            "a.b",
            "127.0.0.1:1",
            "x-y.z:65535",
            "[::1]",
            "[::1]:5280",
        ] {
            assert!(is_authority(ok), "{ok}");
        }
        for bad in [
            "", ":80", "a:", "a:0", "a:65536", "a@b", "[::1", "[]:1", "a b", "[::1]x",
        ] {
            assert!(!is_authority(bad), "{bad}");
        }
    }
}
