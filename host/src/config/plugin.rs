//! Plugin entries: a component (built in or a file), its own options, and
//! the capabilities and limits its configuration grants. Used for policies,
//! invite backends and mounted routes alike.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::ConfigError;
use super::locate::Locator;

/// Components that ship inside the binary, by the name a config uses.
pub const BUILTIN_NAMES: &[&str] = &[
    "welcome-page",
    "rate-limit",
    "network",
    "daily-quota",
    "closed",
    "invites-kv",
    "invites-prosody",
    "oauth-register",
];

/// Where a component's code comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComponentSource {
    /// Shipped inside the binary (one of [`BUILTIN_NAMES`]).
    Builtin(String),
    /// A `.wasm` file (absolute path); watched and hot-swapped.
    File(PathBuf),
}

impl std::fmt::Display for ComponentSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComponentSource::Builtin(n) => write!(f, "builtin:{n}"),
            ComponentSource::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// An origin outgoing HTTP is granted to: scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `http` or `https`.
    pub scheme: String,
    /// Host name or IP literal, lower case.
    pub host: String,
    /// Port (the scheme's default when not written).
    pub port: u16,
}

impl Origin {
    /// Parses `scheme://host[:port]` (a trailing `/` is allowed, nothing more).
    pub fn parse(text: &str) -> Option<Self> {
        let (scheme, rest) = text.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
            return None;
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().ok()?,
                None if after.is_empty() => default_port,
                None => return None,
            };
            (format!("[{h}]"), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().ok()?),
                None => (authority.to_string(), default_port),
            }
        };
        Some(Self {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// Whether a request to `scheme://host:port` is to this origin.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
            && self.host.eq_ignore_ascii_case(host)
            && self.port == port
    }
}

/// One plugin instance's configuration.
#[derive(Debug, Clone)]
pub struct PluginConfig {
    /// Its name within the tenant (scopes its key-value data and logs).
    pub id: String,
    /// Its code.
    pub source: ComponentSource,
    /// Its own options, as the config store hands them out.
    pub options: Vec<(String, String)>,
    /// Memory cap.
    pub memory_bytes: usize,
    /// Deadline of one call.
    pub timeout: Duration,
    /// Origins it may send HTTP requests to (none by default).
    pub allowed_outbound_hosts: Vec<Origin>,
    /// A directory it may read, mounted at `/data` (none by default).
    pub files: Option<PathBuf>,
    /// Environment variables it sees (none by default).
    pub environment: Vec<(String, String)>,
    /// Options whose values were read from a file or the environment
    /// (secrets: never logged, never written in the configuration).
    pub secret_options: Vec<String>,
}

/// Where a tenant's invites are created.
#[derive(Debug, Clone)]
pub enum InviteBackend {
    /// The host's SQLite store.
    Native,
    /// A component exporting `welcome:page/invites`.
    Component(PluginConfig),
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlugin {
    component: Spanned<String>,
    id: Option<Spanned<String>>,
    #[serde(default)]
    options: toml::Table,
    memory_mib: Option<Spanned<i64>>,
    timeout_ms: Option<Spanned<i64>>,
    #[serde(default)]
    allowed_outbound_hosts: Vec<Spanned<String>>,
    files: Option<Spanned<String>>,
    #[serde(default)]
    environment: toml::Table,
}

/// Defaults for one kind of plugin.
pub(super) struct PluginDefaults {
    pub memory_mib: i64,
    pub timeout_ms: i64,
}

/// Policies: small and quick (issue #3: 16 MiB, 50 ms).
pub(super) const POLICY_DEFAULTS: PluginDefaults = PluginDefaults {
    memory_mib: 16,
    timeout_ms: 50,
};

/// Invite backends and mounted routes may do I/O.
pub(super) const BACKEND_DEFAULTS: PluginDefaults = PluginDefaults {
    memory_mib: 32,
    timeout_ms: 5_000,
};

impl RawPlugin {
    /// Where its `component` key is, for errors about the whole entry.
    pub(super) fn component_span(&self) -> std::ops::Range<usize> {
        self.component.span()
    }

    /// Resolves the entry: paths against `base`, secrets from files and the
    /// environment, values to config-store text. `key` is its dotted key.
    pub(super) fn resolve(
        &self,
        key: &str,
        base: &Path,
        defaults: &PluginDefaults,
        locate: &Locator,
    ) -> Result<PluginConfig, ConfigError> {
        let name = self.component.get_ref();
        let source = if BUILTIN_NAMES.contains(&name.as_str()) {
            ComponentSource::Builtin(name.clone())
        } else if name.ends_with(".wasm") {
            let path = base.join(name);
            if !path.is_file() {
                return Err(locate.at(
                    self.component.span(),
                    &format!("{key}.component"),
                    &format!("{} does not exist", path.display()),
                ));
            }
            ComponentSource::File(path.canonicalize().unwrap_or(path))
        } else {
            return Err(locate.at(
                self.component.span(),
                &format!("{key}.component"),
                &format!(
                    "must be a path to a .wasm component or one of: {}",
                    BUILTIN_NAMES.join(", ")
                ),
            ));
        };
        let id = match &self.id {
            Some(id) if valid_id(id.get_ref()) => id.get_ref().clone(),
            Some(id) => {
                return Err(locate.at(
                    id.span(),
                    &format!("{key}.id"),
                    "use letters, digits, '-' and '_' only",
                ));
            }
            None => default_id(&source),
        };
        let mut options = Vec::new();
        let mut secret_options = Vec::new();
        for (k, v) in &self.options {
            if is_indirect(v) {
                secret_options.push(k.clone());
            }
            let text = option_text(v, base).map_err(|reason| {
                locate.at(
                    self.component.span(),
                    &format!("{key}.options.{k}"),
                    &reason,
                )
            })?;
            options.push((k.clone(), text));
        }
        let ranged = |v: &Option<Spanned<i64>>, field: &str, default: i64, max: i64| match v {
            None => Ok(default),
            Some(s) if (1..=max).contains(s.get_ref()) => Ok(*s.get_ref()),
            Some(s) => Err(locate.at(
                s.span(),
                &format!("{key}.{field}"),
                &format!("must be a whole number from 1 to {max}"),
            )),
        };
        let memory_mib = ranged(&self.memory_mib, "memory_mib", defaults.memory_mib, 4096)?;
        let timeout_ms = ranged(&self.timeout_ms, "timeout_ms", defaults.timeout_ms, 600_000)?;
        let mut allowed_outbound_hosts = Vec::new();
        for o in &self.allowed_outbound_hosts {
            let origin = Origin::parse(o.get_ref()).ok_or_else(|| {
                locate.at(
                    o.span(),
                    &format!("{key}.allowed_outbound_hosts"),
                    "each entry must be an origin such as \"https://example.org\" or \"http://127.0.0.1:5280\"",
                )
            })?;
            allowed_outbound_hosts.push(origin);
        }
        let files = match &self.files {
            None => None,
            Some(f) => {
                let dir = base.join(f.get_ref());
                if !dir.is_dir() {
                    return Err(locate.at(
                        f.span(),
                        &format!("{key}.files"),
                        &format!("{} is not a directory", dir.display()),
                    ));
                }
                Some(dir.canonicalize().unwrap_or(dir))
            }
        };
        let mut environment = Vec::new();
        for (k, v) in &self.environment {
            let text = option_text(v, base).map_err(|reason| {
                locate.at(
                    self.component.span(),
                    &format!("{key}.environment.{k}"),
                    &reason,
                )
            })?;
            environment.push((k.clone(), text));
        }
        Ok(PluginConfig {
            id,
            source,
            options,
            memory_bytes: (memory_mib as usize) << 20,
            timeout: Duration::from_millis(timeout_ms as u64),
            allowed_outbound_hosts,
            files,
            environment,
            secret_options,
        })
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn default_id(source: &ComponentSource) -> String {
    match source {
        ComponentSource::Builtin(n) => n.clone(),
        ComponentSource::File(p) => p
            .file_stem()
            .map(|s| {
                s.to_string_lossy().replace(
                    |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_',
                    "_",
                )
            })
            .unwrap_or_else(|| "plugin".into()),
    }
}

/// Whether a value is `{ env = .. }` or `{ file = .. }`.
fn is_indirect(value: &toml::Value) -> bool {
    value
        .as_table()
        .is_some_and(|t| t.len() == 1 && (t.contains_key("env") || t.contains_key("file")))
}

/// A TOML value as config-store text: scalars as their text, arrays and
/// tables as JSON, and `{ env = "VAR" }` / `{ file = "path" }` read now (so
/// secrets need not be written into the configuration).
pub(super) fn option_text(value: &toml::Value, base: &Path) -> Result<String, String> {
    use toml::Value;
    Ok(match value {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Table(t) if t.len() == 1 && t.contains_key("env") => {
            let var = t["env"].as_str().ok_or("`env` must name a variable")?;
            std::env::var(var).map_err(|_| format!("environment variable {var} is not set"))?
        }
        Value::Table(t) if t.len() == 1 && t.contains_key("file") => {
            let file = t["file"].as_str().ok_or("`file` must be a path")?;
            let path = base.join(file);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            text.trim_end_matches(['\n', '\r']).to_string()
        }
        other => serde_json::to_string(other).map_err(|e| e.to_string())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let o = Origin::parse("http://127.0.0.1:5280").unwrap();
        assert!(o.allows("http", "127.0.0.1", 5280));
        assert!(!o.allows("https", "127.0.0.1", 5280));
        assert!(!o.allows("http", "127.0.0.1", 5281));
        let o = Origin::parse("https://Example.org/").unwrap();
        assert!(o.allows("https", "example.org", 443));
        assert!(
            Origin::parse("https://[::1]:8443")
                .unwrap()
                .allows("https", "[::1]", 8443)
        );
        for bad in [
            "ftp://x",
            "http://",
            "http://x/path",
            "example.org",
            "http://u@x",
        ] {
            assert!(Origin::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn option_values() {
        let base = Path::new("/");
        let v: toml::Table =
            toml::from_str("a = 1\nb = true\nc = \"x\"\nd = [\"1\", 2]\n").unwrap();
        assert_eq!(option_text(&v["a"], base).unwrap(), "1");
        assert_eq!(option_text(&v["b"], base).unwrap(), "true");
        assert_eq!(option_text(&v["c"], base).unwrap(), "x");
        assert_eq!(option_text(&v["d"], base).unwrap(), "[\"1\",2]");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("key"), "s3cret\n").unwrap();
        let v: toml::Table =
            toml::from_str("k = { file = \"key\" }\ne = { env = \"WELCOME_TEST_NOPE_UNSET\" }")
                .unwrap();
        assert_eq!(option_text(&v["k"], dir.path()).unwrap(), "s3cret");
        assert!(
            option_text(&v["e"], dir.path())
                .unwrap_err()
                .contains("WELCOME_TEST_NOPE_UNSET")
        );
    }
}
