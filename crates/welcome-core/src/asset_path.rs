//! Turning a request path into a path inside the template directory, or
//! refusing it. The page also runs behind a WASI preopen (which cannot be
//! escaped), so this is the first of two walls, and the one that decides what
//! a visitor gets: a 404, never a file from elsewhere.

use thiserror::Error;

/// The template file at the root of a template directory; it is rendered,
/// never served raw (Prosody leaks it at `/index.html`).
pub const TEMPLATE_FILE: &str = "index.html";

/// Why a request path does not name an asset.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AssetPathError {
    /// The path does not start with `/`.
    #[error("path is not absolute")]
    NotAbsolute,
    /// Percent-decoding gave something other than UTF-8.
    #[error("path is not valid UTF-8 after decoding")]
    BadEncoding,
    /// A `.` or `..` segment, a hidden file, a backslash or a control character.
    #[error("path segment {0:?} is not allowed")]
    Forbidden(String),
    /// The path names the directory itself or the template source.
    #[error("not an asset")]
    NotAnAsset,
}

/// A checked relative path inside the template directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPath {
    segments: Vec<String>,
}

impl AssetPath {
    /// Checks a request path (with or without a query string).
    pub fn parse(raw: &str) -> Result<Self, AssetPathError> {
        let path = raw.split(['?', '#']).next().unwrap_or("");
        let rest = path.strip_prefix('/').ok_or(AssetPathError::NotAbsolute)?;
        let mut segments = Vec::new();
        for encoded in rest.split('/') {
            let bytes: Vec<u8> = percent_decode(encoded);
            let seg = String::from_utf8(bytes).map_err(|_| AssetPathError::BadEncoding)?;
            if seg.is_empty() {
                continue;
            }
            if seg.starts_with('.')
                || seg.contains(['/', '\\', ':'])
                || seg.chars().any(char::is_control)
            {
                return Err(AssetPathError::Forbidden(seg));
            }
            segments.push(seg);
        }
        if segments.is_empty() || (segments.len() == 1 && segments[0] == TEMPLATE_FILE) {
            return Err(AssetPathError::NotAnAsset);
        }
        Ok(Self { segments })
    }

    /// The path relative to the template directory, joined with `/`.
    pub fn relative(&self) -> String {
        self.segments.join("/")
    }

    /// The file name's extension, for the content type.
    pub fn extension(&self) -> Option<&str> {
        let name = self.segments.last()?;
        name.rsplit_once('.').map(|(_, ext)| ext)
    }
}

/// Percent-decodes one path segment (not `+`, which means `+` in a path).
fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_assets() {
        assert_eq!(
            AssetPath::parse("/style.css").unwrap().relative(),
            "style.css"
        );
        assert_eq!(
            AssetPath::parse("/img//logo.svg?v=2").unwrap().relative(),
            "img/logo.svg"
        );
        assert_eq!(
            AssetPath::parse("/a%20b.png").unwrap().relative(),
            "a b.png"
        );
        assert_eq!(AssetPath::parse("/x.css").unwrap().extension(), Some("css"));
    }

    #[test]
    fn traversal_is_refused() {
        for p in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/..%2fetc/passwd",
            "/a/../../b",
            "/.hidden",
            "/a\\..\\b",
            "/%5c..%5cb",
            "/a%00.css",
            "/C:%2fwindows",
        ] {
            assert!(AssetPath::parse(p).is_err(), "{p} must be refused");
        }
        assert_eq!(
            AssetPath::parse("etc/passwd"),
            Err(AssetPathError::NotAbsolute)
        );
    }

    #[test]
    fn template_and_root_are_not_assets() {
        assert_eq!(AssetPath::parse("/"), Err(AssetPathError::NotAnAsset));
        assert_eq!(
            AssetPath::parse("/index.html"),
            Err(AssetPathError::NotAnAsset)
        );
        assert_eq!(
            AssetPath::parse("/%69ndex.html"),
            Err(AssetPathError::NotAnAsset)
        );
        assert_eq!(
            AssetPath::parse("//index.html"),
            Err(AssetPathError::NotAnAsset)
        );
    }

    #[test]
    fn bad_encoding() {
        assert_eq!(
            AssetPath::parse("/%ff.css"),
            Err(AssetPathError::BadEncoding)
        );
        assert_eq!(AssetPath::parse("/%zz").unwrap().relative(), "%zz");
    }
}
