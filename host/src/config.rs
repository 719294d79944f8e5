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
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
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
    /// Instances that may exist at once (the pooling allocator's size).
    pub max_instances: u32,
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
    pub routes: Vec<(String, ComponentRef)>,
}

/// What a route points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentRef {
    /// The shipped welcome page.
    WelcomePage,
    /// A component file.
    File(PathBuf),
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
    max_instances: Option<Spanned<i64>>,
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
    routes: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
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
            let cfg = host_config(&key, &merged, base, &locate)?;
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
    let max_instances = positive(&raw.max_instances, "server.max_instances", 1000, 100_000)?;
    Ok(ServerConfig {
        listen,
        data_dir,
        default_host: raw
            .default_host
            .as_ref()
            .map(|h| h.get_ref().trim_end_matches('.').to_ascii_lowercase()),
        max_body_bytes: max_body_bytes as usize,
        page_memory_bytes: (page_memory_mib as usize) << 20,
        page_timeout_ms: page_timeout_ms as u64,
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
    }
}

fn host_config(
    name: &str,
    raw: &RawHost,
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
        return Err(ConfigError {
            file: locate.file.to_path_buf(),
            line: 1,
            key: format!("hosts.\"{name}\""),
            reason: e.to_string(),
        });
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

    let mut routes = Vec::new();
    match &raw.routes {
        None => routes.push(("/".to_string(), ComponentRef::WelcomePage)),
        Some(table) => {
            for (prefix, target) in table {
                let p = prefix.get_ref();
                if !p.starts_with('/') {
                    return Err(locate.at(
                        prefix.span(),
                        &key("routes"),
                        "a route must start with /",
                    ));
                }
                let component = match target.get_ref().as_str() {
                    "welcome-page" => ComponentRef::WelcomePage,
                    file if file.ends_with(".wasm") => {
                        let path = base.join(file);
                        if !path.is_file() {
                            return Err(locate.at(
                                target.span(),
                                &key(&format!("routes.\"{p}\"")),
                                &format!("{} does not exist", path.display()),
                            ));
                        }
                        ComponentRef::File(path)
                    }
                    _ => {
                        return Err(locate.at(
                            target.span(),
                            &key(&format!("routes.\"{p}\"")),
                            "must be \"welcome-page\" or a path to a .wasm component",
                        ));
                    }
                };
                routes.push((p.clone(), component));
            }
        }
    }
    routes.sort_by_key(|r| std::cmp::Reverse(r.0.len()));

    Ok(HostConfig {
        name: name.into(),
        page_options: pairs,
        template_dir,
        invites_page,
        invite_expiry,
        routes,
    })
}

/// Turns byte spans into lines.
struct Locator<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Locator<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.text[..offset].bytes().filter(|b| *b == b'\n').count() + 1
    }

    fn at(&self, span: Range<usize>, key: &str, reason: &str) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            line: self.line_of(span.start),
            key: key.into(),
            reason: reason.into(),
        }
    }

    /// A TOML or serde error: the key is read off the line it points at,
    /// prefixed by the table header above it.
    fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let start = e.span().map(|s| s.start).unwrap_or(0);
        let line = self.line_of(start);
        let key = self.key_at_line(line);
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            key,
            reason: e.message().trim().to_string(),
        }
    }

    fn key_at_line(&self, line: usize) -> String {
        let lines: Vec<&str> = self.text.lines().collect();
        let Some(current) = lines.get(line.saturating_sub(1)) else {
            return String::new();
        };
        let table = lines[..line.saturating_sub(1)]
            .iter()
            .rev()
            .map(|l| l.trim())
            .find(|l| l.starts_with('['))
            .map(|l| l.trim_matches(['[', ']']).trim().to_string());
        let current = current.trim();
        if current.starts_with('[') {
            return current.trim_matches(['[', ']']).trim().to_string();
        }
        let own = current.split('=').next().unwrap_or("").trim().to_string();
        match table {
            Some(t) if !own.is_empty() => format!("{t}.{own}"),
            Some(t) => t,
            None => own,
        }
    }
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
        assert_eq!(h.routes, vec![("/".to_string(), ComponentRef::WelcomePage)]);
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
