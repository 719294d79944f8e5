//! The same components on Fermyon Spin: `spin.toml` against Spin's manifest
//! schema, and every shipped component's imports against what Spin serves.
//!
//! What Spin serves is vendored in `tests/spin/wit` (`scripts/vendor-spin-wit.sh`):
//! world `spin:up/platform` lists every import a Spin host satisfies. An import
//! of ours is fine when
//!
//! - (a) Spin provides it, by wasmtime's linker rule (Spin links guests with
//!   `wasmtime::component::Linker`): the exact name, or else the latest
//!   provided version on the same *semver track*. The track is the name up
//!   to the major version (`a:b/c@1` for `1.x.y`), up to the minor version
//!   for `0.x.y` with `x > 0` (`wasi:cli/stdout@0.2`), and nothing for
//!   `0.0.z` and pre-releases (`0.2.0-draft2`, `0.2.0-draft-2024-09-27`),
//!   which only match exactly (wasmtime-environ `alternate_lookup_key`).
//!   So a guest built against WASI 0.2.12 links against Spin's 0.2.6, and the
//!   other way round, provided every function and resource it uses exists
//!   in the version linked: that is checked by name here (WASI never changes
//!   a published function, so names are enough);
//!   An interface of types only (no functions, no resources) needs no
//!   provider at all: wasmtime does not ask the linker for it;
//! - (b) or `spin.toml` lists a component dependency for it, matched the way
//!   Spin's composer matches them (`spin-compose`: same package, same
//!   interface if named, same version if given), whose component exports
//!   exactly that name and whose own imports Spin provides, with the
//!   capabilities it needs (variables, key-value stores, outbound hosts)
//!   inherited from the page.
//!
//! The trigger component must also export an HTTP handler on the track of
//! an `http-trigger` world's export (`wasi:http/incoming-handler@0.2`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use wit_parser::decoding::DecodedWasm;
use wit_parser::{Resolve, TypeDefKind, WorldItem};

// ---------------------------------------------------------------------------
// Interfaces: what a component imports, what Spin provides.

/// An interface by its full name (`wasi:cli/stdout@0.2.12`), with the names
/// of its functions (`get-stdout`, `[method]fields.get`) and resources.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Iface {
    name: String,
    funcs: BTreeSet<String>,
    resources: BTreeSet<String>,
}

impl Iface {
    /// An interface with just these functions (for the rule tests).
    fn with_funcs(name: &str, funcs: &[&str]) -> Self {
        Self {
            name: name.to_string(),
            funcs: funcs.iter().map(|f| f.to_string()).collect(),
            resources: BTreeSet::new(),
        }
    }
}

/// One import of a component: an interface, or a bare function or type
/// (which no Spin host provides; only a dependency could).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Import {
    Interface(Iface),
    Other(String),
}

impl Import {
    fn name(&self) -> &str {
        match self {
            Import::Interface(i) => &i.name,
            Import::Other(n) => n,
        }
    }
}

/// What a built component imports and exports.
#[derive(Debug, Clone)]
struct Face {
    imports: Vec<Import>,
    exports: BTreeSet<String>,
}

fn iface(resolve: &Resolve, name: String, id: wit_parser::InterfaceId) -> Iface {
    let i = &resolve.interfaces[id];
    Iface {
        name,
        funcs: i.functions.keys().cloned().collect(),
        resources: i
            .types
            .iter()
            .filter(|(_, t)| matches!(resolve.types[**t].kind, TypeDefKind::Resource))
            .map(|(n, _)| n.clone())
            .collect(),
    }
}

/// Decodes a component's imports and exports with wit-parser.
fn face_of(path: &Path) -> Face {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let decoded = wit_parser::decoding::decode(&bytes)
        .unwrap_or_else(|e| panic!("decoding {}: {e:#}", path.display()));
    let DecodedWasm::Component(resolve, world) = decoded else {
        panic!("{} is a WIT package, not a component", path.display());
    };
    let w = &resolve.worlds[world];
    let imports = w
        .imports
        .iter()
        .map(|(key, item)| {
            let name = resolve.name_world_key(key);
            match item {
                WorldItem::Interface { id, .. } => Import::Interface(iface(&resolve, name, *id)),
                _ => Import::Other(name),
            }
        })
        .collect();
    let exports = w
        .exports
        .keys()
        .map(|k| resolve.name_world_key(k))
        .collect();
    Face { imports, exports }
}

/// What a Spin host serves: the imports of world `spin:up/platform` and the
/// exports its HTTP trigger runs.
#[derive(Debug, Clone)]
struct Spin {
    provided: BTreeMap<String, Iface>,
    http_exports: BTreeSet<String>,
}

impl Spin {
    /// Reads the vendored WIT (`tests/spin/wit`).
    fn load(dir: &Path) -> Self {
        let mut resolve = Resolve::default();
        let (pkg, _) = resolve
            .push_dir(dir)
            .unwrap_or_else(|e| panic!("parsing Spin's WIT in {}: {e:#}", dir.display()));
        let platform = resolve.packages[pkg]
            .worlds
            .get("platform")
            .copied()
            .unwrap_or_else(|| panic!("{} has no world `platform`", dir.display()));
        let mut provided = BTreeMap::new();
        for (key, item) in &resolve.worlds[platform].imports {
            if let WorldItem::Interface { id, .. } = item {
                let name = resolve.name_world_key(key);
                provided.insert(name.clone(), iface(&resolve, name, *id));
            }
        }
        // Every `http-trigger` world (spin:up's, and the older fermyon:spin
        // one that names the wasi:http 0.2 export Spin still runs).
        let http_exports = resolve
            .worlds
            .iter()
            .filter(|(_, w)| w.name == "http-trigger")
            .flat_map(|(_, w)| w.exports.keys().map(|k| resolve.name_world_key(k)))
            .collect();
        Self {
            provided,
            http_exports,
        }
    }

    /// The interface Spin's linker would hand to an import named `name`:
    /// the exact name, else the latest version on the same semver track.
    fn provider(&self, name: &str) -> Option<&Iface> {
        if let Some(exact) = self.provided.get(name) {
            return Some(exact);
        }
        let track = semver_track(name)?;
        self.provided
            .values()
            .filter(|p| semver_track(&p.name).as_deref() == Some(track.as_str()))
            .max_by_key(|p| version_of(&p.name))
    }

    /// Why Spin cannot satisfy `import` by itself, or `None` when it can.
    fn lacks(&self, import: &Import) -> Option<String> {
        let Import::Interface(want) = import else {
            return Some(format!(
                "`{}` is not an interface: no Spin host provides it",
                import.name()
            ));
        };
        // An instance of types only (records, variants; no functions, no
        // resources) needs no definition: wasmtime type-checks it against
        // nothing (wasmtime#5777; `matching.rs` skips type exports). Our
        // `welcome:page/types` import is one; after Spin composes the policy
        // in, the hoisted import of it is one too.
        if want.funcs.is_empty() && want.resources.is_empty() {
            return None;
        }
        let Some(have) = self.provider(&want.name) else {
            return Some(format!(
                "Spin provides no `{}`{}",
                want.name,
                match semver_track(&want.name) {
                    Some(t) => format!(" (nor any version on the `{t}` track)"),
                    None => " (a pre-release or 0.0.x version: only an exact match links)".into(),
                }
            ));
        };
        let missing: Vec<&str> = want
            .funcs
            .difference(&have.funcs)
            .chain(want.resources.difference(&have.resources))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            None
        } else {
            Some(format!(
                "`{}` links to Spin's `{}`, which has no {}",
                want.name,
                have.name,
                missing.join(", ")
            ))
        }
    }

    /// Whether Spin's HTTP trigger runs a component exporting `name`.
    fn runs_http_export(&self, name: &str) -> bool {
        self.http_exports.iter().any(|e| {
            e == name || (semver_track(e).is_some() && semver_track(e) == semver_track(name))
        })
    }
}

/// A version `major.minor.patch[-pre][+build]`: the numbers and whether it
/// is a pre-release.
fn parse_version(v: &str) -> Option<((u64, u64, u64), bool)> {
    let v = v.split('+').next()?;
    let (core, pre) = match v.split_once('-') {
        Some((core, _)) => (core, true),
        None => (v, false),
    };
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let (major, minor, patch) = (parts.next()??, parts.next()??, parts.next()??);
    parts
        .next()
        .is_none()
        .then_some(((major, minor, patch), pre))
}

fn version_of(name: &str) -> (u64, u64, u64) {
    name.split_once('@')
        .and_then(|(_, v)| parse_version(v))
        .map(|(n, _)| n)
        .unwrap_or_default()
}

/// wasmtime's semver track of a name (wasmtime-environ
/// `component::names::alternate_lookup_key`): names on one track link to
/// each other.
fn semver_track(name: &str) -> Option<String> {
    let (base, version) = name.split_once('@')?;
    let ((major, minor, _), pre) = parse_version(version)?;
    if pre {
        None
    } else if major != 0 {
        Some(format!("{base}@{major}"))
    } else if minor != 0 {
        Some(format!("{base}@0.{minor}"))
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// Component dependencies, as Spin's composer matches them.

/// A dependency name from `[component.x.dependencies]`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DepName {
    /// `foo-bar`
    Plain(String),
    /// `ns:pkg[/interface][@version]`
    Package {
        package: String,
        interface: Option<String>,
        version: Option<String>,
    },
}

impl DepName {
    fn parse(s: &str) -> Self {
        if !s.contains(':') {
            return DepName::Plain(s.to_string());
        }
        let (rest, version) = match s.rsplit_once('@') {
            Some((rest, v)) => (rest, Some(v.to_string())),
            None => (s, None),
        };
        let (package, interface) = match rest.split_once('/') {
            Some((p, i)) => (p.to_string(), Some(i.to_string())),
            None => (rest.to_string(), None),
        };
        DepName::Package {
            package,
            interface,
            version,
        }
    }

    /// spin-compose `matches_import`: same package; same interface when the
    /// dependency names one; the same version when it gives one.
    fn matches(&self, import: &str) -> bool {
        match self {
            DepName::Plain(p) => p == import,
            DepName::Package {
                package,
                interface,
                version,
            } => {
                let Some((ipkg, rest)) = import.split_once('/') else {
                    return false;
                };
                let (iface, iver) = match rest.split_once('@') {
                    Some((i, v)) => (i, Some(v)),
                    None => (rest, None),
                };
                ipkg == package
                    && interface.as_deref().is_none_or(|i| i == iface)
                    && version.as_deref().is_none_or(|v| Some(v) == iver)
            }
        }
    }
}

/// Which of the parent's capabilities a dependency inherits.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Inherit {
    All,
    Some(BTreeSet<String>),
}

impl Inherit {
    fn grants(&self, capability: &str) -> bool {
        match self {
            Inherit::All => true,
            Inherit::Some(keys) => keys.contains(capability),
        }
    }
}

/// The `inherit_configuration` key (SIP 023) that lets a dependency use an
/// import, for imports that need one; `None` for the rest (clocks, random,
/// stdio, …). Without it, Spin plugs a deny-all adapter into the import.
fn capability_for(import: &str) -> Option<&'static str> {
    let i = import.split('@').next().unwrap_or(import);
    if i.starts_with("wasi:config/")
        || i.starts_with("spin:variables/")
        || i.starts_with("fermyon:spin/variables")
        || i == "fermyon:spin/config"
    {
        Some("variables")
    } else if i.starts_with("wasi:keyvalue/")
        || i.starts_with("spin:key-value/")
        || i.starts_with("fermyon:spin/key-value")
    {
        Some("key_value_stores")
    } else if i == "wasi:http/outgoing-handler" || i.starts_with("wasi:sockets/") {
        Some("allowed_outbound_hosts")
    } else if i == "wasi:filesystem/preopens" {
        Some("files")
    } else {
        None
    }
}

/// One entry of `[component.x.dependencies]`.
#[derive(Debug, Clone)]
struct Dependency {
    key: String,
    name: DepName,
    path: Option<String>,
    export: Option<String>,
    inherit: Inherit,
}

/// Checks a component's imports: each must be provided by Spin (a) or by
/// one of `deps` (b); and each dependency must match some import (Spin
/// refuses one that does not). One line per problem.
fn check_imports(label: &str, imports: &[Import], spin: &Spin, deps: &[Dependency]) -> Vec<String> {
    let mut problems = Vec::new();
    for import in imports {
        if deps.iter().any(|d| d.name.matches(import.name())) {
            continue;
        }
        if let Some(why) = spin.lacks(import) {
            problems.push(format!(
                "{label} imports `{}`: {why}, and no dependency in spin.toml provides it",
                import.name()
            ));
        }
    }
    for dep in deps {
        if !imports.iter().any(|i| dep.name.matches(i.name())) {
            problems.push(format!(
                "{label}: dependency \"{}\" matches none of its imports (Spin refuses it)",
                dep.key
            ));
        }
    }
    problems
}

/// Checks a dependency component: it exports the import it satisfies, its
/// own imports are Spin's (a dependency has no dependencies of its own), and
/// it inherits the capabilities those imports need.
fn check_dependency(
    parent: &str,
    dep: &Dependency,
    face: &Face,
    parent_imports: &[Import],
    spin: &Spin,
) -> Vec<String> {
    let label = format!("dependency \"{}\" of {parent}", dep.key);
    let mut problems = Vec::new();
    for import in parent_imports.iter().filter(|i| dep.name.matches(i.name())) {
        let export = dep.export.as_deref().unwrap_or(import.name());
        if !face.exports.contains(export) {
            problems.push(format!(
                "{label} must export `{export}` for the import `{}`; it exports {:?}",
                import.name(),
                face.exports
            ));
        }
    }
    problems.extend(check_imports(&label, &face.imports, spin, &[]));
    for import in &face.imports {
        if let Some(cap) = capability_for(import.name())
            && !dep.inherit.grants(cap)
        {
            problems.push(format!(
                "{label} imports `{}` but does not inherit `{cap}` (set \
                 dependencies_inherit_configuration = true on the component, or \
                 inherit_configuration on the dependency): Spin would deny every call",
                import.name()
            ));
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// spin.toml against Spin's manifest v2 schema.
//
// Field names as in spinframework/spin `crates/manifest/src/schema/v2.rs`
// (v2/component.rs, v2/dependency.rs in Spin 4) and `schema/common.rs`
// (`Variable`, `ComponentBuildConfig`, `WasiFilesMount`); every struct there
// is `deny_unknown_fields`. The HTTP trigger's own fields are
// `spin-http`'s `HttpTriggerConfig` (component, route, executor).

const TOP_LEVEL: &[&str] = &[
    "spin_manifest_version",
    "application",
    "variables",
    "trigger",
    "component",
];
const APPLICATION: &[&str] = &[
    "name",
    "version",
    "description",
    "authors",
    "targets",
    "trigger",
    "tool",
];
const VARIABLE: &[&str] = &["description", "required", "default", "secret"];
const HTTP_TRIGGER: &[&str] = &["id", "component", "route", "executor"];
const COMPONENT: &[&str] = &[
    "source",
    "description",
    "variables",
    "environment",
    "files",
    "exclude_files",
    "allowed_http_hosts",
    "allowed_outbound_hosts",
    "key_value_stores",
    "sqlite_databases",
    "ai_models",
    "targets",
    "build",
    "tool",
    "dependencies_inherit_configuration",
    "dependencies",
    "profile",
];
const BUILD: &[&str] = &["command", "workdir", "watch"];
const FILES_MOUNT: &[&str] = &["source", "destination"];
/// `ComponentDependency`'s table forms: (required fields, optional fields).
const DEPENDENCY_FORMS: &[(&[&str], &[&str])] = &[
    (
        &["version"],
        &["registry", "package", "export", "inherit_configuration"],
    ),
    (&["path"], &["export", "inherit_configuration"]),
    (&["url", "digest"], &["export", "inherit_configuration"]),
    (&["component"], &["export", "inherit_configuration"]),
];
/// SIP 023's capability keys for `inherit_configuration = [...]`.
const INHERIT_KEYS: &[&str] = &[
    "allowed_outbound_hosts",
    "key_value_stores",
    "sqlite_databases",
    "ai_models",
    "variables",
    "environment",
    "files",
];

/// spin-serde `KebabId`: lower-case words of letters and digits joined by
/// single hyphens, starting with a letter.
fn is_kebab(s: &str) -> bool {
    is_words(s, '-')
}

/// spin-serde `SnakeId` / `LowerSnakeId`: the same with underscores.
fn is_lower_snake(s: &str) -> bool {
    is_words(s, '_')
}

fn is_words(s: &str, sep: char) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.split(sep).all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

fn unknown_keys(at: &str, table: &toml::Table, allowed: &[&str], problems: &mut Vec<String>) {
    for key in table.keys() {
        if !allowed.contains(&key.as_str()) {
            problems.push(format!(
                "{at}: unknown field `{key}` (Spin's manifest v2 allows {allowed:?})"
            ));
        }
    }
}

/// Checks field names, value shapes and naming rules of a manifest.
fn check_schema(m: &toml::Table) -> Vec<String> {
    let mut p = Vec::new();
    unknown_keys("spin.toml", m, TOP_LEVEL, &mut p);
    if m.get("spin_manifest_version")
        .and_then(toml::Value::as_integer)
        != Some(2)
    {
        p.push("spin_manifest_version must be 2".into());
    }
    match m.get("application").and_then(toml::Value::as_table) {
        Some(app) => {
            unknown_keys("[application]", app, APPLICATION, &mut p);
            if !app.get("name").is_some_and(toml::Value::is_str) {
                p.push("[application] needs a `name`".into());
            }
        }
        None => p.push("no [application] table".into()),
    }
    for (name, var) in table_of(m, "variables") {
        let at = format!("[variables] {name}");
        if !is_lower_snake(name) {
            p.push(format!(
                "{at}: names are lower_snake_case (letters, digits, underscores)"
            ));
        }
        let Some(var) = var.as_table() else {
            p.push(format!("{at}: must be a table"));
            continue;
        };
        unknown_keys(&at, var, VARIABLE, &mut p);
        let required = var.get("required").and_then(toml::Value::as_bool) == Some(true);
        match (var.get("default"), required) {
            (Some(d), false) if d.is_str() => {}
            (Some(_), false) => p.push(format!("{at}: `default` must be a string")),
            (Some(_), true) => p.push(format!("{at}: `required` may not be set with `default`")),
            (None, false) => p.push(format!("{at}: needs a `default` or `required = true`")),
            (None, true) => {}
        }
    }
    let components = table_of(m, "component");
    let triggers = m.get("trigger").and_then(toml::Value::as_table);
    match triggers
        .and_then(|t| t.get("http"))
        .and_then(toml::Value::as_array)
    {
        Some(list) => {
            for (i, t) in list.iter().enumerate() {
                let at = format!("[[trigger.http]] #{i}");
                let Some(t) = t.as_table() else {
                    p.push(format!("{at}: must be a table"));
                    continue;
                };
                unknown_keys(&at, t, HTTP_TRIGGER, &mut p);
                if !t.get("route").is_some_and(toml::Value::is_str) {
                    p.push(format!("{at}: needs a `route`"));
                }
                match t.get("component").and_then(toml::Value::as_str) {
                    Some(c) if components.contains_key(c) => {}
                    Some(c) => p.push(format!("{at}: component \"{c}\" is not defined")),
                    None => p.push(format!("{at}: needs a `component` (by id)")),
                }
            }
        }
        None => p.push("no [[trigger.http]]".into()),
    }
    for (id, c) in components {
        let at = format!("[component.{id}]");
        if !is_kebab(id) {
            p.push(format!("{at}: component ids are kebab-case"));
        }
        let Some(c) = c.as_table() else {
            p.push(format!("{at}: must be a table"));
            continue;
        };
        unknown_keys(&at, c, COMPONENT, &mut p);
        if c.get("source").is_none() {
            p.push(format!("{at}: needs a `source`"));
        }
        for (name, value) in table_of(c, "variables") {
            if !is_lower_snake(name) {
                p.push(format!(
                    "{at} variable `{name}`: names are lower_snake_case"
                ));
            }
            if !value.is_str() {
                p.push(format!("{at} variable `{name}`: values are strings"));
            }
        }
        for f in c
            .get("files")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            match f {
                toml::Value::String(_) => {}
                toml::Value::Table(t) => {
                    unknown_keys(&format!("{at} files"), t, FILES_MOUNT, &mut p);
                    let dest = t.get("destination").and_then(toml::Value::as_str);
                    if t.get("source").and_then(toml::Value::as_str).is_none()
                        || !dest.is_some_and(|d| d.starts_with('/'))
                    {
                        p.push(format!(
                            "{at} files: {{ source, destination }} with an absolute destination"
                        ));
                    }
                }
                _ => p.push(format!(
                    "{at} files: entries are globs or {{ source, destination }}"
                )),
            }
        }
        for store in c
            .get("key_value_stores")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            if !store
                .as_str()
                .is_some_and(|s| is_kebab(s) || is_lower_snake(s))
            {
                p.push(format!(
                    "{at} key_value_stores: labels are kebab-case or snake_case"
                ));
            }
        }
        if let Some(b) = c.get("build") {
            match b.as_table() {
                Some(b) => {
                    unknown_keys(&format!("{at} build"), b, BUILD, &mut p);
                    if commands(b).is_empty() {
                        p.push(format!(
                            "{at} build: `command` is a string or a list of strings"
                        ));
                    }
                }
                None => p.push(format!("{at} build: must be a table")),
            }
        }
        if c.get("dependencies_inherit_configuration")
            .is_some_and(|v| !v.is_bool())
        {
            p.push(format!(
                "{at}: dependencies_inherit_configuration is a boolean"
            ));
        }
        for (key, dep) in table_of(c, "dependencies") {
            let at = format!("{at} dependency \"{key}\"");
            let Some(dep) = dep.as_table() else {
                if !dep.is_str() {
                    p.push(format!("{at}: a version string or a table"));
                }
                continue;
            };
            let fits = DEPENDENCY_FORMS.iter().any(|(required, optional)| {
                required.iter().all(|r| dep.contains_key(*r))
                    && dep
                        .keys()
                        .all(|k| required.contains(&k.as_str()) || optional.contains(&k.as_str()))
            });
            if !fits {
                p.push(format!(
                    "{at}: fields {:?} fit none of Spin's forms (version/registry/package, path, url+digest, component; each with export, inherit_configuration)",
                    dep.keys().collect::<Vec<_>>()
                ));
            }
            match dep.get("inherit_configuration") {
                None | Some(toml::Value::Boolean(_)) => {}
                Some(toml::Value::Array(keys)) => {
                    for k in keys {
                        if !k.as_str().is_some_and(|k| INHERIT_KEYS.contains(&k)) {
                            p.push(format!(
                                "{at}: inherit_configuration keys are {INHERIT_KEYS:?}"
                            ));
                        }
                    }
                }
                Some(_) => p.push(format!(
                    "{at}: inherit_configuration is a boolean or a list"
                )),
            }
            if dep.contains_key("inherit_configuration")
                && c.contains_key("dependencies_inherit_configuration")
            {
                p.push(format!(
                    "{at}: inherit_configuration and the component's dependencies_inherit_configuration \
                     are mutually exclusive (SIP 023)"
                ));
            }
        }
    }
    p
}

fn table_of<'a>(t: &'a toml::Table, key: &str) -> BTreeMap<&'a str, &'a toml::Value> {
    t.get(key)
        .and_then(toml::Value::as_table)
        .map(|t| t.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

fn commands(build: &toml::Table) -> Vec<&str> {
    match build.get("command") {
        Some(toml::Value::String(s)) => vec![s.as_str()],
        Some(toml::Value::Array(list)) if list.iter().all(toml::Value::is_str) => {
            list.iter().filter_map(toml::Value::as_str).collect()
        }
        _ => Vec::new(),
    }
}

/// The dependencies of a component, with their inheritance resolved.
fn dependencies(component: &toml::Table) -> Vec<Dependency> {
    let all = component
        .get("dependencies_inherit_configuration")
        .and_then(toml::Value::as_bool)
        == Some(true);
    table_of(component, "dependencies")
        .into_iter()
        .map(|(key, value)| {
            let t = value.as_table();
            let get = |k: &str| {
                t.and_then(|t| t.get(k))
                    .and_then(toml::Value::as_str)
                    .map(str::to_string)
            };
            let inherit = match t.and_then(|t| t.get("inherit_configuration")) {
                _ if all => Inherit::All,
                Some(toml::Value::Boolean(true)) => Inherit::All,
                Some(toml::Value::Array(keys)) => Inherit::Some(
                    keys.iter()
                        .filter_map(toml::Value::as_str)
                        .map(str::to_string)
                        .collect(),
                ),
                _ => Inherit::Some(BTreeSet::new()),
            };
            Dependency {
                key: key.to_string(),
                name: DepName::parse(key),
                path: get("path"),
                export: get("export"),
                inherit,
            }
        })
        .collect()
}

/// `{{ name }}` references in a Spin template string.
fn template_refs(s: &str) -> Vec<String> {
    let mut refs = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        refs.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    refs
}

// ---------------------------------------------------------------------------
// The repository: spin.toml, the build's components.

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ is in the workspace")
        .to_path_buf()
}

fn manifest() -> toml::Table {
    let path = repo_root().join("spin.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn spin() -> Spin {
    Spin::load(&repo_root().join("tests/spin/wit"))
}

/// Where host/build.rs puts the guest components it builds (the same
/// packages, target and profile as `spin build`).
fn guests_dir() -> PathBuf {
    Path::new(env!("WELCOME_PAGE_WASM"))
        .parent()
        .expect("the page lives in the guests directory")
        .to_path_buf()
}

/// Where `cargo build --target wasm32-wasip2 --profile wasm` puts a
/// component, relative to the repository root.
const SPIN_WASM_DIR: &str = "target/wasm32-wasip2/wasm/";
const SPIN_BUILD: &str = "cargo build --target wasm32-wasip2 --profile wasm";

/// The built file a spin.toml path names, checked: it is what the build
/// command produces (`target/wasm32-wasip2/wasm/<lib>.wasm`, built by one of
/// `commands`) and host/build.rs built it this time.
fn built(what: &str, path: &str, commands: &[&str], problems: &mut Vec<String>) -> Option<PathBuf> {
    let Some(file) = path
        .strip_prefix(SPIN_WASM_DIR)
        .filter(|f| f.ends_with(".wasm") && !f.contains('/'))
    else {
        problems.push(format!(
            "{what}: `{path}` is not a file `{SPIN_BUILD}` writes (expected {SPIN_WASM_DIR}<crate>.wasm)"
        ));
        return None;
    };
    let stem = file.trim_end_matches(".wasm");
    let package = stem.replace('_', "-");
    let builds_it = commands.iter().any(|c| {
        c.starts_with(SPIN_BUILD)
            && c.split_whitespace()
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| w[0] == "-p" && w[1].replace('_', "-") == package)
    });
    if !builds_it {
        problems.push(format!(
            "{what}: no build command builds `{path}` (add \"{SPIN_BUILD} -p {package}\")"
        ));
    }
    let guest = guests_dir().join(file);
    if !guest.exists() {
        problems.push(format!(
            "{what}: `{path}` is not among the components host/build.rs builds ({}); add \
             (\"{package}\", …) to GUESTS there so it is built and checked",
            guests_dir().display()
        ));
        return None;
    }
    Some(guest)
}

/// The shipped components: the workspace's component crates (cdylib) under
/// `crates/`, by the file stem they build. (Members under `tests/` are test
/// fixtures, built into the same directory but never shipped.)
fn workspace_components() -> BTreeSet<String> {
    let root = repo_root();
    let text = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let ws: toml::Table = text.parse().unwrap();
    let members = ws["workspace"]["members"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    members
        .iter()
        .filter_map(toml::Value::as_str)
        .filter(|m| m.starts_with("crates/"))
        .filter_map(|m| {
            let text = std::fs::read_to_string(root.join(m).join("Cargo.toml")).ok()?;
            let cargo: toml::Table = text.parse().ok()?;
            let cdylib = cargo
                .get("lib")
                .and_then(|l| l.get("crate-type"))
                .and_then(toml::Value::as_array)
                .is_some_and(|t| t.iter().any(|t| t.as_str() == Some("cdylib")));
            let name = cargo.get("package")?.get("name")?.as_str()?;
            cdylib.then(|| name.replace('-', "_"))
        })
        .collect()
}

fn fail_on(problems: Vec<String>, what: &str) {
    assert!(
        problems.is_empty(),
        "{what}:\n  - {}\n(Spin's WIT: tests/spin/wit, refreshed by scripts/vendor-spin-wit.sh; rules: tests/e2e/spin_compat.rs)",
        problems.join("\n  - ")
    );
}

// ---------------------------------------------------------------------------
// The checks.

#[test]
fn spin_toml_follows_the_manifest_v2_schema() {
    fail_on(
        check_schema(&manifest()),
        "spin.toml does not follow Spin's manifest v2 schema",
    );
}

#[test]
fn spin_toml_names_what_the_build_produces() {
    let m = manifest();
    let root = repo_root();
    let declared: BTreeSet<&str> = table_of(&m, "variables").into_keys().collect();
    let mut p = Vec::new();
    for (id, c) in table_of(&m, "component") {
        let c = c.as_table().expect("schema test covers this");
        let cmds = c
            .get("build")
            .and_then(toml::Value::as_table)
            .map(commands)
            .unwrap_or_default();
        match c.get("source").and_then(toml::Value::as_str) {
            Some(source) => {
                built(&format!("[component.{id}] source"), source, &cmds, &mut p);
            }
            None => p.push(format!(
                "[component.{id}]: source must be a local path to the built file"
            )),
        }
        for dep in dependencies(c) {
            match &dep.path {
                Some(path) => {
                    built(
                        &format!("[component.{id}] dependency \"{}\"", dep.key),
                        path,
                        &cmds,
                        &mut p,
                    );
                }
                None => p.push(format!(
                    "[component.{id}] dependency \"{}\": use `path` to one of our built components",
                    dep.key
                )),
            }
        }
        for (name, value) in table_of(c, "variables") {
            for r in template_refs(value.as_str().unwrap_or_default()) {
                if !declared.contains(r.as_str()) {
                    p.push(format!("[component.{id}] variable `{name}` uses `{{{{ {r} }}}}`, which [variables] does not declare"));
                }
            }
        }
        for f in c
            .get("files")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            let source = f
                .get("source")
                .and_then(toml::Value::as_str)
                .or(f.as_str())
                .unwrap_or_default();
            if f.is_table() && !root.join(source).is_dir() {
                p.push(format!(
                    "[component.{id}] files: source directory `{source}` does not exist"
                ));
            }
        }
    }
    // The page: its template mounted where it reads it, and every option it
    // and its invite backend read mapped to a variable (`host` has no default).
    let page = m["component"]["welcome-page"]
        .as_table()
        .expect("[component.welcome-page]");
    let template = page
        .get("files")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .find(|f| f.get("destination").and_then(toml::Value::as_str) == Some("/template"));
    match template.and_then(|f| f.get("source")).and_then(toml::Value::as_str) {
        Some(src) if root.join(src).join("index.html").is_file() => {}
        _ => p.push("[component.welcome-page] files: mount a template directory (with index.html) at /template".into()),
    }
    use welcome_core::options as o;
    let vars = table_of(page, "variables");
    for key in [
        o::HOST,
        o::SITE_NAME,
        o::VARIABLES,
        o::OPEN_REGISTRATION,
        o::INVITE_ONLY,
        o::INVITE_EXPIRY,
        "invites_page",
    ] {
        if !vars.contains_key(key) {
            p.push(format!(
                "[component.welcome-page.variables] does not map the option `{key}`"
            ));
        }
    }
    fail_on(p, "spin.toml names something the build does not produce");
}

#[test]
fn the_spin_app_links_on_spin() {
    let m = manifest();
    let spin = spin();
    let mut p = Vec::new();
    let triggered: BTreeSet<&str> = m["trigger"]["http"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("component").and_then(toml::Value::as_str))
        .collect();
    for (id, c) in table_of(&m, "component") {
        let c = c.as_table().expect("a table");
        let cmds = c
            .get("build")
            .and_then(toml::Value::as_table)
            .map(commands)
            .unwrap_or_default();
        let mut ignore = Vec::new();
        let Some(file) = c
            .get("source")
            .and_then(toml::Value::as_str)
            .and_then(|s| built("", s, &cmds, &mut ignore))
        else {
            p.push(format!("[component.{id}]: its source is not built (see spin_toml_names_what_the_build_produces)"));
            continue;
        };
        let face = face_of(&file);
        let label = format!("[component.{id}] ({})", file.display());
        let deps = dependencies(c);
        p.extend(check_imports(&label, &face.imports, &spin, &deps));
        if triggered.contains(id) && !face.exports.iter().any(|e| spin.runs_http_export(e)) {
            p.push(format!(
                "{label} exports {:?}, none of which Spin's HTTP trigger runs ({:?})",
                face.exports, spin.http_exports
            ));
        }
        let stores: Vec<&str> = c
            .get("key_value_stores")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_str)
            .collect();
        let outbound = c
            .get("allowed_outbound_hosts")
            .and_then(toml::Value::as_array)
            .is_some_and(|a| !a.is_empty());
        // Imports of the component and of the dependencies that inherit its
        // capabilities use its stores and hosts.
        let mut uses: Vec<(String, String)> = face
            .imports
            .iter()
            .map(|i| (label.clone(), i.name().to_string()))
            .collect();
        for dep in &deps {
            let mut ignore = Vec::new();
            let Some(file) = dep
                .path
                .as_deref()
                .and_then(|path| built("", path, &cmds, &mut ignore))
            else {
                p.push(format!("{label}: dependency \"{}\" is not built", dep.key));
                continue;
            };
            let dface = face_of(&file);
            p.extend(check_dependency(&label, dep, &dface, &face.imports, &spin));
            uses.extend(
                dface
                    .imports
                    .iter()
                    .filter(|i| capability_for(i.name()).is_some_and(|cap| dep.inherit.grants(cap)))
                    .map(|i| (format!("dependency \"{}\"", dep.key), i.name().to_string())),
            );
        }
        for (who, import) in uses {
            match capability_for(&import) {
                Some("key_value_stores") if !stores.contains(&invites_kv_bucket()) => p.push(format!(
                    "{who} imports `{import}` and opens the store \"{}\": add it to [component.{id}] key_value_stores",
                    invites_kv_bucket()
                )),
                Some("allowed_outbound_hosts") if !outbound && import.starts_with("wasi:http/outgoing-handler") => p.push(format!(
                    "{who} imports `{import}` but [component.{id}] allows no outbound hosts"
                )),
                _ => {}
            }
        }
    }
    fail_on(p, "the Spin application would not link or run on Spin");
}

/// The bucket our key-value components open (invites-kv, the policies).
fn invites_kv_bucket() -> &'static str {
    "default"
}

#[test]
fn every_shipped_component_is_satisfiable_on_spin() {
    let m = manifest();
    let spin = spin();
    // Every dependency spin.toml lists, by import name: a component that
    // imports `welcome:page/policy` runs on Spin with one of them.
    let deps: Vec<Dependency> = table_of(&m, "component")
        .values()
        .filter_map(|c| c.as_table())
        .flat_map(dependencies)
        .collect();
    let ours = workspace_components();
    let mut checked = Vec::new();
    let mut p = Vec::new();
    let entries = std::fs::read_dir(guests_dir())
        .unwrap_or_else(|e| panic!("{}: {e}", guests_dir().display()));
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".wasm"))
        else {
            continue;
        };
        if !ours.contains(stem) {
            continue; // a test fixture, or a stale build of a crate that is gone
        }
        let face = face_of(&path);
        let label = format!("{stem}.wasm");
        for import in &face.imports {
            if deps.iter().any(|d| d.name.matches(import.name())) {
                continue;
            }
            if let Some(why) = spin.lacks(import) {
                p.push(format!(
                    "{label} imports `{}`: {why}, and spin.toml lists no dependency for it",
                    import.name()
                ));
            }
        }
        checked.push(stem.to_string());
    }
    for must in [env!("WELCOME_PAGE_WASM"), env!("WELCOME_INVITES_KV_WASM")] {
        let stem = Path::new(must)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert!(
            checked.iter().any(|c| c == stem),
            "{must} was not checked ({checked:?})"
        );
    }
    fail_on(
        p,
        "a shipped component imports something Spin cannot satisfy",
    );
}

// ---------------------------------------------------------------------------
// The rules themselves.

fn synthetic_spin() -> Spin {
    let provided = [
        Iface::with_funcs("wasi:cli/environment@0.2.0", &["get-environment"]),
        Iface::with_funcs(
            "wasi:cli/environment@0.2.6",
            &["get-environment", "get-arguments"],
        ),
        Iface::with_funcs(
            "wasi:config/store@0.2.0-draft-2024-09-27",
            &["get", "get-all"],
        ),
        Iface::with_funcs("wasi:keyvalue/store@0.2.0-draft2", &["open"]),
        Iface::with_funcs("my:pkg/api@1.2.0", &["f"]),
    ];
    Spin {
        provided: provided.into_iter().map(|i| (i.name.clone(), i)).collect(),
        http_exports: ["wasi:http/incoming-handler@0.2.0".to_string()].into(),
    }
}

fn import(name: &str, funcs: &[&str]) -> Import {
    Import::Interface(Iface::with_funcs(name, funcs))
}

#[test]
fn the_semver_rule_is_wasmtimes() {
    assert_eq!(
        semver_track("wasi:cli/stdout@0.2.12").as_deref(),
        Some("wasi:cli/stdout@0.2")
    );
    assert_eq!(semver_track("a:b/c@1.1.2").as_deref(), Some("a:b/c@1"));
    assert_eq!(semver_track("a:b/c@2.1.2+abc").as_deref(), Some("a:b/c@2"));
    assert_eq!(semver_track("a:b/c@0.0.1"), None);
    assert_eq!(semver_track("wasi:keyvalue/store@0.2.0-draft2"), None);
    assert_eq!(
        semver_track("wasi:config/store@0.2.0-draft-2024-09-27"),
        None
    );
    assert_eq!(semver_track("a:b/c"), None);

    let spin = synthetic_spin();
    // A newer patch links to the latest provided one, an older one too.
    assert_eq!(
        spin.provider("wasi:cli/environment@0.2.12").unwrap().name,
        "wasi:cli/environment@0.2.6"
    );
    assert_eq!(
        spin.provider("wasi:cli/environment@0.2.3").unwrap().name,
        "wasi:cli/environment@0.2.6"
    );
    assert_eq!(
        spin.provider("wasi:cli/environment@0.2.0").unwrap().name,
        "wasi:cli/environment@0.2.0"
    );
    assert_eq!(
        spin.provider("my:pkg/api@1.9.0").unwrap().name,
        "my:pkg/api@1.2.0"
    );
    assert!(
        spin.provider("wasi:cli/environment@0.3.0").is_none(),
        "another minor of 0.x"
    );
    assert!(spin.provider("my:pkg/api@2.0.0").is_none(), "another major");
    assert!(
        spin.provider("wasi:keyvalue/store@0.2.0-draft3").is_none(),
        "pre-releases match exactly"
    );
    assert!(spin.runs_http_export("wasi:http/incoming-handler@0.2.12"));
    assert!(!spin.runs_http_export("wasi:http/incoming-handler@0.3.0"));
}

#[test]
fn an_import_spin_cannot_satisfy_fails_with_its_name() {
    let spin = synthetic_spin();
    let good = vec![
        import("wasi:cli/environment@0.2.12", &["get-environment"]),
        import("wasi:config/store@0.2.0-draft-2024-09-27", &["get"]),
        import("wasi:keyvalue/store@0.2.0-draft2", &["open"]),
    ];
    assert_eq!(
        check_imports("page", &good, &spin, &[]),
        Vec::<String>::new()
    );
    // Types only: nothing to link, whatever the name.
    let types_only = import("welcome:page/types@0.1.0", &[]);
    assert_eq!(spin.lacks(&types_only), None);
    let with_resource = Import::Interface(Iface {
        resources: ["bucket".to_string()].into(),
        ..Iface::with_funcs("welcome:page/types@0.1.0", &[])
    });
    assert!(
        spin.lacks(&with_resource).is_some(),
        "a resource needs a provider"
    );

    for (bad, expect) in [
        // Not provided at all.
        (
            import("wasi:nn/inference@0.2.0", &["compute"]),
            "Spin provides no `wasi:nn/inference@0.2.0`",
        ),
        // Another pre-release of an interface Spin has.
        (
            import("wasi:keyvalue/store@0.2.0-draft", &["open"]),
            "only an exact match links",
        ),
        // On the track, but using a function Spin's version lacks.
        (
            import(
                "wasi:cli/environment@0.2.12",
                &["get-environment", "initial-cwd"],
            ),
            "has no initial-cwd",
        ),
        // Our own interface, with no dependency in spin.toml.
        (
            import("welcome:page/admin@0.1.0", &["list"]),
            "no dependency in spin.toml",
        ),
        // A bare function import.
        (Import::Other("log".into()), "not an interface"),
    ] {
        let mut imports = good.clone();
        imports.push(bad.clone());
        let problems = check_imports("page", &imports, &spin, &[]);
        assert_eq!(problems.len(), 1, "{bad:?}: {problems:?}");
        assert!(problems[0].contains(bad.name()), "{}", problems[0]);
        assert!(problems[0].contains(expect), "{}", problems[0]);
    }
}

#[test]
fn dependencies_match_like_spins_composer() {
    let dep = |key: &str| Dependency {
        key: key.into(),
        name: DepName::parse(key),
        path: Some("x.wasm".into()),
        export: None,
        inherit: Inherit::Some(BTreeSet::new()),
    };
    // spin-compose's own cases.
    for (d, yes) in [
        ("foo:bar/baz@0.1.0", vec!["foo:bar/baz@0.1.0"]),
        ("foo:bar/baz", vec!["foo:bar/baz@0.1.0", "foo:bar/baz"]),
        ("foo:bar", vec!["foo:bar/baz@0.1.0", "foo:bar/baz"]),
        ("foo:bar@0.1.0", vec!["foo:bar/baz@0.1.0"]),
        ("foo-bar", vec!["foo-bar"]),
    ] {
        for i in yes {
            assert!(DepName::parse(d).matches(i), "{d} should match {i}");
        }
    }
    for (d, no) in [
        (
            "foo:bar/baz@0.1.0",
            vec!["foo:bar/baz", "foo:bar/baz@0.1.1"],
        ),
        ("foo:bar/baz", vec!["foo:bar/bub", "foo:bar/bub@0.1.0"]),
        ("foo:bar", vec!["foo:bub/bib"]),
        ("foo:bar@0.1.0", vec!["foo:bar/baz"]),
        ("foo:bar/baz", vec!["foo:bar/baz-bub", "foo-bar"]),
    ] {
        for i in no {
            assert!(!DepName::parse(d).matches(i), "{d} should not match {i}");
        }
    }

    let spin = synthetic_spin();
    let imports = vec![import("welcome:page/policy@0.1.0", &["check"])];
    assert!(check_imports("page", &imports, &spin, &[dep("welcome:page/policy@0.1.0")]).is_empty());
    // A dependency for an import the page does not have is refused by Spin.
    let p = check_imports(
        "page",
        &imports,
        &spin,
        &[
            dep("welcome:page/policy@0.1.0"),
            dep("welcome:page/invites@0.1.0"),
        ],
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("matches none of its imports"), "{}", p[0]);

    // The dependency must export the import, and inherit what it uses.
    let policy = Face {
        imports: vec![import("wasi:keyvalue/store@0.2.0-draft2", &["open"])],
        exports: ["welcome:page/policy@0.1.0".to_string()].into(),
    };
    let isolated = dep("welcome:page/policy@0.1.0");
    let p = check_dependency("page", &isolated, &policy, &imports, &spin);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("does not inherit `key_value_stores`"),
        "{}",
        p[0]
    );
    let granted = Dependency {
        inherit: Inherit::Some(["key_value_stores".to_string()].into()),
        ..isolated.clone()
    };
    assert!(check_dependency("page", &granted, &policy, &imports, &spin).is_empty());
    let wrong_export = Face {
        exports: ["welcome:page/policy@0.2.0".to_string()].into(),
        ..policy.clone()
    };
    let p = check_dependency("page", &granted, &wrong_export, &imports, &spin);
    assert!(
        p.iter()
            .any(|p| p.contains("must export `welcome:page/policy@0.1.0`")),
        "{p:?}"
    );
}

#[test]
fn the_schema_check_rejects_what_spin_rejects() {
    let ok: toml::Table = r#"
        spin_manifest_version = 2
        [application]
        name = "a"
        [variables]
        x = { default = "1" }
        [[trigger.http]]
        route = "/..."
        component = "c"
        [component.c]
        source = "c.wasm"
        variables = { y = "{{ x }}" }
        [component.c.dependencies]
        "a:b/c@0.1.0" = { path = "d.wasm", inherit_configuration = ["variables"] }
    "#
    .parse()
    .unwrap();
    assert_eq!(check_schema(&ok), Vec::<String>::new());

    for (edit, expect) in [
        (
            "[component.c]\nsourse = 'typo.wasm'",
            "unknown field `sourse`",
        ),
        (
            "[variables]\nBad-Name = { default = '' }",
            "lower_snake_case",
        ),
        (
            "[variables]\nz = { required = true, default = '' }",
            "may not be set with `default`",
        ),
        (
            "[variables]\nz = { description = 'no value' }",
            "needs a `default` or `required = true`",
        ),
        ("[component.Bad]\nsource = 'b.wasm'", "kebab-case"),
        (
            "[component.c.dependencies]\n'x:y/z' = { path = 'z.wasm', inherit = true }",
            "fit none of Spin's forms",
        ),
        (
            "[component.c.dependencies]\n'x:y/z' = { path = 'z.wasm', inherit_configuration = ['kv'] }",
            "inherit_configuration keys",
        ),
        (
            "[component.c.build]\ncommand = 'make'\ncwd = 'x'",
            "unknown field `cwd`",
        ),
        (
            "[[trigger.http]]\nroute = '/x'\ncomponent = 'missing'",
            "is not defined",
        ),
    ] {
        let mut m = ok.clone();
        merge(&mut m, edit.parse().unwrap());
        let p = check_schema(&m);
        assert!(p.iter().any(|p| p.contains(expect)), "{edit}: {p:?}");
    }
    assert_eq!(template_refs("https://{{ host }}/{{x}}"), vec!["host", "x"]);
}

fn merge(into: &mut toml::Table, from: toml::Table) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(toml::Value::Table(a)), toml::Value::Table(b)) => merge(a, b),
            (Some(toml::Value::Array(a)), toml::Value::Array(b)) => a.extend(b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}
