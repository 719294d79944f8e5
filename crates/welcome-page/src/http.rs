//! A thin layer over `wasi:http`: read a request (with a body limit) into
//! plain Rust values, and send a response built from plain Rust values.

use std::io::{Read, Write};

use wasip2::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use welcome_core::form::MAX_FORM_BYTES;

/// A request with its body read (at most [`MAX_FORM_BYTES`]).
pub struct Request {
    /// Upper-case method name.
    pub method: String,
    /// Path and query as sent.
    pub path_with_query: String,
    /// The authority (host and port) the visitor used.
    pub authority: String,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// Reads the request; an oversized body or a broken stream gives the
    /// error response to send instead.
    pub fn read(req: IncomingRequest) -> Result<Self, Response> {
        let method = match req.method() {
            Method::Get => "GET".to_string(),
            Method::Head => "HEAD".to_string(),
            Method::Post => "POST".to_string(),
            Method::Put => "PUT".to_string(),
            Method::Delete => "DELETE".to_string(),
            Method::Connect => "CONNECT".to_string(),
            Method::Options => "OPTIONS".to_string(),
            Method::Trace => "TRACE".to_string(),
            Method::Patch => "PATCH".to_string(),
            Method::Other(m) => m.to_ascii_uppercase(),
        };
        let path_with_query = req.path_with_query().unwrap_or_else(|| "/".into());
        let authority = req.authority().unwrap_or_default();
        let headers = req
            .headers()
            .entries()
            .into_iter()
            .map(|(k, v)| {
                (
                    k.to_ascii_lowercase(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect();
        let body = read_body(&req)?;
        Ok(Self {
            method,
            path_with_query,
            authority,
            headers,
            body,
        })
    }

    /// The path without the query string.
    pub fn path(&self) -> &str {
        self.path_with_query
            .split('?')
            .next()
            .unwrap_or(&self.path_with_query)
    }

    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The host name the visitor used, without the port.
    pub fn host_name(&self) -> String {
        let authority = self.header("host").unwrap_or(&self.authority);
        strip_port(authority).to_ascii_lowercase()
    }
}

fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        // IPv6 literal: keep the brackets, drop a port after them.
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or(authority)
}

fn read_body(req: &IncomingRequest) -> Result<Vec<u8>, Response> {
    let Ok(body) = req.consume() else {
        return Ok(Vec::new());
    };
    let Ok(mut stream) = body.stream() else {
        return Ok(Vec::new());
    };
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match Read::read(&mut stream, &mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_FORM_BYTES {
                    return Err(Response::text(413, "Request body too large.\n"));
                }
            }
            // The host cuts a body over its limit: the same answer.
            Err(_) => return Err(Response::text(413, "Request body too large or broken.\n")),
        }
    }
    Ok(buf)
}

/// A response to send.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers to send.
    pub headers: Vec<(String, String)>,
    /// The body (omitted for `HEAD` by [`Response::without_body`]).
    pub body: Vec<u8>,
}

impl Response {
    /// A plain-text response.
    pub fn text(status: u16, text: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            body: text.as_bytes().to_vec(),
        }
    }

    /// An HTML response.
    pub fn html(status: u16, html: String) -> Self {
        Self {
            status,
            headers: vec![
                ("content-type".into(), "text/html; charset=utf-8".into()),
                ("cache-control".into(), "no-cache".into()),
                ("x-content-type-options".into(), "nosniff".into()),
                ("referrer-policy".into(), "same-origin".into()),
                ("x-frame-options".into(), "DENY".into()),
            ],
            body: html.into_bytes(),
        }
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::text(404, "Not found.\n")
    }

    /// 405 with the methods that are allowed.
    pub fn method_not_allowed(allow: &str) -> Self {
        let mut r = Self::text(405, "Method not allowed.\n");
        r.headers.push(("allow".into(), allow.into()));
        r
    }

    /// Sets a header, replacing any of the same name.
    pub fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.retain(|(k, _)| k != name);
        self.headers.push((name.into(), value));
        self
    }

    /// An empty response with only the given headers (for `304`).
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Drops the body (for `HEAD` and `304`).
    pub fn without_body(mut self) -> Self {
        self.body.clear();
        self
    }

    /// Sends the response through the outparam.
    pub fn send(mut self, out: ResponseOutparam) {
        if !self.body.is_empty() {
            // The body is written whole below, so the length is exact.
            self.headers
                .push(("content-length".into(), self.body.len().to_string()));
        }
        let list: Vec<(String, Vec<u8>)> = self
            .headers
            .into_iter()
            .map(|(k, v)| (k, v.into_bytes()))
            .collect();
        let fields = match Fields::from_list(&list) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("welcome-page: bad response header: {e:?}");
                Fields::new()
            }
        };
        let resp = OutgoingResponse::new(fields);
        let _ = resp.set_status_code(self.status);
        let Ok(body) = resp.body() else {
            return;
        };
        ResponseOutparam::set(out, Ok(resp));
        if !self.body.is_empty()
            && let Ok(mut stream) = body.write()
            && let Err(e) =
                Write::write_all(&mut stream, &self.body).and_then(|_| Write::flush(&mut stream))
        {
            eprintln!("welcome-page: writing the response failed: {e}");
        }
        if let Err(e) = OutgoingBody::finish(body, None) {
            eprintln!("welcome-page: finishing the response failed: {e:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strip_port;

    #[test]
    fn ports_are_stripped() {
        assert_eq!(strip_port("example.org:8080"), "example.org");
        assert_eq!(strip_port("[::1]:8080"), "[::1]");
        assert_eq!(strip_port("example.org"), "example.org");
    }
}
