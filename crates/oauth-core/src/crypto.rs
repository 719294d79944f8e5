//! Key derivation, client secrets and compact HS256 JSON Web Tokens
//! (RFC 7519), hand-rolled over `hmac`, `sha2` and `base64`. Every MAC or
//! secret comparison is constant-time (`subtle`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use thiserror::Error;

use crate::options::RegistrationKey;

type HmacSha256 = Hmac<Sha256>;

/// A host's signing key: `HMAC-SHA256(key = registration key, message = host)`.
/// Its `Debug` output never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct PerHostKey([u8; 32]);

impl PerHostKey {
    /// Derives the key of `host` from the registration key. The host name is
    /// used exactly as given; callers normalise it first (see
    /// [`crate::normalize_host`]).
    pub fn derive(registration_key: &RegistrationKey, host: &str) -> Self {
        Self(hmac_sha256(registration_key.as_bytes(), host.as_bytes()))
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key in lower-case hex (for test vectors; never log it).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl std::fmt::Debug for PerHostKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PerHostKey(<redacted>)")
    }
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The client secret of `client_id`: `hex(HMAC-SHA256(per_host_key, client_id))`.
pub fn client_secret(key: &PerHostKey, client_id: &str) -> String {
    hex(&hmac_sha256(key.as_bytes(), client_id.as_bytes()))
}

/// Checks a presented client secret against the one derived from
/// `client_id`, in constant time.
pub fn secret_matches(key: &PerHostKey, client_id: &str, presented: &str) -> bool {
    let expected = client_secret(key, client_id);
    bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// Lower-case hex encoding.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Base64url without padding (the JWT alphabet).
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Why a token did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum JwtError {
    /// Not three canonical base64url parts, or a header that is not JSON.
    #[error("malformed token")]
    Malformed,
    /// The header names an algorithm other than HS256 (including `none`).
    #[error("unsupported token algorithm")]
    UnsupportedAlgorithm,
    /// The MAC does not match.
    #[error("bad token signature")]
    BadSignature,
}

const HEADER_JSON: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Signs `claims` as a compact HS256 JWT.
pub fn jwt_sign<T: Serialize>(key: &PerHostKey, claims: &T) -> Result<String, serde_json::Error> {
    let payload = serde_json::to_vec(claims)?;
    let mut token = base64url(HEADER_JSON.as_bytes());
    token.push('.');
    token.push_str(&base64url(&payload));
    let signature = hmac_sha256(key.as_bytes(), token.as_bytes());
    token.push('.');
    token.push_str(&base64url(&signature));
    Ok(token)
}

/// Verifies a compact HS256 JWT and returns its payload bytes (not yet
/// parsed). Only canonical unpadded base64url is accepted, so a token has
/// exactly one valid spelling; the MAC is compared in constant time.
pub fn jwt_verify(key: &PerHostKey, token: &str) -> Result<Vec<u8>, JwtError> {
    let (signing_input, signature) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(JwtError::Malformed)?;
    if payload.contains('.') {
        return Err(JwtError::Malformed);
    }
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| JwtError::Malformed)?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|_| JwtError::Malformed)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(JwtError::UnsupportedAlgorithm);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwtError::Malformed)?;
    let expected = hmac_sha256(key.as_bytes(), signing_input.as_bytes());
    if !bool::from(expected.as_slice().ct_eq(signature.as_slice())) {
        return Err(JwtError::BadSignature);
    }
    URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| JwtError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> PerHostKey {
        PerHostKey::derive(
            &RegistrationKey::new("example-registration-key-CHANGE-ME").unwrap(),
            "example.org",
        )
    }

    #[test]
    fn test_vector_per_host_key() {
        assert_eq!(
            key().to_hex(),
            "b785761a6978d15d78c7ef7d8fe0c96fea8cd0aa03db3fdb536933fe699144b8"
        );
        assert!(!format!("{:?}", key()).contains("b785"));
    }

    #[test]
    fn rfc4231_case_2() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn jwt_round_trip() {
        let token = jwt_sign(&key(), &json!({"a": 1})).unwrap();
        assert_eq!(token.split('.').count(), 3);
        let payload = jwt_verify(&key(), &token).unwrap();
        assert_eq!(payload, br#"{"a":1}"#);
    }

    #[test]
    fn jwt_rejects_tampering() {
        let token = jwt_sign(&key(), &json!({"a": 1})).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = base64url(br#"{"a":2}"#);
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(jwt_verify(&key(), &forged), Err(JwtError::BadSignature));
        // alg=none with an empty signature
        let none = format!("{}.{}.", base64url(br#"{"alg":"none"}"#), parts[1]);
        assert_eq!(
            jwt_verify(&key(), &none),
            Err(JwtError::UnsupportedAlgorithm)
        );
        // a padded signature is not canonical
        let padded = format!("{token}=");
        assert_eq!(jwt_verify(&key(), &padded), Err(JwtError::Malformed));
        assert_eq!(
            jwt_verify(&key(), &format!("{token}.x")),
            Err(JwtError::Malformed)
        );
        assert_eq!(jwt_verify(&key(), "abc"), Err(JwtError::Malformed));
        assert_eq!(jwt_verify(&key(), ""), Err(JwtError::Malformed));
        // truncated signature
        let short = &token[..token.len() - 2];
        assert!(jwt_verify(&key(), short).is_err());
    }

    #[test]
    fn jwt_from_another_key_fails() {
        let other = PerHostKey::derive(
            &RegistrationKey::new("example-registration-key-CHANGE-ME").unwrap(),
            "example.net",
        );
        let token = jwt_sign(&other, &json!({"a": 1})).unwrap();
        assert_eq!(jwt_verify(&key(), &token), Err(JwtError::BadSignature));
    }

    #[test]
    fn secrets() {
        let s = client_secret(&key(), "id");
        assert_eq!(s.len(), 64);
        assert!(secret_matches(&key(), "id", &s));
        assert!(!secret_matches(&key(), "id", &s.to_uppercase()));
        assert!(!secret_matches(&key(), "id", &s[..63]));
        assert!(!secret_matches(&key(), "id2", &s));
        assert!(!secret_matches(&key(), "id", ""));
    }
}
