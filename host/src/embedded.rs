//! What ships inside the binary: the welcome page component and the default
//! template, so `welcome serve` needs no other file.

use std::path::{Path, PathBuf};

/// The welcome page component, built by `build.rs`.
pub const WELCOME_PAGE_WASM: &[u8] = include_bytes!(env!("WELCOME_PAGE_WASM"));

/// The built-in components by the name a configuration uses.
pub fn builtin(name: &str) -> Option<&'static [u8]> {
    Some(match name {
        "welcome-page" => WELCOME_PAGE_WASM,
        "oauth-register" => include_bytes!(env!("WELCOME_OAUTH_REGISTER_WASM")),
        "rate-limit" => include_bytes!(env!("WELCOME_POLICY_RATE_LIMIT_WASM")),
        "network" => include_bytes!(env!("WELCOME_POLICY_NETWORK_WASM")),
        "daily-quota" => include_bytes!(env!("WELCOME_POLICY_DAILY_QUOTA_WASM")),
        "closed" => include_bytes!(env!("WELCOME_POLICY_CLOSED_WASM")),
        "invites-kv" => include_bytes!(env!("WELCOME_INVITES_KV_WASM")),
        "invites-prosody" => include_bytes!(env!("WELCOME_INVITES_PROSODY_WASM")),
        _ => return None,
    })
}

/// The shipped template's files (path relative to the template directory,
/// contents).
pub const DEFAULT_TEMPLATE: &[(&str, &[u8])] = &[
    (
        "index.html",
        include_bytes!("../../templates/default/index.html"),
    ),
    (
        "style.css",
        include_bytes!("../../templates/default/style.css"),
    ),
    (
        "logo.svg",
        include_bytes!("../../templates/default/logo.svg"),
    ),
];

/// Writes the shipped template to `<data_dir>/shipped-template` (replacing
/// what an older version left there) and returns that directory. WASI
/// preopens need a real directory, hence the copy.
pub fn materialize_default_template(data_dir: &Path) -> std::io::Result<PathBuf> {
    let dir = data_dir.join("shipped-template");
    std::fs::create_dir_all(&dir)?;
    for (name, contents) in DEFAULT_TEMPLATE {
        let path = dir.join(name);
        // Only rewrite on change, so ETag/Last-Modified stay stable.
        if std::fs::read(&path).ok().as_deref() != Some(*contents) {
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, contents)?;
            std::fs::rename(&tmp, &path)?;
        }
    }
    dir.canonicalize()
}
