//! Builds the guest components for wasm32-wasip2 and exposes their paths to
//! the host (which embeds the shipped ones) and to the tests, so nothing ever
//! runs a stale `.wasm`.
//!
//! The guests are built by a nested `cargo build` into a target directory of
//! their own (`<target>/guests`), so the outer build's lock is never waited on.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Guest packages: (cargo package, env var the path is exposed as).
const GUESTS: &[(&str, &str)] = &[
    ("welcome-page", "WELCOME_PAGE_WASM"),
    ("oauth-register", "WELCOME_OAUTH_REGISTER_WASM"),
    ("invites-kv", "WELCOME_INVITES_KV_WASM"),
    ("invites-prosody", "WELCOME_INVITES_PROSODY_WASM"),
    ("policy-rate-limit", "WELCOME_POLICY_RATE_LIMIT_WASM"),
    ("policy-network", "WELCOME_POLICY_NETWORK_WASM"),
    ("policy-daily-quota", "WELCOME_POLICY_DAILY_QUOTA_WASM"),
    ("policy-closed", "WELCOME_POLICY_CLOSED_WASM"),
    // Test components (tests/components), not embedded.
    ("policy-loop", "WELCOME_TEST_POLICY_LOOP_WASM"),
    ("policy-alloc", "WELCOME_TEST_POLICY_ALLOC_WASM"),
    ("policy-trap", "WELCOME_TEST_POLICY_TRAP_WASM"),
    ("policy-huge-reason", "WELCOME_TEST_POLICY_HUGE_REASON_WASM"),
    ("policy-echo", "WELCOME_TEST_POLICY_ECHO_WASM"),
    ("wrong-world", "WELCOME_TEST_WRONG_WORLD_WASM"),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets this"));
    let root = manifest_dir
        .parent()
        .expect("host/ lives in the workspace")
        .to_path_buf();
    for dir in ["crates", "wit", "templates", "tests/components"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.toml").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );

    let target_dir = guest_target_dir(&root);
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(&root)
        .args(["build", "--target", "wasm32-wasip2", "--profile", "wasm"])
        .arg("--target-dir")
        .arg(&target_dir);
    for (package, _) in GUESTS {
        cmd.args(["-p", package]);
    }
    // The outer build's flags are for the host target, not for wasm.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_PROFILE_RELEASE_DEBUG",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("running {cargo}: {e}"));
    if !status.success() {
        panic!(
            "building the guest components failed (is the wasm32-wasip2 target installed? \
             run `rustup target add wasm32-wasip2`)"
        );
    }
    for (package, var) in GUESTS {
        let file = target_dir
            .join("wasm32-wasip2")
            .join("wasm")
            .join(format!("{}.wasm", package.replace('-', "_")));
        assert!(file.exists(), "{} was not built", file.display());
        println!("cargo:rustc-env={var}={}", file.display());
    }
    println!(
        "cargo:rustc-env=WELCOME_DEFAULT_TEMPLATE_DIR={}",
        root.join("templates/default").display()
    );
}

/// `<target>/guests`, where `<target>` is the outer build's target directory.
fn guest_target_dir(root: &Path) -> PathBuf {
    // OUT_DIR is <target>/[<triple>/]<profile>/build/<pkg>-<hash>/out.
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets this"));
    let target = out
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent()) // <profile>
        .and_then(|profile| profile.parent()) // <target> or <target>/<triple>
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join("target"));
    target.join("guests")
}
