//! The welcome page as a WASI component: `GET /` renders the tenant's
//! template, `GET /<asset>` serves its static files, `POST /` asks the
//! policy chain and, when allowed, creates an invite and redirects to it.
//!
//! Everything tenant-specific arrives at run time: options through
//! `wasi:config/store`, the template through a preopened directory mounted
//! at [`TEMPLATE_ROOT`], policy and invites through `welcome:page` imports.

mod assets;
mod bindings;
mod http;
mod page;
mod register;

use bindings::exports::wasi::http::incoming_handler::Guest;
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

/// Where the host (or Spin's `files`) mounts the template directory.
pub const TEMPLATE_ROOT: &str = "/template";

struct Page;

impl Guest for Page {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let response = match http::Request::read(request) {
            Ok(req) => route(req),
            Err(resp) => resp,
        };
        response.send(out);
    }
}

/// Dispatches a request by path and method.
fn route(req: http::Request) -> http::Response {
    let path = req.path();
    if path == "/" {
        match req.method.as_str() {
            "GET" | "HEAD" => page::show(&req, None, 200),
            "POST" => register::submit(&req),
            _ => http::Response::method_not_allowed("GET, HEAD, POST"),
        }
    } else {
        match req.method.as_str() {
            "GET" | "HEAD" => assets::serve(&req),
            _ => http::Response::method_not_allowed("GET, HEAD"),
        }
    }
}

bindings::export!(Page with_types_in bindings);
