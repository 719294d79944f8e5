//! Registration policies as components: each shipped policy end to end,
//! chain order, option and key-value scoping, capabilities, hot swap under
//! load, hostile plugins, the status endpoint and `plugin check`.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{HttpResponse, Server, Site, WELCOME};

const ECHO: &str = env!("WELCOME_TEST_POLICY_ECHO_WASM");
const CLOSED: &str = env!("WELCOME_POLICY_CLOSED_WASM");
const LOOP: &str = env!("WELCOME_TEST_POLICY_LOOP_WASM");
const ALLOC: &str = env!("WELCOME_TEST_POLICY_ALLOC_WASM");
const TRAP: &str = env!("WELCOME_TEST_POLICY_TRAP_WASM");
const HUGE: &str = env!("WELCOME_TEST_POLICY_HUGE_REASON_WASM");
const WRONG_WORLD: &str = env!("WELCOME_TEST_WRONG_WORLD_WASM");

const GENERIC: &str = "Account creation is not possible at this time";

/// `POST /` as a client at `ip` (the test talks from 127.0.0.1, which the
/// configs below trust as a proxy).
fn post_as(server: &Server, host: &str, ip: &str) -> HttpResponse {
    server.request(
        "POST",
        "/",
        host,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Forwarded-For", ip),
        ],
        b"action=register",
    )
}

/// The alert's text, HTML-unescaped.
fn alert(r: &HttpResponse) -> String {
    let html = r.text();
    let Some(start) = html.find("role=\"alert\">") else {
        return String::new();
    };
    let rest = &html[start + "role=\"alert\">".len()..];
    let text = &rest[..rest.find("</div>").unwrap_or(rest.len())];
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn copy(from: &str, site: &Site, name: &str) {
    std::fs::copy(from, site.dir().join(name)).expect("copy component");
}

/// Replaces a file the way an operator should: write aside, then rename.
fn replace(site: &Site, name: &str, from: &Path) {
    let tmp = site.dir().join(format!(".{name}.new"));
    std::fs::copy(from, &tmp).unwrap();
    std::fs::rename(&tmp, site.dir().join(name)).unwrap();
}

const TRUST_LOCAL: &str = "[server]\ntrusted_proxies = [\"127.0.0.1\", \"::1\"]\n";

#[test]
fn closed_denies_with_its_message() {
    let site = Site::new(&format!(
        "{TRUST_LOCAL}[hosts.a]\nregistration_invite_only = false\npolicies = [{{ component = \"closed\", options = {{ message = \"Closed for maintenance\" }} }}]\n"
    ));
    let server = site.start();
    let r = server.post_form("a", "");
    assert_eq!(r.status, 403);
    assert_eq!(alert(&r), "Closed for maintenance");
    assert!(server.invites().is_empty());
}

#[test]
fn rate_limit_counts_per_address_per_64_and_per_host() {
    let site = Site::new(&format!(
        "{TRUST_LOCAL}[hosts.a]\nregistration_invite_only = false\npolicies = [{{ component = \"rate-limit\", options = {{ max_per_address = 2, max_per_host = 5, window_seconds = 3600, reason = \"Slow down\" }} }}]\n"
    ));
    let server = site.start();
    assert_eq!(post_as(&server, "a", "198.51.100.1").status, 303);
    assert_eq!(post_as(&server, "a", "198.51.100.1").status, 303);
    let r = post_as(&server, "a", "198.51.100.1");
    assert_eq!(r.status, 403);
    assert_eq!(alert(&r), "Slow down");
    // Another address has its own count...
    assert_eq!(post_as(&server, "a", "198.51.100.2").status, 303);
    // ...but IPv6 addresses in one /64 share one.
    assert_eq!(post_as(&server, "a", "2001:db8:1:2::1").status, 303);
    assert_eq!(post_as(&server, "a", "2001:db8:1:2:ffff::9").status, 303);
    assert_eq!(post_as(&server, "a", "2001:db8:1:2::77").status, 403);
    // The per-host cap (5) is reached now for everyone.
    let r = post_as(&server, "a", "203.0.113.50");
    assert_eq!(r.status, 403, "{}", alert(&r));
    assert_eq!(server.invites().len(), 5);
}

#[test]
fn client_address_headers_are_ignored_from_untrusted_peers() {
    let site = Site::new(
        "[hosts.a]\nregistration_invite_only = false\npolicies = [{ component = \"rate-limit\", options = { max_per_address = 1 } }]\n",
    );
    let server = site.start();
    assert_eq!(post_as(&server, "a", "198.51.100.1").status, 303);
    // A forged header does not buy a new count: the peer is not a trusted proxy.
    assert_eq!(post_as(&server, "a", "198.51.100.2").status, 403);
}

#[test]
fn network_lists_deny_and_allow() {
    let site = Site::new(&format!(
        r#"{TRUST_LOCAL}
[hosts.open]
registration_invite_only = false
policies = [{{ component = "network", options = {{ deny = ["203.0.113.0/24", "2001:db8:bad::/48"], deny_reason = "Not from there" }} }}]

[hosts.office]
# Closed for the world, open for one network.
policies = [{{ component = "network", options = {{ allow = "198.51.100.0/24 2001:db8:0ff1::/48" }} }}]
"#
    ));
    let server = site.start();
    assert_eq!(post_as(&server, "open", "192.0.2.1").status, 303);
    let r = post_as(&server, "open", "203.0.113.77");
    assert_eq!(r.status, 403);
    assert_eq!(alert(&r), "Not from there");
    assert_eq!(post_as(&server, "open", "2001:db8:bad:1::1").status, 403);
    assert_eq!(post_as(&server, "office", "198.51.100.9").status, 303);
    assert_eq!(post_as(&server, "office", "2001:db8:ff1:5::1").status, 303);
    let r = post_as(&server, "office", "192.0.2.1");
    assert_eq!(r.status, 403);
    assert!(!alert(&r).is_empty());
}

#[test]
fn daily_quota_says_when_it_reopens() {
    let site = Site::new(
        "[hosts.a]\nregistration_invite_only = false\npolicies = [{ component = \"daily-quota\", options = { max_per_day = 1 } }]\n",
    );
    let server = site.start();
    assert_eq!(server.post_form("a", "").status, 303);
    let r = server.post_form("a", "");
    assert_eq!(r.status, 403);
    let text = alert(&r);
    let tomorrow = {
        let days = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 86_400
            + 1;
        civil_date(days as i64)
    };
    assert!(
        text.contains(&format!("{tomorrow} 00:00")),
        "{text} should name {tomorrow}"
    );
}

/// Days since 1970-01-01 as YYYY-MM-DD (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[test]
fn chain_order_matters_and_each_plugin_sees_only_its_own_options_and_keys() {
    let site = Site::new(&format!(
        r#"{TRUST_LOCAL}
[hosts.allow-then-close]
policies = [
  {{ component = "network", options = {{ allow = "198.51.100.0/24" }} }},
  {{ component = "closed", options = {{ message = "closed last" }} }},
]
[hosts.close-then-allow]
policies = [
  {{ component = "closed", options = {{ message = "closed first" }} }},
  {{ component = "network", options = {{ allow = "198.51.100.0/24" }} }},
]
[hosts.echo]
policies = [
  {{ component = "echo.wasm", id = "first", options = {{ colour = "red" }} }},
  {{ component = "echo.wasm", id = "second", options = {{ colour = "blue" }} }},
]
[hosts.echo-too]
policies = [{{ component = "echo.wasm", id = "first", options = {{ colour = "green" }} }}]
"#
    ));
    copy(ECHO, &site, "echo.wasm");
    let server = site.start();
    let r = post_as(&server, "allow-then-close", "198.51.100.1");
    assert_eq!((r.status, alert(&r).as_str()), (403, "closed last"));
    assert_eq!(
        post_as(&server, "close-then-allow", "198.51.100.1").status,
        303
    );

    // The last echo's view: its own options, its own counter.
    let echo = |host: &str| -> Value {
        let r = post_as(&server, host, "192.0.2.44");
        assert_eq!(r.status, 403);
        serde_json::from_str(&alert(&r)).unwrap_or_else(|e| panic!("{e}: {}", alert(&r)))
    };
    let first = echo("echo");
    let config = first["config"].to_string();
    assert!(
        config.contains("blue") && !config.contains("red"),
        "{config}"
    );
    assert!(config.contains("echo"), "it knows its tenant: {config}");
    assert_eq!(first["remote_addr"], "192.0.2.44");
    let seen_before = first["seen"].clone();
    let second = echo("echo");
    assert_ne!(second["seen"], seen_before, "its counter moved");
    // Another tenant with a plugin of the same id has separate keys.
    let other = echo("echo-too");
    assert!(other["config"].to_string().contains("green"));
    assert_eq!(
        other["seen"], first["seen"],
        "a fresh namespace starts where the first did"
    );
}

#[test]
fn plugins_get_only_the_capabilities_their_config_grants() {
    let site = Site::new(
        r#"
[hosts.bare]
policies = [{ component = "echo.wasm" }]
[hosts.granted]
policies = [{ component = "echo.wasm", environment = { GREETING = "hello" }, files = "shared" }]
"#,
    );
    site.write("shared/motd.txt", b"hi");
    copy(ECHO, &site, "echo.wasm");
    // Whatever the server's own environment holds stays out of plugins.
    let server = site.start();
    let echo = |host: &str| -> Value {
        let r = server.post_form(host, "");
        serde_json::from_str::<Value>(&alert(&r)).unwrap_or_else(|e| panic!("{e}: {}", alert(&r)))["capabilities"].clone()
    };
    let bare = echo("bare");
    assert_eq!(bare["env"], serde_json::json!([]), "{bare}");
    assert!(bare["files"]["error"].is_string(), "no filesystem: {bare}");
    let granted = echo("granted");
    assert_eq!(granted["env"], serde_json::json!(["GREETING"]), "{granted}");
    assert_eq!(
        granted["files"],
        serde_json::json!(["motd.txt"]),
        "{granted}"
    );
}

#[test]
fn hostile_plugins_fail_closed_and_the_server_keeps_serving() {
    let mut config = String::from(
        "[server]\nadmin_listen = \"127.0.0.1:0\"\nadmin_token = { file = \"admin.token\" }\n[hosts.good]\nregistration_invite_only = false\n",
    );
    for (name, file) in [
        ("loop", LOOP),
        ("alloc", ALLOC),
        ("trap", TRAP),
        ("huge", HUGE),
    ] {
        config.push_str(&format!(
            "[hosts.{name}]\nregistration_invite_only = false\npolicies = [{{ component = \"{name}.wasm\", timeout_ms = 50, memory_mib = 16 }}]\n"
        ));
        let _ = file;
    }
    let site = Site::new(&config);
    site.write("admin.token", b"0123456789abcdef-test-token\n");
    for (name, file) in [
        ("loop", LOOP),
        ("alloc", ALLOC),
        ("trap", TRAP),
        ("huge", HUGE),
    ] {
        copy(file, &site, &format!("{name}.wasm"));
    }
    let server = Arc::new(site.start());

    // Another tenant keeps getting answers while the loop burns its deadline.
    let stop = Arc::new(AtomicBool::new(false));
    let good_ok = Arc::new(AtomicUsize::new(0));
    let background = {
        let (server, stop, good_ok) = (server.clone(), stop.clone(), good_ok.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let r = server.get("good", "/");
                assert_eq!(r.status, 200, "{}\n{}", r.text(), server.log());
                good_ok.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    for name in ["loop", "alloc", "trap", "huge"] {
        let started = Instant::now();
        let r = server.post_form(name, "");
        let took = started.elapsed();
        assert_eq!(r.status, 403, "{name}: {}", r.text());
        assert_eq!(alert(&r), GENERIC, "{name}");
        assert!(took < Duration::from_secs(2), "{name} took {took:?}");
        assert!(
            server.log().contains(&format!("host={name}"))
                || server.log().contains(&format!("host=\"{name}\"")),
            "the failure is logged with the tenant: {}",
            server.log()
        );
    }
    // And again: nothing is left broken.
    assert_eq!(server.post_form("loop", "").status, 403);
    assert_eq!(server.post_form("good", "").status, 303);
    stop.store(true, Ordering::Relaxed);
    background.join().expect("the other tenant never failed");
    assert!(good_ok.load(Ordering::Relaxed) > 0);
    assert_eq!(
        server.invites().len(),
        1,
        "only the good tenant got an invite"
    );

    let status = server.admin_get("/status", Some("0123456789abcdef-test-token"));
    assert_eq!(status.status, 200);
    let doc: Value = serde_json::from_slice(&status.body).unwrap();
    assert_eq!(
        doc["tenants"]["loop"]["policies"][0]["failures"], 2,
        "{doc}"
    );
    assert_eq!(doc["tenants"]["trap"]["policies"][0]["failures"], 1);
}

#[test]
fn broken_files_are_refused_at_startup_and_on_swap() {
    // At startup: the server does not start, naming the file.
    let site = Site::new("[hosts.a]\npolicies = [{ component = \"p.wasm\" }]\n");
    site.write("p.wasm", b"\0asm garbage, not a component");
    let out = Command::new(WELCOME)
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&site.config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("p.wasm"), "{err}");

    // On swap: the loaded version keeps serving.
    let site = Site::new(
        "[server]\nadmin_listen = \"127.0.0.1:0\"\nadmin_token = { file = \"admin.token\" }\n[hosts.a]\nregistration_invite_only = false\npolicies = [{ component = \"p.wasm\", options = { message = \"v1\" } }]\n",
    );
    site.write("admin.token", b"0123456789abcdef-test-token\n");
    copy(CLOSED, &site, "p.wasm");
    let server = site.start();
    assert_eq!(alert(&server.post_form("a", "")), "v1");
    let garbage = site.write("garbage.bin", b"definitely not wasm");
    replace(&site, "p.wasm", &garbage);
    assert!(
        server.wait_for_log("refused the new version", Duration::from_secs(10)),
        "{}",
        server.log()
    );
    assert_eq!(alert(&server.post_form("a", "")), "v1");
    replace(&site, "p.wasm", Path::new(WRONG_WORLD));
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.log().matches("refused the new version").count() < 2 {
        assert!(Instant::now() < deadline, "{}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.log().contains("does not export welcome:page/policy"),
        "{}",
        server.log()
    );
    let doc: Value = serde_json::from_slice(
        &server
            .admin_get("/status", Some("0123456789abcdef-test-token"))
            .body,
    )
    .unwrap();
    let p = &doc["tenants"]["a"]["policies"][0];
    assert!(
        p["refused"]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("does not export"),
        "the status endpoint shows the refused version: {p}"
    );
    assert_ne!(p["refused"]["hash"], p["hash"]);
    // The reload's own summary comes after the registry's refusal line.
    assert!(
        server.wait_for_log(
            "changed component files were refused",
            Duration::from_secs(10)
        ),
        "{}",
        server.log()
    );
    assert_eq!(alert(&server.post_form("a", "")), "v1");
}

#[test]
fn hot_swap_under_load_loses_no_request() {
    let site = Site::new(
        "[server]\nadmin_listen = \"127.0.0.1:0\"\nadmin_token = { file = \"admin.token\" }\n[hosts.a]\nregistration_invite_only = false\npolicies = [{ component = \"p.wasm\", timeout_ms = 2000, options = { message = \"closed now\" } }]\n",
    );
    site.write("admin.token", b"0123456789abcdef-test-token\n");
    copy(CLOSED, &site, "p.wasm");
    let server = Arc::new(site.start());
    let hash = |server: &Server| -> String {
        let doc: Value = serde_json::from_slice(
            &server
                .admin_get("/status", Some("0123456789abcdef-test-token"))
                .body,
        )
        .unwrap();
        doc["tenants"]["a"]["policies"][0]["hash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first_hash = hash(&server);

    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = (0..2)
        .map(|_| {
            let (server, stop, sent, failed) =
                (server.clone(), stop.clone(), sent.clone(), failed.clone());
            std::thread::spawn(move || {
                let start = Instant::now();
                // Bounded: stops when told, or after 120 s whatever happens.
                while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(120) {
                    let r = server.post_form("a", "");
                    sent.fetch_add(1, Ordering::Relaxed);
                    if r.status != 303 && r.status != 403 {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();

    for swap in 0..20 {
        // Even swaps open (echo allows), odd swaps close again.
        let (file, want) = if swap % 2 == 0 {
            (ECHO, 303)
        } else {
            (CLOSED, 403)
        };
        replace(&site, "p.wasm", Path::new(file));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let r = server.post_form("a", "");
            // The closed policy says so in its own words; anything else
            // (a generic denial) is not the new behaviour.
            if r.status == want && (want == 303 || alert(&r) == "closed now") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "swap {swap}: still answering {} {}",
                r.status,
                alert(&r)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        if swap == 0 {
            assert_ne!(
                hash(&server),
                first_hash,
                "the status endpoint shows the new version"
            );
        }
    }
    while sent.load(Ordering::Relaxed) < 1000 {
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for t in load {
        t.join().unwrap();
    }
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "requests failed during swaps"
    );
    assert!(sent.load(Ordering::Relaxed) >= 1000);
    assert_eq!(
        hash(&server),
        first_hash,
        "twenty swaps later it is the closed policy again"
    );
}

#[test]
fn the_status_endpoint_wants_its_token() {
    let site = Site::new(
        "[server]\nadmin_listen = \"127.0.0.1:0\"\n[hosts.a]\npolicies = [{ component = \"closed\" }]\n",
    );
    let server = site.start();
    assert_eq!(server.admin_get("/status", None).status, 401);
    assert_eq!(
        server
            .admin_get("/status", Some("wrong-token-wrong-token"))
            .status,
        401
    );
    let token =
        std::fs::read_to_string(site.dir().join("data/admin-token")).expect("a generated token");
    let r = server.admin_get("/status", Some(token.trim()));
    assert_eq!(r.status, 200);
    let doc: Value = serde_json::from_slice(&r.body).unwrap();
    let p = &doc["tenants"]["a"]["policies"][0];
    assert_eq!(p["id"], "closed");
    assert_eq!(p["hash"].as_str().unwrap().len(), 64);
    assert!(p["loaded_at"].as_u64().unwrap() > 0);
    // The log says the same, per tenant and plugin.
    let log = server.log();
    let line = log
        .lines()
        .find(|l| l.contains("plugin in use"))
        .expect(&log);
    assert!(
        line.contains("host=a") && line.contains("plugin=closed"),
        "{line}"
    );
    assert!(line.contains(&p["hash"].as_str().unwrap()[..16]), "{line}");
    // Not on a public address unless asked.
    let site = Site::new("[server]\nadmin_listen = \"0.0.0.0:0\"\n[hosts.a]\n");
    let out = Command::new(WELCOME)
        .args(["check-config", "--config"])
        .arg(&site.config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

#[test]
fn plugin_check_validates_the_world_and_lists_imports() {
    let out = Command::new(WELCOME)
        .args(["plugin", "check", CLOSED])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("wasi:config/store@0.2.0-draft-2024-09-27"),
        "{text}"
    );
    assert!(
        text.contains("implements welcome:page/policy-plugin"),
        "{text}"
    );
    let out = Command::new(WELCOME)
        .args(["plugin", "check", WRONG_WORLD])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not implement"));
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("g.wasm");
    std::fs::write(&garbage, b"nope").unwrap();
    let out = Command::new(WELCOME)
        .arg("plugin")
        .arg("check")
        .arg(&garbage)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid WebAssembly component"));
}
