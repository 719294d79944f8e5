//! Compiled components: each one compiled once, pre-instantiated for the
//! role it plays (HTTP handler, policy, invite backend), and cached by its
//! content hash, so a reload recompiles only what changed — and a changed
//! file that fails to compile or does not implement its world is refused
//! while the version already loaded keeps serving.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};
use wasmtime::error::Context as _;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::bindings::{InviteBackendPre, PolicyPluginPre};
use crate::config::ComponentSource;
use crate::embedded;
use crate::runtime;
use crate::state::HostState;

/// What a component is used as; decides its linker and expected exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Serves HTTP (`wasi:http/incoming-handler`): the page or a mounted route.
    Http,
    /// Exports `welcome:page/policy`.
    Policy,
    /// Exports `welcome:page/invites`.
    InviteBackend,
}

impl Role {
    /// The world's name, for messages.
    pub fn world(self) -> &'static str {
        match self {
            Role::Http => "wasi:http/proxy (incoming-handler)",
            Role::Policy => "welcome:page/policy-plugin",
            Role::InviteBackend => "welcome:page/invite-backend",
        }
    }
}

/// The pre-instantiated form for a role.
pub enum Pre {
    /// An HTTP handler.
    Http(ProxyPre<HostState>),
    /// A policy.
    Policy(PolicyPluginPre<HostState>),
    /// An invite backend.
    InviteBackend(InviteBackendPre<HostState>),
}

/// A loaded component and what the status endpoint shows of it.
pub struct Loaded {
    /// Where it came from.
    pub source: ComponentSource,
    /// SHA-256 of its bytes (hex).
    pub hash: String,
    /// When this version was compiled.
    pub loaded_at: SystemTime,
    /// Ready to instantiate.
    pub pre: Pre,
}

/// A changed component file that was refused (the loaded version serves).
#[derive(Debug, Clone)]
pub struct Refusal {
    /// SHA-256 of the refused bytes (hex).
    pub hash: String,
    /// Why.
    pub reason: String,
    /// When.
    pub at: SystemTime,
}

/// Compiles and caches components.
pub struct Registry {
    engine: Engine,
    http_linker: Linker<HostState>,
    plugin_linker: Linker<HostState>,
    cache: Mutex<HashMap<(ComponentSource, Role), Arc<Loaded>>>,
    refused: Mutex<HashMap<ComponentSource, Refusal>>,
}

impl Registry {
    /// A registry on `engine`.
    pub fn new(engine: Engine) -> wasmtime::Result<Self> {
        Ok(Self {
            http_linker: runtime::http_linker(&engine)?,
            plugin_linker: runtime::plugin_linker(&engine)?,
            engine,
            cache: Mutex::new(HashMap::new()),
            refused: Mutex::new(HashMap::new()),
        })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Loads `source` for `role`: the cached version when the bytes are
    /// unchanged; otherwise compiles. When compiling a changed file fails
    /// and an older version is loaded, the older one is kept (and the
    /// failure logged); with no older version the error is returned.
    pub fn load(&self, source: &ComponentSource, role: Role) -> wasmtime::Result<Arc<Loaded>> {
        let key = (source.clone(), role);
        let cached = self.cache.lock().ok().and_then(|c| c.get(&key).cloned());
        let bytes = match read_source(source) {
            Ok(b) => b,
            Err(e) => match cached {
                Some(old) => {
                    tracing::error!(component = %source, error = %format!("{e:#}"), "cannot read the component; keeping the loaded version");
                    return Ok(old);
                }
                None => return Err(e),
            },
        };
        let hash = hex::encode(Sha256::digest(&bytes));
        if let Some(old) = &cached
            && old.hash == hash
        {
            self.clear_refusal(source);
            return Ok(old.clone());
        }
        match self.compile(&bytes, role) {
            Ok(pre) => {
                let loaded = Arc::new(Loaded {
                    source: source.clone(),
                    hash,
                    loaded_at: SystemTime::now(),
                    pre,
                });
                tracing::info!(component = %source, role = ?role, hash = %&loaded.hash[..16], "component loaded");
                if let Ok(mut c) = self.cache.lock() {
                    c.insert(key, loaded.clone());
                }
                self.clear_refusal(source);
                Ok(loaded)
            }
            Err(e) => match cached {
                Some(old) => {
                    let reason = format!("{e:#}");
                    // Recorded before it is logged: whoever reads the log line
                    // finds it on /status too.
                    if let Ok(mut r) = self.refused.lock() {
                        r.insert(
                            source.clone(),
                            Refusal {
                                hash,
                                reason: reason.clone(),
                                at: SystemTime::now(),
                            },
                        );
                    }
                    tracing::error!(
                        component = %source, world = role.world(), error = %reason,
                        "refused the new version of a component; the loaded version keeps serving"
                    );
                    Ok(old)
                }
                None => Err(e.context(format!("loading {source} as {}", role.world()))),
            },
        }
    }

    /// Compiles bytes for a role and checks they implement its world.
    pub fn compile(&self, bytes: &[u8], role: Role) -> wasmtime::Result<Pre> {
        let component =
            Component::new(&self.engine, bytes).context("not a valid WebAssembly component")?;
        let linker = match role {
            Role::Http => &self.http_linker,
            Role::Policy | Role::InviteBackend => &self.plugin_linker,
        };
        let pre = linker
            .instantiate_pre(&component)
            .context("it imports something the host does not provide to this kind of component")?;
        Ok(match role {
            Role::Http => Pre::Http(
                ProxyPre::new(pre).context("it does not export wasi:http/incoming-handler")?,
            ),
            Role::Policy => Pre::Policy(
                PolicyPluginPre::new(pre).context("it does not export welcome:page/policy")?,
            ),
            Role::InviteBackend => Pre::InviteBackend(
                InviteBackendPre::new(pre).context("it does not export welcome:page/invites")?,
            ),
        })
    }

    /// The last refused version of `source`, if its current file was refused.
    pub fn refusal(&self, source: &ComponentSource) -> Option<Refusal> {
        self.refused
            .lock()
            .ok()
            .and_then(|r| r.get(source).cloned())
    }

    /// How many component files are currently refused.
    pub fn refusals(&self) -> usize {
        self.refused.lock().map(|r| r.len()).unwrap_or(0)
    }

    fn clear_refusal(&self, source: &ComponentSource) {
        if let Ok(mut r) = self.refused.lock() {
            r.remove(source);
        }
    }

    /// Drops cached versions no configuration uses any more.
    pub fn retain(&self, keep: impl Fn(&ComponentSource) -> bool) {
        if let Ok(mut c) = self.cache.lock() {
            c.retain(|(source, _), _| keep(source));
        }
        if let Ok(mut r) = self.refused.lock() {
            r.retain(|source, _| keep(source));
        }
    }
}

/// The bytes of a component.
pub fn read_source(source: &ComponentSource) -> wasmtime::Result<Vec<u8>> {
    match source {
        ComponentSource::Builtin(name) => embedded::builtin(name)
            .map(<[u8]>::to_vec)
            .with_context(|| format!("no built-in component called {name}")),
        ComponentSource::File(path) => {
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))
        }
    }
}

/// The names of a component's imports (for `plugin check` and tests).
pub fn imports(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Vec<String>> {
    let component = Component::new(engine, bytes).context("not a valid WebAssembly component")?;
    Ok(component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect())
}
