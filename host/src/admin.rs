//! The admin endpoint: what is loaded, per tenant and plugin (content hash,
//! load time, failure count). Bound to loopback unless the configuration
//! says otherwise, and every request needs the bearer token.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::tenants::{Invites, Plugin};

/// Serves the admin endpoint on `listener` until the process ends.
pub async fn serve(app: Arc<App>, listener: tokio::net::TcpListener, token: Arc<String>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (app, token) = (app.clone(), token.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let (app, token) = (app.clone(), token.clone());
                async move { Ok::<_, Infallible>(handle(&app, &token, req)) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn handle(app: &App, token: &str, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let presented = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !bool::from(presented.as_bytes().ct_eq(token.as_bytes())) {
        let mut r = reply(
            StatusCode::UNAUTHORIZED,
            json!({"error": "a valid bearer token is required"}),
        );
        r.headers_mut().insert(
            hyper::header::WWW_AUTHENTICATE,
            hyper::header::HeaderValue::from_static("Bearer"),
        );
        return r;
    }
    match (req.method().as_str(), req.uri().path()) {
        ("GET", "/status") => reply(StatusCode::OK, status(app)),
        ("POST", "/reload") => match app.reload() {
            Ok(()) => reply(StatusCode::OK, json!({"reloaded": true})),
            Err(e) => reply(StatusCode::CONFLICT, json!({"reloaded": false, "error": e})),
        },
        _ => reply(StatusCode::NOT_FOUND, json!({"error": "not found"})),
    }
}

fn reply(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The status document.
pub fn status(app: &App) -> Value {
    let snapshot = app.snapshot();
    let plugin = |tenant: &str, p: &Plugin| {
        let refused = app
            .registry
            .refusal(&p.component.source)
            .map(|r| json!({"hash": r.hash, "reason": r.reason, "at": unix(r.at)}));
        json!({
            "id": p.config.id,
            "component": p.component.source.to_string(),
            "hash": p.component.hash,
            "loaded_at": unix(p.component.loaded_at),
            "failures": app.services.failures.get(tenant, &p.config.id),
            "refused": refused,
        })
    };
    let tenants: serde_json::Map<String, Value> = snapshot
        .tenants
        .sorted()
        .into_iter()
        .map(|t| {
            let routes: Vec<Value> = t
                .routes
                .iter()
                .map(|m| json!({"prefix": m.prefix, "plugin": plugin(&t.name, &m.plugin)}))
                .collect();
            let policies: Vec<Value> = t.policies.iter().map(|p| plugin(&t.name, p)).collect();
            let invites = match &t.invites {
                Invites::Native => json!("native"),
                Invites::Component(p) => plugin(&t.name, p),
            };
            (
                t.name.clone(),
                json!({"routes": routes, "policies": policies, "invites": invites}),
            )
        })
        .collect();
    json!({
        "config": snapshot.config.file.display().to_string(),
        "loaded_at": unix(snapshot.loaded_at),
        "tenants": tenants,
    })
}

/// The token: the configured one; else the one in `<data_dir>/admin-token`
/// from an earlier start; else a new random one written there (mode 0600).
pub fn token(configured: Option<&str>, data_dir: &std::path::Path) -> std::io::Result<String> {
    if let Some(t) = configured {
        return Ok(t.to_string());
    }
    let path = data_dir.join("admin-token");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 && existing.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(existing.to_string());
        }
    }
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    let token = hex::encode(bytes);
    let tmp = data_dir.join(".admin-token.tmp");
    std::fs::write(&tmp, &token)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, &path)?;
    tracing::info!(file = %path.display(), "admin token written");
    Ok(token)
}

/// Binds the admin listener.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}
