//! The wasmtime side: one `Engine` (pooling allocator, epoch interruption),
//! the linkers for each kind of component, and building a fresh `Store`
//! with exactly the capabilities and limits a component is granted.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{
    Config as EngineConfig, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store,
    StoreLimitsBuilder,
};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx};
use wasmtime_wasi_http::WasiHttpCtx;

use crate::bindings::{config_store, invites, kv_atomics, kv_store, policy, types};
use crate::config::{Origin, ServerConfig};
use crate::kv::KvScope;
use crate::outgoing::OutgoingHttp;
use crate::state::{HostState, PageContext};

/// How often the epoch advances; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The guest path the template directory is mounted at.
pub const TEMPLATE_GUEST_DIR: &str = "/template";

/// The guest path a plugin's granted `files` directory is mounted at.
pub const FILES_GUEST_DIR: &str = "/data";

/// How much a component may write to stderr in one request.
pub const STDERR_CAPACITY: usize = 64 * 1024;

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
    pool.max_memory_size(server.page_memory_bytes.max(256 << 20));
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config).context(
        "creating the wasmtime engine (its instance pool reserves virtual memory for \
         server.max_instances instances: lower it if address space is limited, e.g. by ulimit -v)",
    )?;
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

fn base_linker(engine: &Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    config_store::add_to_linker::<_, HasSelf<HostState>>(&mut linker, |s| s)?;
    Ok(linker)
}

/// Components that serve HTTP (the page, mounted routes): WASI, WASI HTTP,
/// the config store and the page's `welcome:page` imports.
pub fn http_linker(engine: &Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = base_linker(engine)?;
    types::add_to_linker::<_, HasSelf<HostState>>(&mut linker, |s| s)?;
    policy::add_to_linker::<_, HasSelf<HostState>>(&mut linker, |s| s)?;
    invites::add_to_linker::<_, HasSelf<HostState>>(&mut linker, |s| s)?;
    Ok(linker)
}

/// Plugins (policies, invite backends): WASI, WASI HTTP (outgoing only where
/// granted), the config store and the key-value store. No `welcome:page`
/// imports: a plugin cannot create invites or call other policies.
pub fn plugin_linker(engine: &Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = base_linker(engine)?;
    kv_store::add_to_linker::<_, HasSelf<HostState>>(&mut linker, |s| s)?;
    kv_atomics::add_to_linker::<_, HasSelf<HostState>>(&mut linker, |s| s)?;
    Ok(linker)
}

/// Everything that decides what a store may do.
pub struct StoreSpec {
    /// What the config store answers.
    pub options: Arc<Vec<(String, String)>>,
    /// Memory cap in bytes.
    pub memory_bytes: usize,
    /// Deadline.
    pub timeout: Duration,
    /// A directory preopened read-only, and where the guest sees it.
    pub preopen: Option<(PathBuf, &'static str)>,
    /// Environment variables.
    pub environment: Vec<(String, String)>,
    /// Origins outgoing HTTP may reach.
    pub outgoing: Vec<Origin>,
    /// Key-value namespace.
    pub kv: Option<KvScope>,
    /// For page stores.
    pub page: Option<PageContext>,
}

/// A store and the pipe its stderr goes to (read it with [`drain_stderr`]).
pub struct NewStore {
    /// The store.
    pub store: Store<HostState>,
    /// Its stderr.
    pub stderr: MemoryOutputPipe,
}

/// Builds a fresh store from a spec, with its limits and deadline set.
pub fn new_store(engine: &Engine, spec: StoreSpec) -> wasmtime::Result<NewStore> {
    let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
    let mut wasi = WasiCtx::builder();
    wasi.stderr(stderr.clone())
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false);
    if !spec.environment.is_empty() {
        wasi.envs(&spec.environment);
    }
    if let Some((dir, guest)) = &spec.preopen {
        wasi.preopened_dir(dir, guest, FsPerms::ReadOnly)
            .with_context(|| format!("opening {}", dir.display()))?;
    }
    let limits = StoreLimitsBuilder::new()
        .memory_size(spec.memory_bytes)
        .instances(16)
        .tables(64)
        .memories(16)
        .trap_on_grow_failure(true)
        .build();
    let state = HostState {
        wasi: wasi.build(),
        http: WasiHttpCtx::new(),
        outgoing: OutgoingHttp::new(spec.outgoing, spec.timeout),
        table: ResourceTable::new(),
        limits,
        options: spec.options,
        kv: spec.kv,
        page: spec.page,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limits);
    let ticks = (spec.timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
    store.set_epoch_deadline(ticks);
    store.epoch_deadline_trap();
    Ok(NewStore { store, stderr })
}

/// Logs what a component wrote to stderr, line by line, tagged with its
/// tenant and name (truncated: a component cannot flood the log).
pub fn drain_stderr(pipe: &MemoryOutputPipe, tenant: &str, component: &str) {
    let bytes = pipe.contents();
    if bytes.is_empty() {
        return;
    }
    let text = String::from_utf8_lossy(&bytes);
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(20) {
        let line: String = line.chars().take(500).collect();
        tracing::warn!(host = %tenant, component = %component, "component says: {line}");
    }
}
