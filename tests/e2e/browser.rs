//! The page in a real browser (Debian's headless Chromium, driven by
//! tests/browser/visit.mjs with playwright-core): it renders with its
//! stylesheet, "Create account" (pressed from the keyboard) is answered with
//! a 303 to the invite, the invite-only site shows the reason, it fits a
//! phone, and dark mode follows the system.

use std::path::Path;
use std::process::Command;

use crate::support::Site;

const BROWSER_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/browser");

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_visitor_creates_an_account_in_a_real_browser() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !have("node") || !have("npm") || !Path::new(&chromium).exists() {
        let why = "SKIPPED: the browser test needs node, npm and chromium (apt-get install chromium nodejs npm)";
        assert!(std::env::var("WELCOME_REQUIRE_BROWSER").is_err(), "{why}");
        eprintln!("{why}");
        return;
    }
    if !Path::new(BROWSER_DIR)
        .join("node_modules/playwright-core")
        .exists()
    {
        let out = Command::new("npm")
            .args(["ci", "--silent", "--no-audit", "--no-fund"])
            .current_dir(BROWSER_DIR)
            .output()
            .expect("run npm ci");
        assert!(
            out.status.success(),
            "npm ci: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let site = Site::new(
        "[hosts.localhost]\nsite_name = \"Example Chat\"\nregistration_invite_only = false\n[hosts.\"127.0.0.1\"]\n",
    );
    let server = site.start();
    let port = server.addr.port();
    let out = Command::new("node")
        .arg("visit.mjs")
        .arg(format!("http://localhost:{port}/"))
        .arg(format!("http://127.0.0.1:{port}/"))
        .env("CHROMIUM", &chromium)
        .current_dir(BROWSER_DIR)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("ok: ").count(), 5, "{stdout}");
    // The browser's click created exactly one invite, on the open site.
    let invites = server.invites();
    assert_eq!(invites.len(), 1, "{invites:?}");
    assert_eq!(invites[0]["host"], "localhost");
}
