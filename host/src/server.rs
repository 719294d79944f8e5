//! The HTTP server: accept connections, pick the tenant and the component,
//! run the component in a fresh store under limits, answer.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::app::App;
use crate::client_addr::client_addr;
use crate::policies::plugin_spec;
use crate::registry::Pre;
use crate::runtime::{self, StoreSpec, TEMPLATE_GUEST_DIR};
use crate::state::PageContext;
use crate::tenants::is_page;

/// The header carrying the client address to components (Spin's name).
pub const CLIENT_ADDR_HEADER: &str = "spin-client-addr";

/// Serves until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let active = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(c) => c,
                    Err(e) => {
                        // Out of file descriptors and the like: pause, go on.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let app = app.clone();
                let active = active.clone();
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(std::time::Duration::from_secs(30))
                    .max_buf_size(64 * 1024)
                    .serve_connection(
                        TokioIo::new(stream),
                        service_fn(move |req| {
                            let app = app.clone();
                            let in_flight = InFlight::new(active.clone());
                            async move {
                                let response = handle(app, req, peer).await;
                                drop(in_flight);
                                Ok::<_, Infallible>(response)
                            }
                        }),
                    );
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: finishing requests in flight");
    // Requests in flight finish; connections with none (idle, or a client
    // still dawdling over its headers) do not hold the exit up.
    let idle = async {
        while active.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        // Let the last responses reach their sockets.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = idle => tracing::info!("no request in flight"),
        () = tokio::time::sleep(std::time::Duration::from_secs(30)) => {
            tracing::warn!("requests still in flight after 30 s; exiting anyway");
        }
    }
    Ok(())
}

/// Counts a request in flight for as long as it lives.
struct InFlight(Arc<std::sync::atomic::AtomicUsize>);

impl InFlight {
    fn new(counter: Arc<std::sync::atomic::AtomicUsize>) -> Self {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(counter)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Handles one request; never fails (errors become responses).
pub async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<HyperOutgoingBody> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let response = dispatch(&app, req, peer).await;
    tracing::debug!(
        %peer, %method, %path, host = host.as_deref().unwrap_or("-"),
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

async fn dispatch(
    app: &App,
    mut req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<HyperOutgoingBody> {
    // One snapshot for the whole request: a reload never changes it half-way.
    let snapshot = app.snapshot();
    let server = &snapshot.config.server;
    // RFC 9112 §3.2.2: an absolute-form target's authority wins over Host;
    // more than one Host header is a bad request.
    if req.headers().get_all(hyper::header::HOST).iter().count() > 1 {
        return plain(400, "More than one Host header.\n");
    }
    if req
        .uri()
        .scheme_str()
        .is_some_and(|s| !s.eq_ignore_ascii_case("http") && !s.eq_ignore_ascii_case("https"))
    {
        return plain(400, "Only http and https targets are served.\n");
    }
    let authority = req.uri().authority().map(|a| a.as_str().to_string());
    let host = authority.as_deref().or_else(|| {
        req.headers()
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
    });
    let tenant = match snapshot.tenants.resolve(host) {
        Ok(t) => t,
        Err(e) => return plain(e.status(), &format!("{e}\n")),
    };
    let Some(mounted) = tenant.route(req.uri().path()) else {
        return plain(404, "Not found.\n");
    };
    let Pre::Http(pre) = &mounted.plugin.component.pre else {
        tracing::error!(host = %tenant.name, prefix = %mounted.prefix, "route points at a component that is not an HTTP handler");
        return plain(500, "Internal server error.\n");
    };
    if let Some(len) = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > server.max_body_bytes as u64
    {
        return plain(413, "Request body too large.\n");
    }
    // Only the server says who the client is.
    let client = client_addr(peer.ip(), req.headers(), &server.trusted_proxies);
    let headers = req.headers_mut();
    headers.remove(CLIENT_ADDR_HEADER);
    if let Ok(v) = hyper::header::HeaderValue::from_str(&client.to_string()) {
        headers.insert(CLIENT_ADDR_HEADER, v);
    }

    // Read the whole body first, bounded in size and time, so a slow or
    // stalled client never holds an instance (or its deadline).
    let (parts, body) = req.into_parts();
    let body = match tokio::time::timeout(
        std::time::Duration::from_millis(server.body_timeout_ms),
        Limited::new(body, server.max_body_bytes).collect(),
    )
    .await
    {
        Err(_) => return plain(408, "The request body did not arrive in time.\n"),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return plain(413, "Request body too large.\n");
        }
        Ok(Err(_)) => return plain(400, "Malformed or interrupted request body.\n"),
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let req = Request::from_parts(parts, Full::new(body));
    let plugin = &mounted.plugin;
    let spec = if is_page(&plugin.config) {
        StoreSpec {
            options: plugin.options.clone(),
            memory_bytes: plugin.config.memory_bytes,
            timeout: plugin.config.timeout,
            preopen: Some((tenant.template_dir.clone(), TEMPLATE_GUEST_DIR)),
            environment: Vec::new(),
            outgoing: Vec::new(),
            kv: None,
            page: Some(PageContext {
                tenant: tenant.clone(),
                services: app.services.clone(),
            }),
        }
    } else {
        StoreSpec {
            kv: None,
            ..plugin_spec(&tenant, &app.services, plugin)
        }
    };
    let timeout = spec.timeout;
    let runtime::NewStore { mut store, stderr } = match runtime::new_store(
        &app.services.engine,
        spec,
    ) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(host = %tenant.name, error = %format!("{e:#}"), "cannot prepare the request");
            return plain(500, "Internal server error.\n");
        }
    };
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let prepared = (|| -> wasmtime::Result<_> {
        let req = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        Ok((req, out))
    })();
    let (wasi_req, out) = match prepared {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(host = %tenant.name, error = %format!("{e:#}"), "bad request");
            return plain(400, "Bad request.\n");
        }
    };
    let pre = pre.clone();
    let tenant_name = tenant.name.clone();
    let component_id = plugin.config.id.clone();
    let task = tokio::spawn(async move {
        let result = async {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, wasi_req, out)
                .await
        }
        .await;
        runtime::drain_stderr(&stderr, &tenant_name, &component_id);
        result
    });
    let tenant_name = tenant.name.clone();
    match tokio::time::timeout(timeout, receiver).await {
        Ok(Ok(Ok(resp))) => resp,
        Ok(Ok(Err(code))) => {
            tracing::warn!(host = %tenant_name, error = ?code, "component answered with an error");
            match code {
                ErrorCode::HttpRequestBodySize(_) => plain(413, "Request body too large.\n"),
                _ => plain(500, "Internal server error.\n"),
            }
        }
        Ok(Err(_)) => {
            // The component never answered: it trapped, hit a limit or returned early.
            let cause = match task.await {
                Ok(Ok(())) => "the component returned without a response".to_string(),
                Ok(Err(e)) => crate::policies::describe_trap(&e),
                Err(e) => format!("task failed: {e}"),
            };
            tracing::error!(host = %tenant_name, %cause, "component failed");
            if cause.contains("pooling") || cause.contains("maximum concurrent") {
                return plain(503, "The server is busy, please try again.\n");
            }
            plain(
                500,
                "Internal server error: the page failed. The administrator has been told.\n",
            )
        }
        Err(_) => {
            task.abort();
            tracing::error!(host = %tenant_name, timeout_ms = timeout.as_millis() as u64, "component timed out");
            plain(503, "The page took too long to answer, please try again.\n")
        }
    }
}

/// A small plain-text response made by the host itself.
pub fn plain(status: u16, text: &str) -> Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from(text.to_string()))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}
