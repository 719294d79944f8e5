//! Stateless registration and verification for one tenant: the client id is
//! an HS256 JWT over the validated metadata, signed with the tenant's
//! per-host key; the secret is derived from the client id. Nothing is
//! stored, so nothing is looked up.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::crypto::{self, PerHostKey};
use crate::metadata::{
    self, AllowLists, ClientMetadata, ErrorCode, RegistrationError, TokenEndpointAuthMethod,
};
use crate::options::Options;

/// How many random bytes go into each client id's `nonce` claim.
pub const NONCE_LEN: usize = 16;

/// The claims of a client id: the metadata plus what only the server sets.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    #[serde(flatten)]
    metadata: ClientMetadata,
    /// Issued at, seconds since the Unix epoch.
    iat: u64,
    /// Expiry, when the tenant has a registration ttl.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<u64>,
    /// Random, so that equal metadata never yields an equal id or secret.
    nonce: String,
    /// The tenant that issued the id.
    host: String,
}

/// Normalises a host name for key derivation and the `host` claim: trimmed,
/// without a trailing dot, ASCII lower case.
pub fn normalize_host(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// A successful registration (RFC 7591 §3.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The registered metadata, defaults filled in.
    pub metadata: ClientMetadata,
    /// The client id (a signed JWT).
    pub client_id: String,
    /// When the id was issued, seconds since the Unix epoch.
    pub client_id_issued_at: u64,
    /// The secret; `None` for `token_endpoint_auth_method = none`.
    pub client_secret: Option<String>,
    /// `0` for never, else issue time plus ttl; `None` when no secret.
    pub client_secret_expires_at: Option<u64>,
}

impl Registration {
    /// The response document: every registered metadata member, then
    /// `client_id`, `client_id_issued_at`, `client_secret` and
    /// `client_secret_expires_at` (the last two only when a secret is issued).
    pub fn to_json(&self) -> Value {
        let mut doc = match serde_json::to_value(&self.metadata) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        doc.insert("client_id".into(), Value::from(self.client_id.as_str()));
        doc.insert(
            "client_id_issued_at".into(),
            Value::from(self.client_id_issued_at),
        );
        if let Some(secret) = &self.client_secret {
            doc.insert("client_secret".into(), Value::from(secret.as_str()));
        }
        if let Some(expires) = self.client_secret_expires_at {
            doc.insert("client_secret_expires_at".into(), Value::from(expires));
        }
        Value::Object(doc)
    }
}

/// A client id (and secret) that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredClient {
    /// The client id, as presented.
    pub client_id: String,
    /// The metadata registered with it.
    pub metadata: ClientMetadata,
    /// When it was issued, seconds since the Unix epoch.
    pub issued_at: u64,
    /// When it expires (exclusive), if the registration has an expiry.
    pub expires_at: Option<u64>,
}

/// Why a client id or secret was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// Malformed, tampered with, or issued by another tenant or key.
    #[error("invalid client id")]
    InvalidClientId,
    /// Past its `exp` (enforced while the tenant has a registration ttl).
    #[error("client registration expired")]
    Expired,
    /// The secret is wrong, or a secret was presented for a public client.
    #[error("invalid client secret")]
    InvalidSecret,
}

/// Registration and verification for one tenant (host).
#[derive(Debug, Clone)]
pub struct Registrar<'a> {
    options: &'a Options,
    host: String,
    key: PerHostKey,
}

impl<'a> Registrar<'a> {
    /// The registrar of `host` (normalised with [`normalize_host`]).
    pub fn new(options: &'a Options, host: &str) -> Self {
        let host = normalize_host(host);
        let key = PerHostKey::derive(&options.oauth2_registration_key, &host);
        Self { options, host, key }
    }

    /// The normalised host name.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The options in use.
    pub fn options(&self) -> &Options {
        self.options
    }

    /// The per-host signing key.
    pub fn per_host_key(&self) -> &PerHostKey {
        &self.key
    }

    /// Registers a client from a JSON request body.
    pub fn register_json(
        &self,
        body: &[u8],
        now: u64,
        nonce: &[u8; NONCE_LEN],
    ) -> Result<Registration, RegistrationError> {
        let input = metadata::parse_object(body)?;
        self.register(&input, now, nonce)
    }

    /// Validates `input`, signs the client id and derives the secret.
    pub fn register(
        &self,
        input: &Map<String, Value>,
        now: u64,
        nonce: &[u8; NONCE_LEN],
    ) -> Result<Registration, RegistrationError> {
        let metadata = metadata::validate(
            input,
            AllowLists {
                grant_types: &self.options.allowed_oauth2_grant_types,
                response_types: &self.options.allowed_oauth2_response_types,
            },
        )?;
        let exp = self
            .options
            .oauth2_registration_ttl
            .map(|ttl| now.saturating_add(ttl));
        let claims = Claims {
            metadata,
            iat: now,
            exp,
            nonce: crypto::base64url(nonce),
            host: self.host.clone(),
        };
        let client_id = crypto::jwt_sign(&self.key, &claims).map_err(|e| {
            RegistrationError::new(
                ErrorCode::InvalidClientMetadata,
                format!("metadata cannot be encoded: {e}"),
            )
        })?;
        let public = claims.metadata.token_endpoint_auth_method == TokenEndpointAuthMethod::None;
        let (client_secret, client_secret_expires_at) = if public {
            (None, None)
        } else {
            (
                Some(crypto::client_secret(&self.key, &client_id)),
                Some(exp.unwrap_or(0)),
            )
        };
        Ok(Registration {
            metadata: claims.metadata,
            client_id,
            client_id_issued_at: now,
            client_secret,
            client_secret_expires_at,
        })
    }

    /// Verifies a client id and, when given, its secret, by checking the
    /// JWT and recomputing the secret. With `client_secret = None` only the
    /// id is checked (as at the authorization endpoint); a token endpoint
    /// must pass the presented secret of every client whose
    /// `token_endpoint_auth_method` is not `none`. A secret presented for a
    /// `none` client is refused.
    pub fn verify(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        now: u64,
    ) -> Result<RegisteredClient, VerifyError> {
        let payload =
            crypto::jwt_verify(&self.key, client_id).map_err(|_| VerifyError::InvalidClientId)?;
        let claims: Claims =
            serde_json::from_slice(&payload).map_err(|_| VerifyError::InvalidClientId)?;
        if claims.host != self.host {
            return Err(VerifyError::InvalidClientId);
        }
        if self.options.oauth2_registration_ttl.is_some() {
            match claims.exp {
                Some(exp) if now < exp => {}
                _ => return Err(VerifyError::Expired),
            }
        }
        if let Some(secret) = client_secret {
            let public =
                claims.metadata.token_endpoint_auth_method == TokenEndpointAuthMethod::None;
            if public || !crypto::secret_matches(&self.key, client_id, secret) {
                return Err(VerifyError::InvalidSecret);
            }
        }
        Ok(RegisteredClient {
            client_id: client_id.to_owned(),
            metadata: claims.metadata,
            issued_at: claims.iat,
            expires_at: claims.exp,
        })
    }
}
