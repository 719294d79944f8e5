//! Virtual hosts: the tenant a request belongs to (by `Host` header), the
//! component its path is routed to, and its loaded policy chain and invite
//! backend.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{ComponentSource, Config, HostConfig, InviteBackend, PluginConfig};
use crate::registry::{Loaded, Registry, Role};

/// A configured component together with its loaded code.
pub struct Plugin {
    /// Its configuration.
    pub config: PluginConfig,
    /// Its options, shared by every store that runs it.
    pub options: Arc<Vec<(String, String)>>,
    /// Its compiled code.
    pub component: Arc<Loaded>,
}

/// A mounted route.
pub struct Mounted {
    /// Path prefix.
    pub prefix: String,
    /// The component serving it.
    pub plugin: Plugin,
}

/// Where a tenant's invites are created.
pub enum Invites {
    /// The host's SQLite store.
    Native,
    /// A component.
    Component(Box<Plugin>),
}

/// One virtual host, as requests see it.
pub struct Tenant {
    /// The host name, lower case.
    pub name: String,
    /// The template directory preopened for the page.
    pub template_dir: PathBuf,
    /// `invites_page` URL template.
    pub invites_page: Option<String>,
    /// `invite_expiry` in seconds.
    pub invite_expiry: u64,
    /// Path prefix -> component, longest first.
    pub routes: Vec<Mounted>,
    /// The registration policies, in order.
    pub policies: Vec<Plugin>,
    /// Where invites are created.
    pub invites: Invites,
}

impl Tenant {
    /// The route serving `path`: the longest matching prefix, where a prefix
    /// matches itself and, if it ends in `/`, everything below it, and
    /// otherwise `prefix/...`.
    pub fn route(&self, path: &str) -> Option<&Mounted> {
        self.routes.iter().find(|m| prefix_matches(&m.prefix, path))
    }

    /// Whether this tenant mounts the shipped welcome page somewhere.
    pub fn serves_page(&self) -> bool {
        self.routes.iter().any(|m| is_page(&m.plugin.config))
    }
}

/// Whether a plugin is the shipped welcome page (gets the template preopen).
pub fn is_page(p: &PluginConfig) -> bool {
    p.source == ComponentSource::Builtin("welcome-page".into())
}

fn prefix_matches(prefix: &str, path: &str) -> bool {
    path == prefix
        || (prefix.ends_with('/') && path.starts_with(prefix))
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Why a request has no tenant or route; knows its HTTP status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RouteError {
    /// No usable `Host` header.
    #[error("the request has no valid Host header")]
    MissingHost,
    /// A `Host` that is not a host name, IP literal and optional port.
    #[error("the Host header is not a valid host name")]
    BadHost,
    /// No tenant for that host and no default.
    #[error("no site is configured for this host name")]
    UnknownHost(String),
    /// The tenant mounts nothing at that path.
    #[error("nothing is mounted at this path")]
    NoRoute,
}

impl RouteError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            RouteError::MissingHost | RouteError::BadHost => 400,
            RouteError::UnknownHost(_) | RouteError::NoRoute => 404,
        }
    }
}

/// All tenants, by host name.
pub struct Tenants {
    by_name: HashMap<String, Arc<Tenant>>,
    default: Option<Arc<Tenant>>,
}

impl Tenants {
    /// Loads every tenant of a configuration: each distinct component is
    /// loaded once, however many tenants use it.
    pub fn load(
        config: &Config,
        shipped_template: &Path,
        registry: &Registry,
    ) -> wasmtime::Result<Self> {
        let mut loaded: HashMap<(ComponentSource, Role), Arc<Loaded>> = HashMap::new();
        let mut get = |source: &ComponentSource, role: Role| -> wasmtime::Result<Arc<Loaded>> {
            if let Some(l) = loaded.get(&(source.clone(), role)) {
                return Ok(l.clone());
            }
            let l = registry.load(source, role)?;
            loaded.insert((source.clone(), role), l.clone());
            Ok(l)
        };
        let mut plugin = |config: &PluginConfig, role: Role| -> wasmtime::Result<Plugin> {
            Ok(Plugin {
                options: Arc::new(config.options.clone()),
                component: get(&config.source, role)?,
                config: config.clone(),
            })
        };
        let mut by_name = HashMap::new();
        for (name, cfg) in &config.hosts {
            let tenant = build_tenant(cfg, shipped_template, &mut plugin)?;
            by_name.insert(name.clone(), Arc::new(tenant));
        }
        let default = config
            .server
            .default_host
            .as_ref()
            .and_then(|d| by_name.get(d).cloned());
        Ok(Self { by_name, default })
    }

    /// The tenant for a `Host` header value: port stripped, case-insensitive,
    /// a trailing dot ignored; unknown hosts go to the default tenant.
    pub fn resolve(&self, host_header: Option<&str>) -> Result<Arc<Tenant>, RouteError> {
        let header = host_header.ok_or(RouteError::MissingHost)?;
        if !valid_host(header) {
            return Err(RouteError::BadHost);
        }
        let name = host_name(header);
        if name.is_empty() {
            return Err(RouteError::MissingHost);
        }
        self.by_name
            .get(&name)
            .or(self.default.as_ref())
            .cloned()
            .ok_or(RouteError::UnknownHost(name))
    }

    /// Every tenant, in name order.
    pub fn sorted(&self) -> Vec<&Arc<Tenant>> {
        let mut v: Vec<_> = self.by_name.values().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// A tenant by exact (lower-case) name.
    pub fn get(&self, name: &str) -> Option<&Arc<Tenant>> {
        self.by_name.get(name)
    }
}

fn build_tenant(
    cfg: &HostConfig,
    shipped_template: &Path,
    plugin: &mut impl FnMut(&PluginConfig, Role) -> wasmtime::Result<Plugin>,
) -> wasmtime::Result<Tenant> {
    let routes = cfg
        .routes
        .iter()
        .map(|r| {
            Ok(Mounted {
                prefix: r.prefix.clone(),
                plugin: plugin(&r.plugin, Role::Http)?,
            })
        })
        .collect::<wasmtime::Result<Vec<_>>>()?;
    let policies = cfg
        .policies
        .iter()
        .map(|p| plugin(p, Role::Policy))
        .collect::<wasmtime::Result<Vec<_>>>()?;
    let invites = match &cfg.invites {
        InviteBackend::Native => Invites::Native,
        InviteBackend::Component(p) => {
            Invites::Component(Box::new(plugin(p, Role::InviteBackend)?))
        }
    };
    Ok(Tenant {
        name: cfg.name.clone(),
        template_dir: cfg
            .template_dir
            .clone()
            .unwrap_or_else(|| shipped_template.to_path_buf()),
        invites_page: cfg.invites_page.clone(),
        invite_expiry: cfg.invite_expiry,
        routes,
        policies,
        invites,
    })
}

/// Whether a `Host` value is `name[:port]` or `[ipv6][:port]` (RFC 9110
/// §7.2): letters, digits, `-`, `.`, an optional numeric port.
pub fn valid_host(header: &str) -> bool {
    if header.is_empty() || header.len() > 255 {
        return false;
    }
    let (host, port) = if let Some(rest) = header.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            p => match p.strip_prefix(':') {
                Some(p) => ("x", Some(p)),
                None => return false,
            },
        }
    } else {
        match header.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (header, None),
        }
    };
    let host_ok = !host.is_empty()
        && !host.starts_with(['.', '-'])
        && !host.contains("..")
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.parse::<u16>().is_ok());
    host_ok && port_ok
}

/// Lower-cased host name of a `Host` header value, without port or
/// trailing dot. IPv6 literals keep their brackets.
pub fn host_name(header: &str) -> String {
    let h = header.trim();
    let name = if h.starts_with('[') {
        h.split_inclusive(']').next().unwrap_or(h)
    } else {
        h.rsplit_once(':').map_or(h, |(name, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                name
            } else {
                h
            }
        })
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_normalised() {
        assert_eq!(host_name("Example.ORG:8080"), "example.org");
        assert_eq!(host_name("example.org."), "example.org");
        assert_eq!(host_name("[::1]:80"), "[::1]");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn host_headers_are_validated() {
        for ok in [
            "example.org",
            "Example.ORG:8080",
            "127.0.0.1",
            "[::1]",
            "[::1]:80",
            "example.org.",
        ] {
            assert!(valid_host(ok), "{ok}");
        }
        for bad in [
            "",
            "a/b",
            "user@x",
            "a b",
            "[::1",
            "::1",
            "x:99999999",
            "x:",
            "a..b",
            ".x",
            "x:y",
            "é.example",
        ] {
            assert!(!valid_host(bad), "{bad}");
        }
    }

    #[test]
    fn prefixes() {
        assert!(prefix_matches("/", "/style.css"));
        assert!(prefix_matches("/oauth2/", "/oauth2/register"));
        assert!(!prefix_matches("/oauth2/", "/oauth2"));
        assert!(prefix_matches("/x", "/x"));
        assert!(prefix_matches("/x", "/x/y"));
        assert!(!prefix_matches("/x", "/xy"));
    }
}
