//! URI rules for client metadata: strict parsing, loopback hosts, and which
//! redirect URIs a web or native client may use (after Prosody's
//! `redirect_uri_allowed`, RFC 8252 for native apps).

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// The out-of-band redirect URI a native client may register.
pub const OOB_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

/// Why a URI string was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriError {
    /// Not an absolute URI, or spelled in a way a lenient parser would
    /// repair (whitespace, control characters, backslashes, `https:host`).
    Invalid,
    /// The URI has a fragment (`#...`); fragments are rejected everywhere.
    Fragment,
}

/// Parses an absolute URI strictly: no whitespace, control characters or
/// backslashes, `http`/`https` must be followed by `//`, no user info in
/// `http`/`https` URIs, and no fragment.
pub fn parse_strict(input: &str) -> Result<Url, UriError> {
    if input.is_empty()
        || input
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(UriError::Invalid);
    }
    if input.contains('#') {
        return Err(UriError::Fragment);
    }
    let url = Url::parse(input).map_err(|_| UriError::Invalid)?;
    if url.fragment().is_some() {
        return Err(UriError::Fragment);
    }
    if url.is_special() {
        let rest = input.get(url.scheme().len()..).unwrap_or_default();
        if !rest.starts_with("://") {
            return Err(UriError::Invalid);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UriError::Invalid);
        }
    }
    Ok(url)
}

/// Whether `host` is a loopback host: `localhost` (and `*.localhost`), any
/// address in 127.0.0.0/8, or `::1`.
pub fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => {
            let d = d.trim_end_matches('.');
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// The loopback hosts a native client may use for an `http` redirect URI:
/// exactly `localhost`, `127.0.0.1` and `[::1]`, any port.
fn is_native_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => *d == "localhost",
        Host::Ipv4(ip) => *ip == Ipv4Addr::LOCALHOST,
        Host::Ipv6(ip) => *ip == Ipv6Addr::LOCALHOST,
    }
}

/// The private-use URI scheme that belongs to `client_uri`'s host: its
/// labels reversed (`app.example.com` gives `com.example.app`). `None` for
/// IP addresses and single-label names (RFC 8252 wants a dot in the scheme).
pub fn private_use_scheme(client_uri: &Url) -> Option<String> {
    match client_uri.host()? {
        Host::Domain(d) => {
            let d = d.trim_end_matches('.');
            if !d.contains('.') {
                return None;
            }
            let labels: Vec<&str> = d.rsplit('.').collect();
            Some(labels.join(".").to_ascii_lowercase())
        }
        Host::Ipv4(_) | Host::Ipv6(_) => None,
    }
}

/// Whether `uri` is on the same host as `client_uri` over `https` (the rule
/// for web redirect URIs and for `logo_uri`, `tos_uri` and `policy_uri`).
pub fn is_https_on_host(uri: &Url, client_uri: &Url) -> bool {
    uri.scheme() == "https" && uri.host().is_some() && uri.host() == client_uri.host()
}

/// Whether `uri` (already parsed with [`parse_strict`]) is an acceptable
/// redirect URI for a native client of `client_uri`: `http` on a loopback
/// host, the private-use scheme of `client_uri`'s host, or [`OOB_URI`].
pub fn is_native_redirect(uri: &Url, client_uri: &Url) -> bool {
    if uri.as_str() == OOB_URI {
        return true;
    }
    if uri.scheme() == "http" {
        return uri.host().is_some_and(|h| is_native_loopback(&h));
    }
    private_use_scheme(client_uri).is_some_and(|scheme| uri.scheme() == scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parsing() {
        assert!(parse_strict("https://example.org/cb").is_ok());
        assert_eq!(parse_strict(" https://example.org"), Err(UriError::Invalid));
        assert_eq!(parse_strict("https:example.org"), Err(UriError::Invalid));
        assert_eq!(
            parse_strict("https:\\\\example.org"),
            Err(UriError::Invalid)
        );
        assert_eq!(parse_strict("/relative"), Err(UriError::Invalid));
        assert_eq!(
            parse_strict("https://example.org/#x"),
            Err(UriError::Fragment)
        );
        assert_eq!(
            parse_strict("https://example.org/#"),
            Err(UriError::Fragment)
        );
        assert_eq!(
            parse_strict("https://u:p@example.org/"),
            Err(UriError::Invalid)
        );
        assert!(parse_strict("org.example:/cb").is_ok());
        assert!(parse_strict(OOB_URI).is_ok());
    }

    #[test]
    fn loopbacks() {
        for h in [
            "https://localhost",
            "https://LOCALHOST.",
            "https://a.localhost",
            "https://127.0.0.1",
            "https://127.9.9.9",
            "https://[::1]",
        ] {
            let u = Url::parse(h).unwrap();
            assert!(is_loopback(&u.host().unwrap()), "{h}");
        }
        let u = Url::parse("https://example.org").unwrap();
        assert!(!is_loopback(&u.host().unwrap()));
    }

    #[test]
    fn private_scheme() {
        let c = Url::parse("https://app.example.com/").unwrap();
        assert_eq!(private_use_scheme(&c).as_deref(), Some("com.example.app"));
        let single = Url::parse("https://intranet/").unwrap();
        assert_eq!(private_use_scheme(&single), None);
        let ip = Url::parse("https://192.0.2.1/").unwrap();
        assert_eq!(private_use_scheme(&ip), None);
    }
}
