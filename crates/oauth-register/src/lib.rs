//! Stateless OAuth 2.0 dynamic client registration (RFC 7591) as a WASI
//! HTTP component (world `welcome:page/oauth-register`).
//!
//! The host mounts it per tenant at `/oauth2/` and routes
//! `/.well-known/oauth-authorization-server` to it; it sees the full
//! original path. All HTTP semantics live in [`oauth_core::endpoint`]; this
//! crate reads the request (the body with a hard 16 KiB cap), the options
//! from `wasi:config/store`, the clock and fresh random bytes, and writes
//! the response. It also exports `welcome:page/oauth-clients` so an
//! authorization-server component can verify client ids and secrets.
//!
//! Config-store keys: `host` (the tenant, set by the host),
//! `oauth2_registration_key` (required, at least 32 bytes),
//! `oauth2_registration_ttl` (seconds, optional), `allowed_oauth2_grant_types`
//! and `allowed_oauth2_response_types` (space-separated, optional) and
//! `oauth2_issuer` (optional).

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod bindings {
    wit_bindgen::generate!({
        world: "oauth-register",
        path: "../../wit",
        with: {
            "wasi:http/types@0.2.12": wasip2::http::types,
            "wasi:io/error@0.2.12": wasip2::io::error,
            "wasi:io/poll@0.2.12": wasip2::io::poll,
            "wasi:io/streams@0.2.12": wasip2::io::streams,
            "wasi:clocks/monotonic-clock@0.2.12": wasip2::clocks::monotonic_clock,
            "wasi:config/store@0.2.0-draft-2024-09-27": generate,
        },
    });
}

use std::io::{Read as _, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use bindings::exports::welcome::page::oauth_clients::{
    self as wit, RegisteredClient as WitClient, VerifyError as WitVerifyError,
};
use bindings::wasi::config::store;
use oauth_core::endpoint::{self, Body, Context, MAX_BODY_BYTES, Request};
use oauth_core::options::keys;
use oauth_core::{
    ApplicationType, NONCE_LEN, Options, OptionsError, RegisteredClient, Registrar,
    TokenEndpointAuthMethod, VerifyError,
};
use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse,
    ResponseOutparam, Scheme,
};

/// The component: one instance serves one tenant per request.
struct Component;

bindings::export!(Component with_types_in bindings);

/// Reads one config-store key; a store failure is reported, not ignored.
fn config(key: &str) -> Result<Option<String>, String> {
    store::get(key).map_err(|e| match e {
        store::Error::Upstream(m) | store::Error::Io(m) => m,
    })
}

/// The tenant's host name and options, or why registration is unusable.
fn tenant() -> (String, Result<Options, OptionsError>) {
    let host = match config(keys::HOST) {
        Ok(Some(h)) if !h.trim().is_empty() => h,
        Ok(_) => {
            return (
                String::new(),
                Err(OptionsError::Store {
                    key: keys::HOST,
                    reason: "not set by the host".to_owned(),
                }),
            );
        }
        Err(reason) => {
            return (
                String::new(),
                Err(OptionsError::Store {
                    key: keys::HOST,
                    reason,
                }),
            );
        }
    };
    let options = Options::from_lookup(config);
    (host, options)
}

/// Logs an unusable configuration on stderr (never the key itself).
fn log_config_error(host: &str, error: &OptionsError) {
    eprintln!("oauth-register: tenant {host:?}: {error}");
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn nonce() -> [u8; NONCE_LEN] {
    let bytes = wasip2::random::random::get_random_bytes(NONCE_LEN as u64);
    let mut nonce = [0u8; NONCE_LEN];
    for (dst, src) in nonce.iter_mut().zip(bytes) {
        *dst = src;
    }
    nonce
}

fn method_name(method: &Method) -> String {
    match method {
        Method::Get => "GET".to_owned(),
        Method::Head => "HEAD".to_owned(),
        Method::Post => "POST".to_owned(),
        Method::Put => "PUT".to_owned(),
        Method::Delete => "DELETE".to_owned(),
        Method::Connect => "CONNECT".to_owned(),
        Method::Options => "OPTIONS".to_owned(),
        Method::Trace => "TRACE".to_owned(),
        Method::Patch => "PATCH".to_owned(),
        Method::Other(m) => m.clone(),
    }
}

fn header(fields: &Fields, name: &str) -> Option<String> {
    fields
        .get(name)
        .into_iter()
        .next()
        .and_then(|v| String::from_utf8(v).ok())
}

/// The body of the request, reading at most [`MAX_BODY_BYTES`] + 1 bytes.
enum ReadBody {
    Complete(Vec<u8>),
    TooLarge,
    Failed,
}

fn read_body(request: &IncomingRequest, content_length: Option<&str>) -> ReadBody {
    if let Some(len) = content_length.and_then(|l| l.trim().parse::<u64>().ok())
        && len > MAX_BODY_BYTES as u64
    {
        return ReadBody::TooLarge;
    }
    let Ok(body) = request.consume() else {
        return ReadBody::Failed;
    };
    let result = {
        let Ok(stream) = body.stream() else {
            return ReadBody::Failed;
        };
        let mut buf = Vec::new();
        let limit = MAX_BODY_BYTES as u64 + 1;
        match stream.take(limit).read_to_end(&mut buf) {
            Ok(_) if buf.len() > MAX_BODY_BYTES => ReadBody::TooLarge,
            Ok(_) => ReadBody::Complete(buf),
            Err(_) => ReadBody::Failed,
        }
        // the stream is dropped here, before the body
    };
    drop(IncomingBody::finish(body));
    result
}

fn send(out: ResponseOutparam, response: &endpoint::Response) {
    let entries: Vec<(String, Vec<u8>)> = response
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
        .collect();
    let headers = Fields::from_list(&entries).unwrap_or_else(|_| Fields::new());
    let outgoing = OutgoingResponse::new(headers);
    if outgoing.set_status_code(response.status).is_err() {
        eprintln!("oauth-register: invalid status {}", response.status);
    }
    let Ok(body) = outgoing.body() else {
        ResponseOutparam::set(out, Ok(outgoing));
        return;
    };
    ResponseOutparam::set(out, Ok(outgoing));
    if let Ok(mut stream) = body.write()
        && let Err(e) = stream
            .write_all(&response.body)
            .and_then(|()| std::io::Write::flush(&mut stream))
    {
        eprintln!("oauth-register: writing the response failed: {e}");
    }
    if let Err(e) = OutgoingBody::finish(body, None) {
        eprintln!("oauth-register: finishing the response failed: {e:?}");
    }
}

impl bindings::exports::wasi::http::incoming_handler::Guest for Component {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let method = method_name(&request.method());
        let path = request.path_with_query().unwrap_or_else(|| "/".to_owned());
        let scheme = match request.scheme() {
            Some(Scheme::Http) => Some("http".to_owned()),
            Some(Scheme::Https) => Some("https".to_owned()),
            Some(Scheme::Other(s)) => Some(s),
            None => None,
        };
        let authority = request.authority();
        let headers = request.headers();
        let content_type = header(&headers, "content-type");
        let content_length = header(&headers, "content-length");
        drop(headers);

        let body = if endpoint::wants_body(&method, &path) {
            read_body(&request, content_length.as_deref())
        } else {
            ReadBody::Complete(Vec::new())
        };
        let body = match &body {
            ReadBody::Complete(bytes) => Body::Complete(bytes),
            ReadBody::TooLarge => Body::TooLarge,
            ReadBody::Failed => {
                let response = endpoint::Response {
                    status: 400,
                    headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                    body: br#"{"error":"invalid_request","error_description":"the request body could not be read"}"#.to_vec(),
                };
                send(response_out, &response);
                return;
            }
        };

        let (host, options) = tenant();
        if let Err(e) = &options {
            log_config_error(&host, e);
        }
        let req = Request {
            method: &method,
            path: &path,
            scheme: scheme.as_deref(),
            authority: authority.as_deref(),
            content_type: content_type.as_deref(),
            body,
        };
        let ctx = Context {
            host: &host,
            now: now(),
            nonce: nonce(),
        };
        let response = endpoint::handle(&req, options.as_ref(), &ctx);
        send(response_out, &response);
    }
}

fn to_wit(client: RegisteredClient) -> WitClient {
    let m = client.metadata;
    WitClient {
        client_id: client.client_id,
        client_name: m.client_name,
        client_uri: m.client_uri,
        redirect_uris: m.redirect_uris,
        application_type: match m.application_type {
            ApplicationType::Web => wit::ApplicationType::Web,
            ApplicationType::Native => wit::ApplicationType::Native,
        },
        token_endpoint_auth_method: match m.token_endpoint_auth_method {
            TokenEndpointAuthMethod::None => wit::TokenEndpointAuthMethod::None,
            TokenEndpointAuthMethod::ClientSecretPost => {
                wit::TokenEndpointAuthMethod::ClientSecretPost
            }
            TokenEndpointAuthMethod::ClientSecretBasic => {
                wit::TokenEndpointAuthMethod::ClientSecretBasic
            }
        },
        grant_types: m.grant_types,
        response_types: m.response_types,
        scope: m.scope,
        logo_uri: m.logo_uri,
        tos_uri: m.tos_uri,
        policy_uri: m.policy_uri,
        contacts: m.contacts,
        software_id: m.software_id,
        software_version: m.software_version,
        issued_at: client.issued_at,
        expires_at: client.expires_at,
    }
}

impl wit::Guest for Component {
    fn verify(
        client_id: String,
        client_secret: Option<String>,
    ) -> Result<WitClient, WitVerifyError> {
        let (host, options) = tenant();
        let options = match options {
            Ok(o) => o,
            Err(e) => {
                log_config_error(&host, &e);
                return Err(WitVerifyError::NotConfigured);
            }
        };
        Registrar::new(&options, &host)
            .verify(&client_id, client_secret.as_deref(), now())
            .map(to_wit)
            .map_err(|e| match e {
                VerifyError::InvalidClientId => WitVerifyError::InvalidClientId,
                VerifyError::Expired => WitVerifyError::Expired,
                VerifyError::InvalidSecret => WitVerifyError::InvalidSecret,
            })
    }
}
