//! The wasmtime side: one `Engine` (pooling allocator, epoch interruption),
//! one linker for page-like components, each component compiled once and
//! kept pre-instantiated; a fresh `Store` per request.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{
    Config as EngineConfig, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store,
    StoreLimitsBuilder,
};
use wasmtime_wasi::{FsPerms, WasiCtx};
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::bindings::{config_store, invites, policy, types};
use crate::config::{ComponentRef, ServerConfig};
use crate::embedded::WELCOME_PAGE_WASM;
use crate::invites::InviteStore;
use crate::outgoing::OutgoingHttp;
use crate::state::PageState;
use crate::tenants::Tenant;

/// How often the epoch advances; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The guest path the template directory is mounted at.
pub const TEMPLATE_GUEST_DIR: &str = "/template";

/// Limits applied to every page store.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    /// Linear memory cap in bytes.
    pub memory_bytes: usize,
    /// Deadline for one request.
    pub timeout: Duration,
}

/// The engine and the pre-instantiated components.
pub struct Runtime {
    engine: Engine,
    welcome_page: ProxyPre<PageState>,
    mounted: HashMap<PathBuf, ProxyPre<PageState>>,
    /// The native invite store.
    pub invites: InviteStore,
    /// Limits for page stores.
    pub limits: PageLimits,
}

/// Builds the engine: async (wasi-http needs it), epoch interruption for
/// deadlines, and a pooling allocator sized by `max_instances`.
pub fn engine(server: &ServerConfig) -> wasmtime::Result<Engine> {
    let mut config = EngineConfig::new();
    config.epoch_interruption(true);
    config.wasm_component_model(true);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(server.max_instances);
    pool.total_core_instances(server.max_instances.saturating_mul(4));
    pool.total_memories(server.max_instances.saturating_mul(2));
    pool.total_tables(server.max_instances.saturating_mul(4));
    pool.max_memory_size(server.page_memory_bytes);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config).context("creating the wasmtime engine")?;
    // Deadlines need a clock: advance the epoch in the background.
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .context("starting the epoch thread")?;
    Ok(engine)
}

/// The linker for components that serve HTTP: WASI, WASI HTTP, the config
/// store and the `welcome:page` imports.
pub fn page_linker(engine: &Engine) -> wasmtime::Result<Linker<PageState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    config_store::add_to_linker::<_, HasSelf<PageState>>(&mut linker, |s| s)?;
    types::add_to_linker::<_, HasSelf<PageState>>(&mut linker, |s| s)?;
    policy::add_to_linker::<_, HasSelf<PageState>>(&mut linker, |s| s)?;
    invites::add_to_linker::<_, HasSelf<PageState>>(&mut linker, |s| s)?;
    Ok(linker)
}

/// Compiles a component that must export `wasi:http/incoming-handler`.
pub fn pre_instantiate(
    engine: &Engine,
    linker: &Linker<PageState>,
    bytes: &[u8],
    what: &str,
) -> wasmtime::Result<ProxyPre<PageState>> {
    let component = Component::new(engine, bytes).with_context(|| format!("compiling {what}"))?;
    let pre = linker
        .instantiate_pre(&component)
        .with_context(|| format!("linking {what}"))?;
    ProxyPre::new(pre).with_context(|| format!("{what} does not export wasi:http/incoming-handler"))
}

impl Runtime {
    /// Compiles the shipped page and every component the tenants mount.
    pub fn new<'a>(
        engine: Engine,
        tenants: impl Iterator<Item = &'a Arc<Tenant>>,
        invites: InviteStore,
        limits: PageLimits,
    ) -> wasmtime::Result<Self> {
        let linker = page_linker(&engine)?;
        let welcome_page =
            pre_instantiate(&engine, &linker, WELCOME_PAGE_WASM, "the welcome page")?;
        let mut mounted = HashMap::new();
        for tenant in tenants {
            for (_, component) in &tenant.routes {
                if let ComponentRef::File(path) = component
                    && !mounted.contains_key(path)
                {
                    let bytes = std::fs::read(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let pre =
                        pre_instantiate(&engine, &linker, &bytes, &path.display().to_string())?;
                    mounted.insert(path.clone(), pre);
                }
            }
        }
        Ok(Self {
            engine,
            welcome_page,
            mounted,
            invites,
            limits,
        })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The pre-instantiated component for a route target.
    pub fn component(&self, target: &ComponentRef) -> Option<&ProxyPre<PageState>> {
        match target {
            ComponentRef::WelcomePage => Some(&self.welcome_page),
            ComponentRef::File(p) => self.mounted.get(p),
        }
    }

    /// A fresh store for one request of `tenant`, with its limits and
    /// deadline set and its template directory preopened read-only.
    pub fn new_store(&self, tenant: &Arc<Tenant>) -> wasmtime::Result<Store<PageState>> {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stderr()
            .preopened_dir(&tenant.template_dir, TEMPLATE_GUEST_DIR, FsPerms::ReadOnly)
            .with_context(|| {
                format!(
                    "opening template directory {}",
                    tenant.template_dir.display()
                )
            })?;
        let wasi = wasi.build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.memory_bytes)
            .instances(16)
            .tables(64)
            .memories(16)
            .trap_on_grow_failure(true)
            .build();
        let state = PageState {
            wasi,
            http: WasiHttpCtx::new(),
            outgoing: OutgoingHttp::default(),
            table: ResourceTable::new(),
            limits,
            tenant: tenant.clone(),
            invites: self.invites.clone(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let ticks = (self.limits.timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        Ok(store)
    }
}
