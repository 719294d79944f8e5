//! Rendering the page template with the tenant's options.

use welcome_core::{Message, PageOptions, RequestInfo, TemplateContext};

use crate::TEMPLATE_ROOT;
use crate::bindings::wasi::config::store;
use crate::http::{Request, Response};

/// Reads the tenant's options from the config store.
pub fn options() -> Result<PageOptions, String> {
    let pairs = store::get_all().map_err(|e| format!("config store: {e:?}"))?;
    PageOptions::from_lookup(|key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
        .map_err(|e| e.to_string())
}

/// Renders the page with an optional alert, answering `status`.
pub fn show(req: &Request, message: Option<Message>, status: u16) -> Response {
    let opts = match options() {
        Ok(o) => o,
        Err(e) => return misconfigured(&e),
    };
    show_with(req, &opts, message, status)
}

/// Renders the page with options already read.
pub fn show_with(
    req: &Request,
    opts: &PageOptions,
    message: Option<Message>,
    status: u16,
) -> Response {
    let ctx = TemplateContext::new(
        &opts.site_name,
        opts.open_registration,
        &opts.variables,
        RequestInfo {
            method: req.method.clone(),
            path: req.path().to_string(),
            host: req.host_name(),
        },
        message,
    );
    let path = format!(
        "{TEMPLATE_ROOT}/{}",
        welcome_core::asset_path::TEMPLATE_FILE
    );
    let source = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => return misconfigured(&format!("reading template {path}: {e}")),
    };
    match welcome_core::render(&source, &ctx) {
        Ok(html) => {
            let resp = Response::html(status, html);
            if req.method == "HEAD" {
                resp.without_body()
            } else {
                resp
            }
        }
        Err(e) => misconfigured(&format!("rendering template {path}: {e}")),
    }
}

/// A 500 for a tenant whose options or template are broken; the cause goes
/// to the log, not to the visitor.
pub fn misconfigured(cause: &str) -> Response {
    eprintln!("welcome-page: {cause}");
    Response::text(
        500,
        "This site's welcome page is misconfigured. The administrator has been told.\n",
    )
}
