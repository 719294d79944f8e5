//! What one `Store` holds — for the page, a mounted component, a policy or
//! an invite backend alike — and the host side of the imports that only read
//! that state: the config store and the key-value store.
//!
//! Capabilities are decided when the store is built (see
//! [`crate::runtime::StoreSpec`]): no preopen, environment or outgoing HTTP
//! unless the component's configuration grants it.

use std::sync::Arc;

use wasmtime::StoreLimits;
use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::bindings::{config_store, kv_atomics, kv_store};
use crate::kv::{Bucket, Cas, DEFAULT_BUCKET, KvError, KvScope};
use crate::outgoing::OutgoingHttp;
use crate::services::Services;
use crate::tenants::Tenant;

/// Store data.
pub struct HostState {
    /// WASI context (preopens, environment, stdio).
    pub wasi: WasiCtx,
    /// WASI HTTP context.
    pub http: WasiHttpCtx,
    /// Outgoing HTTP: only to granted origins.
    pub outgoing: OutgoingHttp,
    /// Resources of this instance.
    pub table: ResourceTable,
    /// Memory and instance limits.
    pub limits: StoreLimits,
    /// What `wasi:config/store` answers.
    pub options: Arc<Vec<(String, String)>>,
    /// This component's key-value namespace, if it may have one.
    pub kv: Option<KvScope>,
    /// For page stores: the tenant (policy chain, invites) and shared services.
    pub page: Option<PageContext>,
}

/// What a page store needs to implement its `welcome:page` imports.
pub struct PageContext {
    /// The tenant the request is for.
    pub tenant: Arc<Tenant>,
    /// Engine, invite store, key-value backend, counters.
    pub services: Arc<Services>,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outgoing,
        }
    }
}

impl config_store::Host for HostState {
    fn get(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<Option<String>, config_store::Error>> {
        Ok(Ok(self
            .options
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())))
    }

    fn get_all(&mut self) -> wasmtime::Result<Result<Vec<(String, String)>, config_store::Error>> {
        Ok(Ok(self.options.as_ref().clone()))
    }
}

fn kv_error(e: KvError) -> kv_store::Error {
    kv_store::Error::Other(e.to_string())
}

impl HostState {
    fn scope(&self) -> Result<&KvScope, kv_store::Error> {
        self.kv.as_ref().ok_or(kv_store::Error::AccessDenied)
    }

    fn namespace(&self, bucket: &Resource<Bucket>) -> wasmtime::Result<String> {
        Ok(self.table.get(bucket)?.namespace.clone())
    }
}

impl kv_store::Host for HostState {
    fn open(
        &mut self,
        identifier: String,
    ) -> wasmtime::Result<Result<Resource<Bucket>, kv_store::Error>> {
        let scope = match self.scope() {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        if identifier != DEFAULT_BUCKET {
            return Ok(Err(kv_store::Error::NoSuchStore));
        }
        let namespace = format!("{}/{identifier}", scope.prefix);
        Ok(Ok(self.table.push(Bucket { namespace })?))
    }
}

impl kv_store::HostBucket for HostState {
    fn get(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, kv_store::Error>> {
        let ns = self.namespace(&bucket)?;
        Ok(self
            .scope()
            .and_then(|s| s.backend.get(&ns, &key).map_err(kv_error)))
    }

    fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), kv_store::Error>> {
        let ns = self.namespace(&bucket)?;
        Ok(self
            .scope()
            .and_then(|s| s.backend.set(&ns, &key, &value).map_err(kv_error)))
    }

    fn delete(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<(), kv_store::Error>> {
        let ns = self.namespace(&bucket)?;
        Ok(self
            .scope()
            .and_then(|s| s.backend.delete(&ns, &key).map_err(kv_error)))
    }

    fn exists(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<bool, kv_store::Error>> {
        let ns = self.namespace(&bucket)?;
        Ok(self.scope().and_then(|s| {
            s.backend
                .get(&ns, &key)
                .map(|v| v.is_some())
                .map_err(kv_error)
        }))
    }

    fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> wasmtime::Result<Result<kv_store::KeyResponse, kv_store::Error>> {
        const PAGE: usize = 1000;
        let ns = self.namespace(&bucket)?;
        Ok(self.scope().and_then(|s| {
            let keys = s
                .backend
                .keys(&ns, cursor.as_deref(), PAGE)
                .map_err(kv_error)?;
            let cursor = (keys.len() == PAGE).then(|| keys.last().cloned()).flatten();
            Ok(kv_store::KeyResponse { keys, cursor })
        }))
    }

    fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl kv_atomics::Host for HostState {
    fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: i64,
    ) -> wasmtime::Result<Result<i64, kv_store::Error>> {
        let ns = self.namespace(&bucket)?;
        Ok(self
            .scope()
            .and_then(|s| s.backend.increment(&ns, &key, delta).map_err(kv_error)))
    }

    fn swap(
        &mut self,
        cas: Resource<Cas>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), kv_atomics::CasError>> {
        let c = self.table.delete(cas)?;
        let scope = match self.scope() {
            Ok(s) => s.clone(),
            Err(e) => return Ok(Err(kv_atomics::CasError::StoreError(e))),
        };
        match scope
            .backend
            .compare_and_swap(&c.namespace, &c.key, c.seen.as_deref(), &value)
        {
            Ok(true) => Ok(Ok(())),
            Ok(false) => {
                // Hand back a fresh handle so the guest can retry.
                let seen = scope.backend.get(&c.namespace, &c.key).ok().flatten();
                let again = self.table.push(Cas {
                    namespace: c.namespace,
                    key: c.key,
                    seen,
                })?;
                Ok(Err(kv_atomics::CasError::CasFailed(again)))
            }
            Err(e) => Ok(Err(kv_atomics::CasError::StoreError(kv_error(e)))),
        }
    }
}

impl kv_atomics::HostCas for HostState {
    fn new(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Resource<Cas>, kv_store::Error>> {
        let ns = self.namespace(&bucket)?;
        let seen = match self
            .scope()
            .and_then(|s| s.backend.get(&ns, &key).map_err(kv_error))
        {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        Ok(Ok(self.table.push(Cas {
            namespace: ns,
            key,
            seen,
        })?))
    }

    fn current(
        &mut self,
        cas: Resource<Cas>,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, kv_store::Error>> {
        Ok(Ok(self.table.get(&cas)?.seen.clone()))
    }

    fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}
