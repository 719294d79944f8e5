//! Client metadata (RFC 7591 §2, plus OpenID's `application_type`): the
//! fields we understand, their defaults, and the validation rules of
//! Prosody's `mod_http_oauth2`.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use url::Url;

use crate::uri::{self, UriError};

/// The kind of client (OpenID Connect Dynamic Client Registration §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationType {
    /// A web application: `https` redirect URIs on the client's host.
    Web,
    /// A native application: loopback, private-use scheme or out-of-band
    /// redirect URIs.
    Native,
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpointAuthMethod {
    /// A public client: no secret is issued.
    None,
    /// The secret is sent in the request body.
    ClientSecretPost,
    /// The secret is sent with HTTP Basic authentication (the default).
    ClientSecretBasic,
}

impl TokenEndpointAuthMethod {
    /// The RFC 7591 name of the method.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
        }
    }

    /// Every supported method, by name.
    pub const ALL: [&'static str; 3] = ["client_secret_basic", "client_secret_post", "none"];
}

/// Validated client metadata with defaults filled in: exactly what is
/// signed into the client id and echoed in the registration response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientMetadata {
    /// Human-readable name of the client (required).
    pub client_name: String,
    /// The client's home page: `https`, not a loopback host (required).
    pub client_uri: String,
    /// Registered redirect URIs (may be empty only when `response_types` is).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// `web` or `native` (inferred from the first redirect URI when absent).
    pub application_type: ApplicationType,
    /// Token endpoint authentication method (default `client_secret_basic`).
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    /// Grant types the client may use (default `["authorization_code"]`).
    pub grant_types: Vec<String>,
    /// Response types the client may use (default `["code"]`).
    pub response_types: Vec<String>,
    /// Space-separated scopes the client may request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client's logo (`https` on `client_uri`'s host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    /// The client's terms of service (`https` on `client_uri`'s host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tos_uri: Option<String>,
    /// The client's privacy policy (`https` on `client_uri`'s host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_uri: Option<String>,
    /// Contact e-mail addresses of the people responsible for the client.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// An identifier of the client software (e.g. a UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_id: Option<String>,
    /// The version of the client software.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
}

/// The OAuth error codes of the registration endpoint (RFC 7591 §3.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The request body is not well-formed JSON (or not an object).
    InvalidRequest,
    /// A redirect URI is invalid or not allowed.
    InvalidRedirectUri,
    /// Some other metadata field is invalid or not allowed.
    InvalidClientMetadata,
}

impl ErrorCode {
    /// The code as it appears in the `error` member.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
        }
    }
}

/// A rejected registration: the code and a description for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationError {
    /// The OAuth error code.
    pub code: ErrorCode,
    /// Human-readable explanation (`error_description`).
    pub description: String,
}

impl RegistrationError {
    /// A new error with the given code and description.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    fn metadata(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClientMetadata, description)
    }

    fn redirect(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRedirectUri, description)
    }
}

impl fmt::Display for RegistrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.description)
    }
}

impl std::error::Error for RegistrationError {}

/// A JSON object whose member names are all distinct (serde_json would
/// silently keep the last of two equal names).
struct UniqueObject(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UniqueObject, A::Error> {
                let mut map = Map::new();
                while let Some((key, value)) = access.next_entry::<String, Value>()? {
                    if map.contains_key(&key) {
                        return Err(de::Error::custom(format!("duplicate member {key:?}")));
                    }
                    map.insert(key, value);
                }
                Ok(UniqueObject(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// Parses a request body as a JSON object with distinct member names.
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, RegistrationError> {
    match serde_json::from_slice::<UniqueObject>(body) {
        Ok(UniqueObject(map)) => Ok(map),
        Err(e) if e.is_data() => Err(RegistrationError::new(
            ErrorCode::InvalidRequest,
            format!("client metadata must be a JSON object with distinct members ({e})"),
        )),
        Err(e) => Err(RegistrationError::new(
            ErrorCode::InvalidRequest,
            format!("malformed JSON ({e})"),
        )),
    }
}

/// The server-side lists the metadata is checked against.
#[derive(Debug, Clone, Copy)]
pub struct AllowLists<'a> {
    /// Grant types a client may register.
    pub grant_types: &'a [String],
    /// Response types a client may register.
    pub response_types: &'a [String],
}

/// Validates submitted metadata, fills in defaults and drops every member
/// not understood (so a client can never set `iat`, `exp`, `nonce`, `host`
/// or the issued `client_id`/`client_secret`).
pub fn validate(
    input: &Map<String, Value>,
    allowed: AllowLists<'_>,
) -> Result<ClientMetadata, RegistrationError> {
    let fields = Fields(input);

    let client_name = fields
        .string("client_name", ErrorCode::InvalidClientMetadata)?
        .ok_or_else(|| RegistrationError::metadata("client_name is required"))?;
    if client_name.trim().is_empty() {
        return Err(RegistrationError::metadata("client_name must not be empty"));
    }

    let client_uri_text = fields
        .string("client_uri", ErrorCode::InvalidClientMetadata)?
        .ok_or_else(|| RegistrationError::metadata("client_uri is required"))?;
    let client_uri = parse_client_uri(&client_uri_text)?;

    let redirect_uris = fields
        .string_list("redirect_uris", ErrorCode::InvalidRedirectUri)?
        .unwrap_or_default();
    let mut parsed_redirects = Vec::with_capacity(redirect_uris.len());
    for r in &redirect_uris {
        match uri::parse_strict(r) {
            Ok(u) => parsed_redirects.push(u),
            Err(UriError::Fragment) => {
                return Err(RegistrationError::redirect(format!(
                    "redirect URI {r:?} must not have a fragment"
                )));
            }
            Err(UriError::Invalid) => {
                return Err(RegistrationError::redirect(format!(
                    "redirect URI {r:?} is not a valid absolute URI"
                )));
            }
        }
    }

    let application_type = match fields
        .string("application_type", ErrorCode::InvalidClientMetadata)?
    {
        Some(t) if t == "web" => ApplicationType::Web,
        Some(t) if t == "native" => ApplicationType::Native,
        Some(t) => {
            return Err(RegistrationError::metadata(format!(
                "application_type must be \"web\" or \"native\", not {t:?}"
            )));
        }
        None => match parsed_redirects.first() {
            Some(first) if uri::is_native_redirect(first, &client_uri) => ApplicationType::Native,
            _ => ApplicationType::Web,
        },
    };

    for (text, parsed) in redirect_uris.iter().zip(&parsed_redirects) {
        let ok = match application_type {
            ApplicationType::Web => uri::is_https_on_host(parsed, &client_uri),
            ApplicationType::Native => uri::is_native_redirect(parsed, &client_uri),
        };
        if !ok {
            let rule = match application_type {
                ApplicationType::Web => {
                    "a web client's redirect URIs must be https on client_uri's host"
                }
                ApplicationType::Native => {
                    "a native client's redirect URIs must be http on a loopback address, a private-use scheme that is the reverse of client_uri's host, or urn:ietf:wg:oauth:2.0:oob"
                }
            };
            return Err(RegistrationError::redirect(format!(
                "redirect URI {text:?} is not allowed: {rule}"
            )));
        }
    }

    let logo_uri = fields.informative_uri("logo_uri", &client_uri)?;
    let tos_uri = fields.informative_uri("tos_uri", &client_uri)?;
    let policy_uri = fields.informative_uri("policy_uri", &client_uri)?;

    let token_endpoint_auth_method = match fields.string(
        "token_endpoint_auth_method",
        ErrorCode::InvalidClientMetadata,
    )? {
        None => TokenEndpointAuthMethod::ClientSecretBasic,
        Some(m) if m == "none" => TokenEndpointAuthMethod::None,
        Some(m) if m == "client_secret_post" => TokenEndpointAuthMethod::ClientSecretPost,
        Some(m) if m == "client_secret_basic" => TokenEndpointAuthMethod::ClientSecretBasic,
        Some(m) => {
            return Err(RegistrationError::metadata(format!(
                "token_endpoint_auth_method {m:?} is not supported (use none, client_secret_post or client_secret_basic)"
            )));
        }
    };

    let grant_types = fields
        .string_list("grant_types", ErrorCode::InvalidClientMetadata)?
        .unwrap_or_else(|| vec!["authorization_code".to_owned()]);
    if grant_types.is_empty() {
        return Err(RegistrationError::metadata("grant_types must not be empty"));
    }
    if let Some(g) = grant_types
        .iter()
        .find(|g| !allowed.grant_types.contains(g))
    {
        return Err(RegistrationError::metadata(format!(
            "grant type {g:?} is not allowed"
        )));
    }

    let response_types = fields
        .string_list("response_types", ErrorCode::InvalidClientMetadata)?
        .unwrap_or_else(|| vec!["code".to_owned()]);
    if let Some(r) = response_types
        .iter()
        .find(|r| !allowed.response_types.contains(r))
    {
        return Err(RegistrationError::metadata(format!(
            "response type {r:?} is not allowed"
        )));
    }

    for (grant, response) in [("authorization_code", "code"), ("implicit", "token")] {
        let has_grant = grant_types.iter().any(|g| g == grant);
        let has_response = response_types.iter().any(|r| r == response);
        if has_grant != has_response {
            return Err(RegistrationError::metadata(format!(
                "grant_types and response_types are inconsistent: grant type {grant:?} goes with response type {response:?}"
            )));
        }
    }

    if !response_types.is_empty() && redirect_uris.is_empty() {
        return Err(RegistrationError::redirect(
            "redirect_uris is required for clients that use response types",
        ));
    }

    let scope = fields.string("scope", ErrorCode::InvalidClientMetadata)?;
    if let Some(scope) = &scope {
        let valid_token = |t: &str| {
            !t.is_empty()
                && t.chars()
                    .all(|c| matches!(c, '\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e'))
        };
        if !scope.split(' ').all(valid_token) {
            return Err(RegistrationError::metadata(
                "scope must be scope tokens separated by single spaces",
            ));
        }
    }

    let contacts = fields
        .string_list("contacts", ErrorCode::InvalidClientMetadata)?
        .unwrap_or_default();
    for c in &contacts {
        let plausible = c
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
            && !c.chars().any(char::is_whitespace);
        if !plausible {
            return Err(RegistrationError::metadata(format!(
                "contact {c:?} is not an e-mail address"
            )));
        }
    }

    let software_id = fields.string("software_id", ErrorCode::InvalidClientMetadata)?;
    let software_version = fields.string("software_version", ErrorCode::InvalidClientMetadata)?;

    Ok(ClientMetadata {
        client_name,
        client_uri: client_uri_text,
        redirect_uris,
        application_type,
        token_endpoint_auth_method,
        grant_types,
        response_types,
        scope,
        logo_uri,
        tos_uri,
        policy_uri,
        contacts,
        software_id,
        software_version,
    })
}

fn parse_client_uri(text: &str) -> Result<Url, RegistrationError> {
    let url = match uri::parse_strict(text) {
        Ok(u) => u,
        Err(UriError::Fragment) => {
            return Err(RegistrationError::metadata(
                "client_uri must not have a fragment",
            ));
        }
        Err(UriError::Invalid) => {
            return Err(RegistrationError::metadata(
                "client_uri is not a valid absolute URI",
            ));
        }
    };
    if url.scheme() != "https" {
        return Err(RegistrationError::metadata("client_uri must be https"));
    }
    match url.host() {
        Some(h) if !uri::is_loopback(&h) => Ok(url),
        _ => Err(RegistrationError::metadata(
            "client_uri must name a host that is not loopback",
        )),
    }
}

/// Typed access to the members of the submitted object.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    /// A string member; JSON `null` counts as absent. Strings with control
    /// characters are refused.
    fn string(&self, name: &str, code: ErrorCode) -> Result<Option<String>, RegistrationError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.chars().any(char::is_control) => Err(
                RegistrationError::new(code, format!("{name} must not contain control characters")),
            ),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(RegistrationError::new(
                code,
                format!("{name} must be a string"),
            )),
        }
    }

    /// An array of distinct strings; JSON `null` counts as absent.
    fn string_list(
        &self,
        name: &str,
        code: ErrorCode,
    ) -> Result<Option<Vec<String>>, RegistrationError> {
        let items = match self.0.get(name) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(items)) => items,
            Some(_) => {
                return Err(RegistrationError::new(
                    code,
                    format!("{name} must be an array of strings"),
                ));
            }
        };
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let Value::String(s) = item else {
                return Err(RegistrationError::new(
                    code,
                    format!("{name} must be an array of strings"),
                ));
            };
            if s.chars().any(char::is_control) {
                return Err(RegistrationError::new(
                    code,
                    format!("{name} must not contain control characters"),
                ));
            }
            if !seen.insert(s.as_str()) {
                return Err(RegistrationError::new(
                    code,
                    format!("{name} lists {s:?} twice"),
                ));
            }
            out.push(s.clone());
        }
        Ok(Some(out))
    }

    /// `logo_uri`, `tos_uri`, `policy_uri`: https on `client_uri`'s host.
    fn informative_uri(
        &self,
        name: &str,
        client_uri: &Url,
    ) -> Result<Option<String>, RegistrationError> {
        let Some(text) = self.string(name, ErrorCode::InvalidClientMetadata)? else {
            return Ok(None);
        };
        match uri::parse_strict(&text) {
            Ok(u) if uri::is_https_on_host(&u, client_uri) => Ok(Some(text)),
            Ok(_) => Err(RegistrationError::metadata(format!(
                "{name} must be https on client_uri's host"
            ))),
            Err(UriError::Fragment) => Err(RegistrationError::metadata(format!(
                "{name} must not have a fragment"
            ))),
            Err(UriError::Invalid) => Err(RegistrationError::metadata(format!(
                "{name} is not a valid absolute URI"
            ))),
        }
    }
}
