//! The configuration file: one TOML file with a `[server]` section,
//! `[defaults]` for every host, and one `[hosts."name"]` section per virtual
//! host, using Prosody's option names.
//!
//! Anything wrong — an unknown key, a value of the wrong type or range, a
//! template directory that does not exist — refuses startup with an error
//! naming the file, the line and the key.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod locate;
mod plugin;

use locate::Locator;
use plugin::RawPlugin;
pub use plugin::{ComponentSource, InviteBackend, Origin, PluginConfig};
use toml::Spanned;
use welcome_core::options as opt;

/// A configuration error, located in its file.
#[derive(Debug)]
pub struct ConfigError {
    /// The configuration file.
    pub file: PathBuf,
    /// 1-based line (0 when the file could not be read at all).
    pub line: usize,
    /// The dotted key the error is about (empty when none).
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.reason)
        } else if self.key.is_empty() {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
        } else {
            write!(
                f,
                "{}:{}: key `{}`: {}",
                self.file.display(),
                self.line,
                self.key,
                self.reason
            )
        }
    }
}

impl std::error::Error for ConfigError {}

/// Server-wide settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the invite database (and other state) lives.
    pub data_dir: PathBuf,
    /// The tenant that answers requests for unknown host names (else 404).
    pub default_host: Option<String>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Memory cap for one page instance, in bytes.
    pub page_memory_bytes: usize,
    /// CPU/wall deadline for one page request.
    pub page_timeout_ms: u64,
    /// How long a client may take to send its request body.
    pub body_timeout_ms: u64,
    /// Instances that may exist at once (the pooling allocator's size).
    pub max_instances: u32,
    /// Where plugins' key-value data lives.
    pub kv: KvKind,
    /// Peers whose `Forwarded` / `X-Forwarded-For` headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where the admin (status) endpoint listens, if anywhere.
    pub admin_listen: Option<SocketAddr>,
    /// The admin endpoint's bearer token (`None`: generated at startup).
    pub admin_token: Option<String>,
}

/// One virtual host's settings after defaults are applied.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// The host name, lower case.
    pub name: String,
    /// The page options as the config store hands them to the page
    /// (Prosody's names, values as strings).
    pub page_options: Vec<(String, String)>,
    /// The template directory; `None` means the shipped template.
    pub template_dir: Option<PathBuf>,
    /// mod_invites_page's `invites_page` URL template, if any.
    pub invites_page: Option<String>,
    /// `invite_expiry` in seconds.
    pub invite_expiry: u64,
    /// Path prefix -> component, longest prefix first.
    pub routes: Vec<Route>,
    /// The registration policy chain, in order.
    pub policies: Vec<PluginConfig>,
    /// Where invites are created.
    pub invites: InviteBackend,
}

/// A mounted component: requests whose path starts with `prefix` go to it.
#[derive(Debug, Clone)]
pub struct Route {
    /// A path prefix; `/x/` matches everything below, `/x` itself and `/x/...`.
    pub prefix: String,
    /// The component and its options and grants.
    pub plugin: PluginConfig,
}

/// Key-value storage for plugins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvKind {
    /// In memory: gone on restart.
    Memory,
    /// SQLite under `data_dir`: survives restarts.
    Sqlite,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub file: PathBuf,
    /// Server settings.
    pub server: ServerConfig,
    /// Virtual hosts by lower-case name.
    pub hosts: BTreeMap<String, HostConfig>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    defaults: RawHost,
    #[serde(default)]
    hosts: BTreeMap<Spanned<String>, RawHost>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<Spanned<String>>,
    data_dir: Option<Spanned<String>>,
    default_host: Option<Spanned<String>>,
    max_body_bytes: Option<Spanned<i64>>,
    page_memory_mib: Option<Spanned<i64>>,
    page_timeout_ms: Option<Spanned<i64>>,
    body_timeout_ms: Option<Spanned<i64>>,
    max_instances: Option<Spanned<i64>>,
    kv: Option<Spanned<String>>,
    #[serde(default)]
    trusted_proxies: Vec<Spanned<String>>,
    admin_listen: Option<Spanned<String>>,
    admin_allow_remote: Option<bool>,
    admin_token: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawHost {
    site_name: Option<Spanned<String>>,
    welcome_page_template_path: Option<Spanned<String>>,
    welcome_page_variables: Option<Spanned<toml::Table>>,
    registration_invite_only: Option<Spanned<bool>>,
    welcome_page_open_registration: Option<Spanned<bool>>,
    invite_expiry: Option<Spanned<i64>>,
    invites_page: Option<Spanned<String>>,
    routes: Option<BTreeMap<Spanned<String>, RawRoute>>,
    policies: Option<Vec<RawPlugin>>,
    invites: Option<RawPlugin>,
}

/// A route's target: a component name or path, or a full plugin entry.
#[derive(Clone)]
enum RawRoute {
    Name(String),
    Plugin(Box<RawPlugin>),
}

impl<'de> Deserialize<'de> for RawRoute {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RawRoute;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a component name, a .wasm path, or a table with `component`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawRoute, E> {
                Ok(RawRoute::Name(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawRoute, A::Error> {
                // Keep the map's own deserializer, so spans inside survive.
                RawPlugin::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|p| RawRoute::Plugin(Box::new(p)))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
            file: file.to_path_buf(),
            line: 0,
            key: String::new(),
            reason: format!("cannot read the configuration file: {e}"),
        })?;
        Self::parse(file, &text)
    }

    /// Parses configuration text; `file` names it in errors and anchors
    /// relative paths.
    pub fn parse(file: &Path, text: &str) -> Result<Self, ConfigError> {
        let locate = Locator { file, text };
        let raw: RawConfig = toml::from_str(text).map_err(|e| locate.toml_error(&e))?;
        let base = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));

        let server = server_config(&raw.server, base, &locate)?;
        let mut hosts = BTreeMap::new();
        for (name, host) in &raw.hosts {
            let key = name.get_ref().trim_end_matches('.').to_ascii_lowercase();
            if key.is_empty() || key.contains(['/', ' ', ':']) && !key.starts_with('[') {
                return Err(locate.at(name.span(), "hosts", "not a host name"));
            }
            let merged = merge(&raw.defaults, host);
            let cfg = host_config(&key, &merged, &server, base, &locate)?;
            if hosts.insert(key.clone(), cfg).is_some() {
                return Err(locate.at(
                    name.span(),
                    &format!("hosts.{key}"),
                    "this host is configured twice",
                ));
            }
        }
        if hosts.is_empty() {
            return Err(ConfigError {
                file: file.to_path_buf(),
                line: 1,
                key: "hosts".into(),
                reason: "no host is configured: add a [hosts.\"example.org\"] section".into(),
            });
        }
        if let (Some(default), Some(raw_default)) = (&server.default_host, &raw.server.default_host)
            && !hosts.contains_key(default)
        {
            return Err(locate.at(
                raw_default.span(),
                "server.default_host",
                &format!("`{default}` is not one of the configured hosts"),
            ));
        }
        Ok(Self {
            file: file.to_path_buf(),
            server,
            hosts,
        })
    }
}

fn server_config(
    raw: &RawServer,
    base: &Path,
    locate: &Locator,
) -> Result<ServerConfig, ConfigError> {
    let listen = match &raw.listen {
        Some(s) => s.get_ref().parse().map_err(|_| {
            locate.at(
                s.span(),
                "server.listen",
                "not an address such as 127.0.0.1:8080",
            )
        })?,
        None => DEFAULT_LISTEN.parse().expect("the default address parses"),
    };
    let data_dir = match &raw.data_dir {
        Some(s) => base.join(s.get_ref()),
        None => base.join("data"),
    };
    let positive = |v: &Option<Spanned<i64>>, key: &str, default: i64, max: i64| match v {
        None => Ok(default),
        Some(s) if (1..=max).contains(s.get_ref()) => Ok(*s.get_ref()),
        Some(s) => Err(locate.at(
            s.span(),
            key,
            &format!("must be a whole number from 1 to {max}"),
        )),
    };
    let max_body_bytes = positive(
        &raw.max_body_bytes,
        "server.max_body_bytes",
        64 * 1024,
        16 << 20,
    )?;
    let page_memory_mib = positive(&raw.page_memory_mib, "server.page_memory_mib", 64, 4096)?;
    let page_timeout_ms = positive(
        &raw.page_timeout_ms,
        "server.page_timeout_ms",
        5_000,
        600_000,
    )?;
    let body_timeout_ms = positive(
        &raw.body_timeout_ms,
        "server.body_timeout_ms",
        10_000,
        600_000,
    )?;
    let max_instances = positive(&raw.max_instances, "server.max_instances", 1000, 100_000)?;
    let kv = match &raw.kv {
        None => KvKind::Memory,
        Some(s) if s.get_ref() == "memory" => KvKind::Memory,
        Some(s) if s.get_ref() == "sqlite" => KvKind::Sqlite,
        Some(s) => {
            return Err(locate.at(s.span(), "server.kv", "must be \"memory\" or \"sqlite\""));
        }
    };
    let mut trusted_proxies = Vec::new();
    for p in &raw.trusted_proxies {
        let text = p.get_ref();
        let net = text
            .parse::<ipnet::IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| {
                locate.at(
                    p.span(),
                    "server.trusted_proxies",
                    "each entry must be an address or CIDR such as 10.0.0.0/8",
                )
            })?;
        trusted_proxies.push(net);
    }
    let admin_listen = match &raw.admin_listen {
        None => None,
        Some(s) => {
            let addr: SocketAddr = s.get_ref().parse().map_err(|_| {
                locate.at(
                    s.span(),
                    "server.admin_listen",
                    "not an address such as 127.0.0.1:8081",
                )
            })?;
            if !addr.ip().is_loopback() && raw.admin_allow_remote != Some(true) {
                return Err(locate.at(
                    s.span(),
                    "server.admin_listen",
                    "the admin endpoint is bound to loopback unless `admin_allow_remote = true`",
                ));
            }
            Some(addr)
        }
    };
    let admin_token = match &raw.admin_token {
        None => None,
        Some(v) => {
            let t = plugin::option_text(v.get_ref(), base)
                .map_err(|reason| locate.at(v.span(), "server.admin_token", &reason))?;
            if t.len() < 16 {
                return Err(locate.at(
                    v.span(),
                    "server.admin_token",
                    "must be at least 16 characters",
                ));
            }
            Some(t)
        }
    };
    Ok(ServerConfig {
        kv,
        trusted_proxies,
        admin_listen,
        admin_token,
        listen,
        data_dir,
        default_host: raw
            .default_host
            .as_ref()
            .map(|h| h.get_ref().trim_end_matches('.').to_ascii_lowercase()),
        max_body_bytes: max_body_bytes as usize,
        page_memory_bytes: (page_memory_mib as usize) << 20,
        page_timeout_ms: page_timeout_ms as u64,
        body_timeout_ms: body_timeout_ms as u64,
        max_instances: max_instances as u32,
    })
}

/// A host's own value wins over `[defaults]`.
fn merge(defaults: &RawHost, host: &RawHost) -> RawHost {
    fn pick<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
        a.clone().or_else(|| b.clone())
    }
    RawHost {
        site_name: pick(&host.site_name, &defaults.site_name),
        welcome_page_template_path: pick(
            &host.welcome_page_template_path,
            &defaults.welcome_page_template_path,
        ),
        welcome_page_variables: pick(
            &host.welcome_page_variables,
            &defaults.welcome_page_variables,
        ),
        registration_invite_only: pick(
            &host.registration_invite_only,
            &defaults.registration_invite_only,
        ),
        welcome_page_open_registration: pick(
            &host.welcome_page_open_registration,
            &defaults.welcome_page_open_registration,
        ),
        invite_expiry: pick(&host.invite_expiry, &defaults.invite_expiry),
        invites_page: pick(&host.invites_page, &defaults.invites_page),
        routes: pick(&host.routes, &defaults.routes),
        policies: pick(&host.policies, &defaults.policies),
        invites: pick(&host.invites, &defaults.invites),
    }
}

/// The OAuth registration component: its key must come from a file or the
/// environment and be at least 32 bytes; its metadata document is mounted at
/// the well-known path too.
fn check_oauth_routes(
    routes: &mut Vec<Route>,
    raw: &RawHost,
    key: &impl Fn(&str) -> String,
    locate: &Locator,
) -> Result<(), ConfigError> {
    const KEY: &str = "oauth2_registration_key";
    const WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";
    let oauth: Vec<Route> = routes
        .iter()
        .filter(|r| r.plugin.source == ComponentSource::Builtin("oauth-register".into()))
        .cloned()
        .collect();
    for route in &oauth {
        let span = raw
            .routes
            .iter()
            .flatten()
            .find(|(p, _)| p.get_ref() == &route.prefix)
            .map(|(p, _)| p.span())
            .unwrap_or(0..0);
        let rkey = key(&format!("routes.\"{}\".options.{KEY}", route.prefix));
        let value = route
            .plugin
            .options
            .iter()
            .find(|(k, _)| k == KEY)
            .map(|(_, v)| v);
        match value {
            None => {
                return Err(locate.at(
                    span,
                    &rkey,
                    "is required: the registration key, as { file = \"...\" } or { env = \"...\" }",
                ));
            }
            Some(_) if !route.plugin.secret_options.iter().any(|k| k == KEY) => {
                return Err(locate.at(span, &rkey, "must come from a file or the environment: { file = \"...\" } or { env = \"...\" }, not be written here"));
            }
            Some(v) if v.len() < 32 => {
                return Err(locate.at(
                    span,
                    &rkey,
                    &format!("must be at least 32 bytes, it has {}", v.len()),
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(first) = oauth.first()
        && !routes.iter().any(|r| r.prefix == WELL_KNOWN)
    {
        routes.push(Route {
            prefix: WELL_KNOWN.into(),
            plugin: first.plugin.clone(),
        });
    }
    Ok(())
}

fn entry_span(entry: &RawPlugin) -> std::ops::Range<usize> {
    entry.component_span()
}

fn host_config(
    name: &str,
    raw: &RawHost,
    server: &ServerConfig,
    base: &Path,
    locate: &Locator,
) -> Result<HostConfig, ConfigError> {
    let key = |k: &str| format!("hosts.\"{name}\".{k}");
    let mut pairs: Vec<(String, String)> = vec![(opt::HOST.into(), name.into())];
    if let Some(s) = &raw.site_name {
        pairs.push((opt::SITE_NAME.into(), s.get_ref().clone()));
    }
    if let Some(t) = &raw.welcome_page_variables {
        let json = serde_json::to_string(t.get_ref()).map_err(|e| {
            locate.at(
                t.span(),
                &key(opt::VARIABLES),
                &format!("cannot be shown as JSON: {e}"),
            )
        })?;
        pairs.push((opt::VARIABLES.into(), json));
    }
    if let Some(b) = &raw.registration_invite_only {
        pairs.push((opt::INVITE_ONLY.into(), b.get_ref().to_string()));
    }
    if let Some(b) = &raw.welcome_page_open_registration {
        pairs.push((opt::OPEN_REGISTRATION.into(), b.get_ref().to_string()));
    }
    let invite_expiry = match &raw.invite_expiry {
        Some(s) if *s.get_ref() > 0 => *s.get_ref() as u64,
        Some(s) => {
            return Err(locate.at(
                s.span(),
                &key(opt::INVITE_EXPIRY),
                "must be a positive number of seconds",
            ));
        }
        None => opt::DEFAULT_INVITE_EXPIRY,
    };
    pairs.push((opt::INVITE_EXPIRY.into(), invite_expiry.to_string()));
    // The page applies the same rules; checking here refuses a bad value at
    // startup instead of on a visitor's request.
    let lookup = |k: &str| pairs.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.clone());
    if let Err(e) = welcome_core::PageOptions::from_lookup(lookup) {
        // Point at the option at fault (only the variables can be wrong here:
        // TOML already typed the rest).
        let span = match (&e, &raw.welcome_page_variables) {
            (welcome_core::OptionError::NotTable(_), Some(v)) => v.span(),
            _ => 0..0,
        };
        let k = match e {
            welcome_core::OptionError::NotTable(_) => key(opt::VARIABLES),
            _ => format!("hosts.\"{name}\""),
        };
        return Err(locate.at(span, &k, &e.to_string()));
    }

    let template_dir = match &raw.welcome_page_template_path {
        None => None,
        Some(p) => {
            let dir = base.join(p.get_ref());
            let index = dir.join(welcome_core::asset_path::TEMPLATE_FILE);
            if !dir.is_dir() {
                return Err(locate.at(
                    p.span(),
                    &key("welcome_page_template_path"),
                    &format!("{} is not a directory", dir.display()),
                ));
            }
            if !index.is_file() {
                return Err(locate.at(
                    p.span(),
                    &key("welcome_page_template_path"),
                    &format!("{} has no index.html", dir.display()),
                ));
            }
            Some(dir.canonicalize().unwrap_or(dir))
        }
    };

    let invites_page = match &raw.invites_page {
        None => None,
        Some(s) => {
            let v = s.get_ref();
            if !(v.starts_with("https://") || v.starts_with("http://")) {
                return Err(locate.at(
                    s.span(),
                    &key("invites_page"),
                    "must be an http(s) URL template such as https://example.org/invite?{invite.token}",
                ));
            }
            Some(v.clone())
        }
    };

    let page = PluginConfig {
        id: "welcome-page".into(),
        source: ComponentSource::Builtin("welcome-page".into()),
        options: pairs.clone(),
        memory_bytes: server.page_memory_bytes,
        timeout: std::time::Duration::from_millis(server.page_timeout_ms),
        allowed_outbound_hosts: Vec::new(),
        files: None,
        environment: Vec::new(),
        secret_options: Vec::new(),
    };
    // Every plugin knows its tenant; invite backends also get the invite options.
    let with_host = |mut p: PluginConfig, invite_opts: bool| {
        p.options.retain(|(k, _)| k != opt::HOST);
        p.options.insert(0, (opt::HOST.into(), name.into()));
        if invite_opts {
            for (k, v) in [
                (opt::INVITE_EXPIRY, Some(invite_expiry.to_string())),
                ("invites_page", invites_page.clone()),
            ] {
                if let Some(v) = v
                    && !p.options.iter().any(|(pk, _)| pk == k)
                {
                    p.options.push((k.into(), v));
                }
            }
        }
        p
    };
    let mut routes = Vec::new();
    match &raw.routes {
        None => routes.push(Route {
            prefix: "/".into(),
            plugin: page.clone(),
        }),
        Some(table) => {
            for (prefix, target) in table {
                let p = prefix.get_ref();
                let rkey = key(&format!("routes.\"{p}\""));
                if !p.starts_with('/') {
                    return Err(locate.at(prefix.span(), &rkey, "a route must start with /"));
                }
                let plugin = match target {
                    RawRoute::Name(n) if n == "welcome-page" => page.clone(),
                    RawRoute::Name(n) => {
                        let entry: RawPlugin = toml::from_str(&format!(
                            "component = {}",
                            toml::Value::String(n.clone())
                        ))
                        .map_err(|e| locate.at(prefix.span(), &rkey, e.message()))?;
                        with_host(
                            entry
                                .resolve(&rkey, base, &plugin::BACKEND_DEFAULTS, locate)
                                .map_err(|mut e| {
                                    e.line = locate.line_of(prefix.span().start);
                                    e
                                })?,
                            false,
                        )
                    }
                    RawRoute::Plugin(entry) => with_host(
                        entry.resolve(&rkey, base, &plugin::BACKEND_DEFAULTS, locate)?,
                        false,
                    ),
                };
                routes.push(Route {
                    prefix: p.clone(),
                    plugin,
                });
            }
        }
    }
    check_oauth_routes(&mut routes, raw, &key, locate)?;
    routes.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));

    let mut policies: Vec<PluginConfig> = Vec::new();
    for (i, entry) in raw.policies.iter().flatten().enumerate() {
        let pkey = key(&format!("policies[{i}]"));
        let plugin = with_host(
            entry.resolve(&pkey, base, &plugin::POLICY_DEFAULTS, locate)?,
            false,
        );
        if policies.iter().any(|p| p.id == plugin.id) {
            return Err(locate.at(
                entry_span(entry),
                &pkey,
                &format!("two policies are called `{}`: give one an `id`", plugin.id),
            ));
        }
        policies.push(plugin);
    }
    let invites = match &raw.invites {
        None => InviteBackend::Native,
        Some(entry) => InviteBackend::Component(with_host(
            entry.resolve(&key("invites"), base, &plugin::BACKEND_DEFAULTS, locate)?,
            true,
        )),
    };

    Ok(HostConfig {
        name: name.into(),
        page_options: pairs,
        template_dir,
        invites_page,
        invite_expiry,
        routes,
        policies,
        invites,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/etc/welcome/test.toml"), text)
    }

    #[test]
    fn minimal_config_gets_prosody_defaults() {
        let c = parse("[hosts.\"Example.ORG\"]\n").unwrap();
        let h = &c.hosts["example.org"];
        assert_eq!(h.invite_expiry, 604_800);
        assert_eq!(h.routes.len(), 1);
        assert_eq!(h.routes[0].prefix, "/");
        assert_eq!(
            h.routes[0].plugin.source,
            ComponentSource::Builtin("welcome-page".into())
        );
        assert!(h.policies.is_empty());
        assert!(matches!(h.invites, InviteBackend::Native));
        assert_eq!(c.server.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(c.server.data_dir, Path::new("/etc/welcome/data"));
    }

    #[test]
    fn defaults_apply_and_hosts_override() {
        let c = parse(
            "[defaults]\ninvite_expiry = 60\nsite_name = \"All\"\n[hosts.a]\nsite_name = \"A\"\n[hosts.b]\n",
        )
        .unwrap();
        assert_eq!(c.hosts["a"].invite_expiry, 60);
        let site = |h: &str| {
            c.hosts[h]
                .page_options
                .iter()
                .find(|(k, _)| k == "site_name")
                .map(|(_, v)| v.clone())
        };
        assert_eq!(site("a").as_deref(), Some("A"));
        assert_eq!(site("b").as_deref(), Some("All"));
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e = parse("[hosts.a]\nsite_name = \"x\"\nwelcome_page_colour = 1\n").unwrap_err();
        let s = e.to_string();
        assert_eq!(e.line, 3, "{s}");
        assert!(s.starts_with("/etc/welcome/test.toml:3:"), "{s}");
        assert!(s.contains("welcome_page_colour"), "{s}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let e = parse("[hosts.a]\n\ninvite_expiry = \"soon\"\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.key, "hosts.a.invite_expiry");
        let e = parse("[hosts.a]\ninvite_expiry = -1\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.key.ends_with("invite_expiry"), "{e}");
        let e = parse("[hosts.a]\nregistration_invite_only = \"yes\"\n").unwrap_err();
        assert_eq!(e.key, "hosts.a.registration_invite_only", "{e}");
    }

    #[test]
    fn server_values_are_checked() {
        let e = parse("[server]\nlisten = \"nowhere\"\n[hosts.a]\n").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (2, "server.listen"));
        let e = parse("[server]\ndefault_host = \"b\"\n[hosts.a]\n").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (2, "server.default_host"));
        let e = parse("[server]\nmax_body_bytes = 0\n[hosts.a]\n").unwrap_err();
        assert_eq!(e.key, "server.max_body_bytes");
    }

    #[test]
    fn missing_template_dir_is_refused() {
        let e =
            parse("[hosts.a]\nwelcome_page_template_path = \"/nonexistent/dir\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("not a directory"), "{e}");
    }

    #[test]
    fn no_hosts_is_refused() {
        assert!(parse("").unwrap_err().to_string().contains("no host"));
    }

    #[test]
    fn variables_become_json() {
        let c = parse("[hosts.a]\nwelcome_page_variables = { webchat = \"https://x\", links = [{ text = \"t\", href = \"/h\" }] }\n").unwrap();
        let v = &c.hosts["a"]
            .page_options
            .iter()
            .find(|(k, _)| k == "welcome_page_variables")
            .unwrap()
            .1;
        let json: serde_json::Value = serde_json::from_str(v).unwrap();
        assert_eq!(json["links"][0]["href"], "/h");
    }
}
