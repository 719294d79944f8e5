//! Outgoing HTTP from components: denied unless a component's configuration
//! grants it (no component is granted any yet).

use wasmtime_wasi_http::{Error as HttpError, WasiBody, WasiHttpHooks};

/// The outgoing-HTTP hooks of one store.
#[derive(Default)]
pub struct OutgoingHttp {
    _private: (),
}

impl WasiHttpHooks for OutgoingHttp {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), HttpError>> + Send>,
                )>,
            > + Send,
    > {
        tracing::warn!(uri = %request.uri(), "outgoing HTTP request denied: not granted by the configuration");
        Box::new(async { Err(HttpError::HttpRequestDenied) })
    }
}
