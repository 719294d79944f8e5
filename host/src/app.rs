//! The running application: the current configuration and loaded tenants
//! (a snapshot, swapped atomically on reload), the component registry and
//! the shared services. Requests in flight keep the snapshot they started
//! with, so a swap never changes a request half-way.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::ArcSwap;

use crate::config::{ComponentSource, Config, InviteBackend};
use crate::registry::Registry;
use crate::services::Services;
use crate::tenants::Tenants;

/// One consistent configuration with its tenants loaded.
pub struct Snapshot {
    /// The configuration.
    pub config: Config,
    /// The tenants.
    pub tenants: Tenants,
    /// When it was loaded.
    pub loaded_at: SystemTime,
}

/// The application.
pub struct App {
    current: ArcSwap<Snapshot>,
    /// Compiled components.
    pub registry: Registry,
    /// Shared services.
    pub services: Arc<Services>,
    config_path: PathBuf,
    shipped_template: PathBuf,
    reloading: Mutex<()>,
}

impl App {
    /// Loads the first snapshot; any error refuses startup.
    pub fn new(
        config: Config,
        registry: Registry,
        services: Arc<Services>,
        shipped_template: PathBuf,
    ) -> wasmtime::Result<Self> {
        let tenants = Tenants::load(&config, &shipped_template, &registry)?;
        log_plugins(&tenants);
        Ok(Self {
            config_path: config.file.clone(),
            current: ArcSwap::from_pointee(Snapshot {
                config,
                tenants,
                loaded_at: SystemTime::now(),
            }),
            registry,
            services,
            shipped_template,
            reloading: Mutex::new(()),
        })
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// The configuration file.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// Re-reads the configuration and every component file, compiling what
    /// changed, and swaps the result in. On any error the current snapshot
    /// stays and the error is returned (and should be logged). Blocking:
    /// call it off the request path.
    pub fn reload(&self) -> Result<(), String> {
        let _one_at_a_time = self
            .reloading
            .lock()
            .map_err(|_| "reload lock poisoned".to_string())?;
        let config = Config::load(&self.config_path).map_err(|e| e.to_string())?;
        let old = self.snapshot();
        warn_restart_only(&old.config, &config);
        let tenants = Tenants::load(&config, &self.shipped_template, &self.registry)
            .map_err(|e| format!("{e:#}"))?;
        log_plugins(&tenants);
        let in_use = component_files(&config);
        self.registry
            .retain(|s| matches!(s, ComponentSource::Builtin(_)) || in_use.contains(s));
        self.current.store(Arc::new(Snapshot {
            config,
            tenants,
            loaded_at: SystemTime::now(),
        }));
        match self.registry.refusals() {
            0 => tracing::info!("configuration and components reloaded"),
            n => tracing::warn!(
                refused = n,
                "configuration reloaded, but changed component files were refused; their loaded versions keep serving"
            ),
        }
        Ok(())
    }
}

/// Logs which version of each plugin every tenant runs (the status endpoint
/// shows the same).
fn log_plugins(tenants: &Tenants) {
    for tenant in tenants.sorted() {
        let invites = match &tenant.invites {
            crate::tenants::Invites::Component(p) => Some(p.as_ref()),
            crate::tenants::Invites::Native => None,
        };
        for p in tenant.policies.iter().chain(invites) {
            tracing::info!(
                host = %tenant.name, plugin = %p.config.id, component = %p.component.source,
                hash = %&p.component.hash[..16],
                loaded_at = p.component.loaded_at.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
                "plugin in use"
            );
        }
    }
}

/// Every component file a configuration names.
pub fn component_files(config: &Config) -> Vec<ComponentSource> {
    let mut files = Vec::new();
    for host in config.hosts.values() {
        let plugins = host
            .routes
            .iter()
            .map(|r| &r.plugin)
            .chain(&host.policies)
            .chain(match &host.invites {
                InviteBackend::Component(p) => Some(p),
                InviteBackend::Native => None,
            });
        for p in plugins {
            if matches!(p.source, ComponentSource::File(_)) && !files.contains(&p.source) {
                files.push(p.source.clone());
            }
        }
    }
    files
}

fn warn_restart_only(old: &Config, new: &Config) {
    let (a, b) = (&old.server, &new.server);
    for (changed, key) in [
        (a.listen != b.listen, "server.listen"),
        (a.data_dir != b.data_dir, "server.data_dir"),
        (a.kv != b.kv, "server.kv"),
        (a.max_instances != b.max_instances, "server.max_instances"),
        (a.admin_listen != b.admin_listen, "server.admin_listen"),
        (a.admin_token != b.admin_token, "server.admin_token"),
    ] {
        if changed {
            tracing::warn!(key, "this setting changed; it takes effect after a restart");
        }
    }
}
