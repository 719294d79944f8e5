//! Each built component imports only what DESIGN.md allows, so the same
//! file runs in our host and on Spin.

use wasmtime::component::Component;
use wasmtime::{Config, Engine};

/// WASI 0.2 interfaces a page may import (no sockets: the page has no
/// network), Spin's config store version, and our own package.
fn allowed(name: &str) -> bool {
    const WASI_02: &[&str] = &[
        "wasi:cli/",
        "wasi:clocks/",
        "wasi:filesystem/",
        "wasi:io/",
        "wasi:random/",
        "wasi:http/types@",
    ];
    let wasi_ok = WASI_02.iter().any(|p| name.starts_with(p)) && name.contains("@0.2.");
    wasi_ok
        || name == "wasi:config/store@0.2.0-draft-2024-09-27"
        || (name.starts_with("welcome:page/") && name.ends_with("@0.1.0"))
}

#[test]
fn the_page_imports_only_what_is_allowed_and_exports_the_handler() {
    let engine = Engine::new(&Config::new()).unwrap();
    let bytes = std::fs::read(env!("WELCOME_PAGE_WASM")).unwrap();
    let component = Component::new(&engine, &bytes).unwrap();
    let ty = component.component_type();
    let imports: Vec<String> = ty.imports(&engine).map(|(n, _)| n.to_string()).collect();
    let exports: Vec<String> = ty.exports(&engine).map(|(n, _)| n.to_string()).collect();
    for name in &imports {
        assert!(
            allowed(name),
            "the page imports {name}, which DESIGN.md does not allow"
        );
    }
    for needed in [
        "welcome:page/policy@0.1.0",
        "welcome:page/invites@0.1.0",
        "wasi:config/store@0.2.0-draft-2024-09-27",
    ] {
        assert!(
            imports.iter().any(|i| i == needed),
            "missing import {needed}: {imports:?}"
        );
    }
    assert!(
        exports
            .iter()
            .any(|e| e.starts_with("wasi:http/incoming-handler@0.2.")),
        "{exports:?}"
    );
}
