//! The HTTP behaviour of the registration component, independent of any
//! HTTP library: a request in, a status, headers and a JSON body out.

use serde_json::{Value, json};
use url::Url;

use crate::metadata::{ErrorCode, TokenEndpointAuthMethod};
use crate::options::{Options, OptionsError};
use crate::registrar::{NONCE_LEN, Registrar};

/// The largest accepted registration body, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Where clients register (RFC 7591 §3).
pub const REGISTER_PATH: &str = "/oauth2/register";

/// The authorization server metadata document (RFC 8414 §3).
pub const WELL_KNOWN_PATH: &str = "/.well-known/oauth-authorization-server";

/// The path prefix the host mounts the component at.
pub const MOUNT_PREFIX: &str = "/oauth2/";

/// A request body as the component read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// The whole body (at most [`MAX_BODY_BYTES`]).
    Complete(&'a [u8]),
    /// The body exceeded [`MAX_BODY_BYTES`]; reading stopped there.
    TooLarge,
}

/// What the endpoint needs of an HTTP request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method, e.g. `POST`.
    pub method: &'a str,
    /// The full original path, possibly with a query.
    pub path: &'a str,
    /// The request's scheme (`http`/`https`), when known.
    pub scheme: Option<&'a str>,
    /// The request's authority (`Host`), when known.
    pub authority: Option<&'a str>,
    /// The `Content-Type` header, when present.
    pub content_type: Option<&'a str>,
    /// The body (only read for `POST` [`REGISTER_PATH`]; see [`wants_body`]).
    pub body: Body<'a>,
}

/// Per-request facts from the environment.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The tenant's host name.
    pub host: &'a str,
    /// The current time, seconds since the Unix epoch.
    pub now: u64,
    /// Fresh random bytes for the client id's nonce.
    pub nonce: [u8; NONCE_LEN],
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body (empty for `HEAD`).
    pub body: Vec<u8>,
}

impl Response {
    /// The value of the first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Value::Null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn json_doc(status: u16, doc: &Value, no_store: bool) -> Self {
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        if no_store {
            headers.push(("cache-control".to_owned(), "no-store".to_owned()));
            headers.push(("pragma".to_owned(), "no-cache".to_owned()));
        }
        Self {
            status,
            headers,
            body: doc.to_string().into_bytes(),
        }
    }

    fn error(status: u16, error: &str, description: &str) -> Self {
        Self::json_doc(
            status,
            &json!({ "error": error, "error_description": description }),
            true,
        )
    }

    fn method_not_allowed(allow: &str) -> Self {
        let mut r = Self::error(
            405,
            "method_not_allowed",
            &format!("this resource allows {allow}"),
        );
        r.headers.push(("allow".to_owned(), allow.to_owned()));
        r
    }
}

/// Whether the component should read the request body before calling
/// [`handle`]: only for `POST` [`REGISTER_PATH`].
pub fn wants_body(method: &str, path: &str) -> bool {
    method.eq_ignore_ascii_case("POST") && path_only(path) == REGISTER_PATH
}

/// Whether a `Content-Type` value is JSON (`application/json`, any
/// parameters, any case).
pub fn is_json_content_type(value: &str) -> bool {
    let media_type = value.split(';').next().unwrap_or_default().trim();
    media_type.eq_ignore_ascii_case("application/json")
}

fn path_only(path: &str) -> &str {
    path.split(['?', '#']).next().unwrap_or_default()
}

/// Answers one request. `options` is the tenant's configuration or why it
/// is unusable (answered with 500; the caller logs the reason).
pub fn handle(
    request: &Request<'_>,
    options: Result<&Options, &OptionsError>,
    ctx: &Context<'_>,
) -> Response {
    let method = request.method.to_ascii_uppercase();
    match path_only(request.path) {
        REGISTER_PATH => {
            if method != "POST" {
                return Response::method_not_allowed("POST");
            }
            let Ok(options) = options else {
                return not_configured();
            };
            register(request, options, ctx)
        }
        WELL_KNOWN_PATH => {
            if method != "GET" && method != "HEAD" {
                return Response::method_not_allowed("GET, HEAD");
            }
            let Ok(options) = options else {
                return not_configured();
            };
            let mut response = Response::json_doc(200, &well_known(request, options, ctx), false);
            if method == "HEAD" {
                response.body.clear();
            }
            response
        }
        _ => Response::error(404, "not_found", "no such resource"),
    }
}

fn not_configured() -> Response {
    Response::error(
        500,
        "server_error",
        "client registration is not configured on this server",
    )
}

fn register(request: &Request<'_>, options: &Options, ctx: &Context<'_>) -> Response {
    if !request.content_type.is_some_and(is_json_content_type) {
        return Response::error(
            415,
            ErrorCode::InvalidRequest.as_str(),
            "the request body must be application/json",
        );
    }
    let body = match request.body {
        Body::Complete(body) if body.len() <= MAX_BODY_BYTES => body,
        _ => {
            return Response::error(
                413,
                ErrorCode::InvalidRequest.as_str(),
                &format!("the request body exceeds {MAX_BODY_BYTES} bytes"),
            );
        }
    };
    let registrar = Registrar::new(options, ctx.host);
    match registrar.register_json(body, ctx.now, &ctx.nonce) {
        Ok(registration) => Response::json_doc(201, &registration.to_json(), true),
        Err(e) => Response::error(400, e.code.as_str(), &e.description),
    }
}

/// The issuer URL: `oauth2_issuer` if configured, else the request's
/// scheme and authority when the authority names the tenant's host, else
/// `https://<host>`.
pub fn issuer(options: &Options, request: &Request<'_>, host: &str) -> String {
    if let Some(issuer) = &options.oauth2_issuer {
        return issuer.clone();
    }
    let fallback = format!("https://{}", crate::registrar::normalize_host(host));
    let scheme = match request.scheme {
        Some(s) if s.eq_ignore_ascii_case("http") => "http",
        _ => "https",
    };
    let Some(authority) = request.authority else {
        return fallback;
    };
    let Ok(url) = Url::parse(&format!("{scheme}://{authority}/")) else {
        return fallback;
    };
    let same_host = url.host_str().is_some_and(|h| {
        crate::registrar::normalize_host(h) == crate::registrar::normalize_host(host)
    });
    if !same_host
        || url.path() != "/"
        || url.query().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return fallback;
    }
    url.origin().ascii_serialization()
}

fn well_known(request: &Request<'_>, options: &Options, ctx: &Context<'_>) -> Value {
    let issuer = issuer(options, request, ctx.host);
    json!({
        "issuer": issuer,
        "registration_endpoint": format!("{issuer}{REGISTER_PATH}"),
        "grant_types_supported": options.allowed_oauth2_grant_types,
        "response_types_supported": options.allowed_oauth2_response_types,
        "token_endpoint_auth_methods_supported": TokenEndpointAuthMethod::ALL,
    })
}
