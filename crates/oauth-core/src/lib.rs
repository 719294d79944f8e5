//! Stateless OAuth 2.0 dynamic client registration (RFC 7591), modelled on
//! Prosody's `mod_http_oauth2`:
//!
//! - `per_host_key = HMAC-SHA256(key = oauth2_registration_key, message = host)`;
//! - `client_id` = an HS256 JWT, signed with the per-host key, over the
//!   validated metadata plus `iat`, `exp` (with a ttl), a random `nonce` and
//!   the `host`;
//! - `client_secret = hex(HMAC-SHA256(per_host_key, client_id))`;
//! - verification checks the JWT and recomputes the secret: nothing is stored.
//!
//! Plain Rust without wasm or I/O: [`endpoint::handle`] gives the complete
//! HTTP behaviour, so it is unit-tested natively; the `oauth-register`
//! component only moves bytes.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod crypto;
pub mod endpoint;
pub mod metadata;
pub mod options;
pub mod registrar;
pub mod uri;

pub use crypto::{JwtError, PerHostKey};
pub use endpoint::{Body, Context, MAX_BODY_BYTES, Request, Response, handle};
pub use metadata::{
    ApplicationType, ClientMetadata, ErrorCode, RegistrationError, TokenEndpointAuthMethod,
};
pub use options::{Options, OptionsError, RegistrationKey};
pub use registrar::{
    NONCE_LEN, RegisteredClient, Registrar, Registration, VerifyError, normalize_host,
};
