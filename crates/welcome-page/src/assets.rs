//! Static files from the template directory, with validators and `304`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use welcome_core::AssetPath;

use crate::TEMPLATE_ROOT;
use crate::http::{Request, Response};

/// Serves `GET /<asset>`; anything that is not a regular file inside the
/// template directory is a 404.
pub fn serve(req: &Request) -> Response {
    let Ok(asset) = AssetPath::parse(req.path()) else {
        return Response::not_found();
    };
    let path = format!("{TEMPLATE_ROOT}/{}", asset.relative());
    // The preopen cannot be escaped (WASI resolves symlinks inside it), so a
    // link that points out of the directory fails here as "not found".
    let Ok(meta) = std::fs::metadata(&path) else {
        return Response::not_found();
    };
    if !meta.is_file() {
        return Response::not_found();
    }
    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
    let etag = etag(meta.len(), modified);
    let last_modified = httpdate::fmt_http_date(truncate_to_seconds(modified));
    let content_type = mime_guess::from_ext(asset.extension().unwrap_or(""))
        .first_raw()
        .unwrap_or("application/octet-stream");
    let content_type = if content_type.starts_with("text/") || content_type.ends_with("javascript")
    {
        format!("{content_type}; charset=utf-8")
    } else {
        content_type.to_string()
    };

    if not_modified(req, &etag, modified) {
        return Response::empty(304)
            .with_header("etag", etag)
            .with_header("last-modified", last_modified)
            .with_header("cache-control", CACHE_CONTROL.into());
    }
    let body = match std::fs::read(&path) {
        Ok(b) => b,
        Err(_) => return Response::not_found(),
    };
    let mut resp = Response {
        status: 200,
        headers: vec![
            ("content-type".into(), content_type),
            ("etag".into(), etag),
            ("last-modified".into(), last_modified),
            ("cache-control".into(), CACHE_CONTROL.into()),
            ("x-content-type-options".into(), "nosniff".into()),
        ],
        body,
    };
    if req.method == "HEAD" {
        resp = resp.without_body();
    }
    resp
}

/// Assets may be cached briefly, then revalidated.
const CACHE_CONTROL: &str = "public, max-age=300";

/// A strong validator from size and modification time (as nginx does), so
/// a `304` costs no read of the file.
fn etag(len: u64, modified: SystemTime) -> String {
    let nanos = modified
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("\"{len:x}-{nanos:x}\"")
}

fn truncate_to_seconds(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// RFC 9110 §13.2.2: `If-None-Match` decides when present; otherwise
/// `If-Modified-Since`.
fn not_modified(req: &Request, etag: &str, modified: SystemTime) -> bool {
    if let Some(inm) = req.header("if-none-match") {
        return inm
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag);
    }
    if let Some(ims) = req.header("if-modified-since")
        && let Ok(since) = httpdate::parse_http_date(ims)
    {
        return truncate_to_seconds(modified) <= since;
    }
    false
}
