//! Virtual hosts: the tenant a request belongs to (by `Host` header) and the
//! component its path is routed to.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{ComponentRef, Config, HostConfig};
use crate::policies::PolicyChain;

/// One virtual host, as requests see it.
pub struct Tenant {
    /// The host name, lower case.
    pub name: String,
    /// The page options for the config store.
    pub page_options: Vec<(String, String)>,
    /// The template directory preopened for the page.
    pub template_dir: PathBuf,
    /// `invites_page` URL template.
    pub invites_page: Option<String>,
    /// `invite_expiry` in seconds.
    pub invite_expiry: u64,
    /// Path prefix -> component, longest first.
    pub routes: Vec<(String, ComponentRef)>,
    /// The registration policies, in order.
    pub policies: PolicyChain,
}

impl Tenant {
    /// Builds a tenant from its configuration; `shipped_template` is used
    /// when it names no template directory.
    pub fn new(cfg: &HostConfig, shipped_template: &std::path::Path) -> Self {
        Self {
            name: cfg.name.clone(),
            page_options: cfg.page_options.clone(),
            template_dir: cfg
                .template_dir
                .clone()
                .unwrap_or_else(|| shipped_template.to_path_buf()),
            invites_page: cfg.invites_page.clone(),
            invite_expiry: cfg.invite_expiry,
            routes: cfg.routes.clone(),
            policies: PolicyChain::default(),
        }
    }

    /// The component serving `path`: the longest matching prefix, where a
    /// prefix matches itself and, if it ends in `/`, everything below it.
    pub fn route(&self, path: &str) -> Option<&ComponentRef> {
        self.routes
            .iter()
            .find(|(prefix, _)| {
                path == prefix
                    || (prefix.ends_with('/') && path.starts_with(prefix.as_str()))
                    || path
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .map(|(_, c)| c)
    }
}

/// Why a request has no tenant or route; knows its HTTP status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RouteError {
    /// No usable `Host` header.
    #[error("the request has no valid Host header")]
    MissingHost,
    /// No tenant for that host and no default.
    #[error("no site is configured for host {0:?}")]
    UnknownHost(String),
    /// The tenant mounts nothing at that path.
    #[error("nothing is mounted at this path")]
    NoRoute,
}

impl RouteError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            RouteError::MissingHost => 400,
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
    /// Builds the tenant table from a configuration.
    pub fn from_config(config: &Config, shipped_template: &std::path::Path) -> Self {
        let by_name: HashMap<String, Arc<Tenant>> = config
            .hosts
            .iter()
            .map(|(name, cfg)| (name.clone(), Arc::new(Tenant::new(cfg, shipped_template))))
            .collect();
        let default = config
            .server
            .default_host
            .as_ref()
            .and_then(|d| by_name.get(d).cloned());
        Self { by_name, default }
    }

    /// The tenant for a `Host` header value: port stripped, case-insensitive,
    /// a trailing dot ignored; unknown hosts go to the default tenant.
    pub fn resolve(&self, host_header: Option<&str>) -> Result<Arc<Tenant>, RouteError> {
        let name = host_header
            .map(host_name)
            .filter(|h| !h.is_empty())
            .ok_or(RouteError::MissingHost)?;
        self.by_name
            .get(&name)
            .or(self.default.as_ref())
            .cloned()
            .ok_or(RouteError::UnknownHost(name))
    }

    /// Every tenant.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Tenant>> {
        self.by_name.values()
    }
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
    use std::path::Path;

    fn tenants(text: &str) -> Tenants {
        let config = Config::parse(Path::new("t.toml"), text).unwrap();
        Tenants::from_config(&config, Path::new("/tmp"))
    }

    #[test]
    fn host_names_are_normalised() {
        assert_eq!(host_name("Example.ORG:8080"), "example.org");
        assert_eq!(host_name("example.org."), "example.org");
        assert_eq!(host_name("[::1]:80"), "[::1]");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn unknown_hosts_use_the_default_or_404() {
        let t = tenants("[hosts.a]\n[hosts.b]\n");
        assert_eq!(t.resolve(Some("A:1")).unwrap().name, "a");
        assert_eq!(
            t.resolve(Some("c")).err(),
            Some(RouteError::UnknownHost("c".into()))
        );
        assert_eq!(t.resolve(None).err().map(|e| e.status()), Some(400));
        let t = tenants("[server]\ndefault_host = \"b\"\n[hosts.a]\n[hosts.b]\n");
        assert_eq!(t.resolve(Some("c")).unwrap().name, "b");
    }

    #[test]
    fn longest_prefix_wins() {
        let t = tenants("[hosts.a.routes]\n\"/\" = \"welcome-page\"\n");
        let a = t.resolve(Some("a")).unwrap();
        assert_eq!(a.route("/style.css"), Some(&ComponentRef::WelcomePage));
        let mut tenant = Tenant::new(
            &Config::parse(Path::new("t.toml"), "[hosts.a]\n")
                .unwrap()
                .hosts["a"],
            Path::new("/"),
        );
        tenant.routes = vec![
            ("/oauth2/".into(), ComponentRef::File("o.wasm".into())),
            ("/".into(), ComponentRef::WelcomePage),
        ];
        assert_eq!(
            tenant.route("/oauth2/register"),
            Some(&ComponentRef::File("o.wasm".into()))
        );
        assert_eq!(tenant.route("/oauth2"), Some(&ComponentRef::WelcomePage));
        tenant.routes = vec![("/x".into(), ComponentRef::WelcomePage)];
        assert_eq!(tenant.route("/x/y"), Some(&ComponentRef::WelcomePage));
        assert_eq!(tenant.route("/xy"), None);
    }
}
