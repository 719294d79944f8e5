//! Shared services every request may use: the engine, the native invite
//! store, the key-value backend and the failure counters shown on the
//! status endpoint.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use wasmtime::Engine;

use crate::invites::InviteStore;
use crate::kv::KvBackend;

/// Shared services.
pub struct Services {
    /// The one engine.
    pub engine: Engine,
    /// The native invite store.
    pub invites: InviteStore,
    /// Plugins' key-value data.
    pub kv: Arc<dyn KvBackend>,
    /// Failure counters by `(tenant, plugin)`.
    pub failures: Counters,
}

/// Event counters keyed by tenant and plugin.
#[derive(Default)]
pub struct Counters {
    inner: Mutex<BTreeMap<(String, String), u64>>,
}

impl Counters {
    /// Counts one event.
    pub fn bump(&self, tenant: &str, plugin: &str) {
        if let Ok(mut m) = self.inner.lock() {
            *m.entry((tenant.to_string(), plugin.to_string()))
                .or_default() += 1;
        }
    }

    /// The count for one plugin of one tenant.
    pub fn get(&self, tenant: &str, plugin: &str) -> u64 {
        self.inner
            .lock()
            .ok()
            .and_then(|m| m.get(&(tenant.to_string(), plugin.to_string())).copied())
            .unwrap_or(0)
    }
}
