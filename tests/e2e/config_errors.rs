//! A bad configuration refuses to start, naming file, line and key.

use std::process::Command;

use crate::support::{Site, WELCOME};

fn refuse(config: &str) -> String {
    let site = Site::new(config);
    let out = Command::new(WELCOME)
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&site.config)
        .output()
        .expect("run welcome");
    assert!(!out.status.success(), "must refuse to start");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains(&site.config.display().to_string()),
        "names the file: {stderr}"
    );
    assert!(out.stdout.is_empty(), "never started listening");
    stderr
}

#[test]
fn unknown_key() {
    let e = refuse("[hosts.a]\nsite_name = \"A\"\nwelcome_page_colour = \"red\"\n");
    assert!(e.contains("welcome.toml:3:"), "{e}");
    assert!(e.contains("welcome_page_colour"), "{e}");
}

#[test]
fn value_of_the_wrong_type() {
    let e = refuse("[hosts.a]\nregistration_invite_only = \"no\"\n");
    assert!(e.contains("welcome.toml:2:"), "{e}");
    assert!(e.contains("hosts.a.registration_invite_only"), "{e}");
}

#[test]
fn value_out_of_range() {
    let e = refuse("[hosts.a]\n\n\ninvite_expiry = 0\n");
    assert!(e.contains("welcome.toml:4:"), "{e}");
    assert!(e.contains("invite_expiry"), "{e}");
}

#[test]
fn template_directory_that_does_not_exist() {
    let e = refuse("[hosts.a]\nwelcome_page_template_path = \"nowhere\"\n");
    assert!(e.contains("welcome.toml:2:"), "{e}");
    assert!(e.contains("welcome_page_template_path"), "{e}");
}

#[test]
fn malformed_toml() {
    let e = refuse("[hosts.a\nsite_name = 1\n");
    assert!(e.contains("welcome.toml:1:"), "{e}");
}

#[test]
fn bad_links_variable() {
    let e = refuse(
        "[hosts.a]\nsite_name = \"A\"\nwelcome_page_variables = { links = [\"just text\"] }\n",
    );
    assert!(e.contains("welcome.toml:3:"), "{e}");
    assert!(e.contains("welcome_page_variables"), "{e}");
    assert!(e.contains("links[0]"), "{e}");
}

#[test]
fn missing_file() {
    let out = Command::new(WELCOME)
        .args(["serve", "--config", "/nonexistent/welcome.toml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/welcome.toml"));
}

#[test]
fn the_example_config_is_valid() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/welcome.toml");
    let out = Command::new(WELCOME)
        .args(["check-config", "--config", example])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 host(s)"));
}

#[test]
fn check_config_loads_the_components_too() {
    let site = Site::new("[hosts.a]\ninvites = { component = \"rate-limit\" }\n");
    let out = Command::new(WELCOME)
        .args(["check-config", "--config"])
        .arg(&site.config)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a policy is not an invite backend");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("welcome.toml"), "{err}");
    assert!(err.contains("welcome:page/invites"), "{err}");
}
