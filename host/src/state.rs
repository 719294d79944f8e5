//! What one request's `Store` holds, and the host side of the page's
//! imports: the config store (the tenant's options), the policy chain and
//! the invite store.

use std::sync::Arc;

use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::bindings::{config_store, invites, policy, types};
use crate::invites::{InviteStore, NewInvite};
use crate::outgoing::OutgoingHttp;
use crate::tenants::Tenant;

/// Per-request store data for the page (and other mounted components).
pub struct PageState {
    /// WASI: the template directory, read-only; stderr; no network.
    pub wasi: WasiCtx,
    /// WASI HTTP context.
    pub http: WasiHttpCtx,
    /// Outgoing HTTP policy (denied unless granted).
    pub outgoing: OutgoingHttp,
    /// Resources of this instance.
    pub table: ResourceTable,
    /// Memory and instance limits.
    pub limits: StoreLimits,
    /// The tenant this request belongs to.
    pub tenant: Arc<Tenant>,
    /// The native invite store.
    pub invites: InviteStore,
}

impl WasiView for PageState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for PageState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outgoing,
        }
    }
}

impl config_store::Host for PageState {
    fn get(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<Option<String>, config_store::Error>> {
        Ok(Ok(self
            .tenant
            .page_options
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())))
    }

    fn get_all(&mut self) -> wasmtime::Result<Result<Vec<(String, String)>, config_store::Error>> {
        Ok(Ok(self.tenant.page_options.clone()))
    }
}

impl types::Host for PageState {}

impl policy::Host for PageState {
    async fn check(&mut self, s: types::Submission, current: types::Decision) -> types::Decision {
        let tenant = self.tenant.clone();
        tenant.policies.check(&s, current).await
    }
}

impl invites::Host for PageState {
    async fn create_account(&mut self, source: String) -> Result<invites::Invite, String> {
        let store = self.invites.clone();
        let tenant = self.tenant.clone();
        // SQLite blocks (fsync): keep it off the async workers.
        let result = tokio::task::spawn_blocking(move || {
            store.create(&NewInvite {
                host: &tenant.name,
                expiry: tenant.invite_expiry,
                invites_page: tenant.invites_page.as_deref(),
                source: &source,
            })
        })
        .await;
        match result {
            Ok(Ok(inv)) => {
                tracing::info!(host = %inv.host, source = %inv.source, expires = inv.expires, "invite created");
                Ok(invites::Invite {
                    token: inv.token,
                    uri: inv.uri,
                    landing_page: inv.landing_page,
                    created: inv.created,
                    expires: inv.expires,
                })
            }
            Ok(Err(e)) => {
                tracing::error!(host = %self.tenant.name, error = %e, "creating an invite failed");
                Err(e.to_string())
            }
            Err(e) => {
                tracing::error!(host = %self.tenant.name, error = %e, "invite task failed");
                Err("invite store task failed".into())
            }
        }
    }
}
