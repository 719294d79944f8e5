//! Outgoing HTTP from components: denied unless the component's
//! configuration grants the origin (`allowed_outbound_hosts`, Spin's name).
//! Plain `http` only: this build carries no TLS client.

use std::time::Duration;

use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use crate::config::Origin;

/// The outgoing-HTTP hooks of one store.
pub struct OutgoingHttp {
    allowed: Vec<Origin>,
    default_timeout: Duration,
}

impl OutgoingHttp {
    /// Allows requests to `allowed` only; `default_timeout` bounds connect
    /// and first byte when the guest sets no timeouts.
    pub fn new(allowed: Vec<Origin>, default_timeout: Duration) -> Self {
        Self {
            allowed,
            default_timeout,
        }
    }

    fn permits(&self, uri: &http::Uri) -> bool {
        let Some(scheme) = uri.scheme_str() else {
            return false;
        };
        let Some(host) = uri.host() else {
            return false;
        };
        let port = uri
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        self.allowed.iter().any(|o| o.allows(scheme, host, port))
    }
}

type ResponseFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = Result<(), HttpError>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for OutgoingHttp {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> ResponseFuture {
        if !self.permits(request.uri()) {
            tracing::warn!(uri = %request.uri(), "outgoing HTTP request denied: origin not in allowed_outbound_hosts");
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        if request.uri().scheme_str() != Some("http") {
            tracing::warn!(uri = %request.uri(), "outgoing HTTPS is not supported by this build");
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        let connect_timeout = options
            .and_then(|o| o.connect_timeout)
            .unwrap_or(self.default_timeout);
        let first_byte_timeout = options
            .and_then(|o| o.first_byte_timeout)
            .unwrap_or(self.default_timeout);
        Box::new(send(request, connect_timeout, first_byte_timeout))
    }
}

async fn send(
    mut request: http::Request<WasiBody>,
    connect_timeout: Duration,
    first_byte_timeout: Duration,
) -> wasmtime_wasi_http::Result<(
    http::Response<WasiBody>,
    Box<dyn Future<Output = Result<(), HttpError>> + Send>,
)> {
    let uri = request.uri().clone();
    let host = uri.host().ok_or(HttpError::HttpRequestUriInvalid)?;
    let port = uri.port_u16().unwrap_or(80);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let stream = match tokio::time::timeout(
        connect_timeout,
        tokio::net::TcpStream::connect((host, port)),
    )
    .await
    {
        Ok(Ok(s)) => s,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err(HttpError::ConnectionRefused);
        }
        Ok(Err(e)) => return Err(HttpError::Connect(e)),
        Err(_) => return Err(HttpError::ConnectionTimeout),
    };
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(HttpError::from)?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "outgoing connection ended with an error");
        }
    });
    // The request line carries only path and query; the Host header the rest.
    let path = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    *request.uri_mut() = path.parse().map_err(|_| HttpError::HttpRequestUriInvalid)?;
    let response = tokio::time::timeout(first_byte_timeout, sender.send_request(request))
        .await
        .map_err(|_| HttpError::ConnectionReadTimeout)?
        .map_err(HttpError::from)?;
    let response = response.map(|body| body.map_err(HttpError::from).boxed_unsync());
    Ok((response, Box::new(async { Ok(()) })))
}
