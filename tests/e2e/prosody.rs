//! Prosody as the invite backend, end to end (issue 4): a real Prosody
//! (Debian's `prosody` + `prosody-modules`, fixture in `tests/prosody/`)
//! started by the test on loopback, our host running the `invites-prosody`
//! component against its `mod_invites_api`, and a visitor who follows the
//! 303 to Prosody's invite page and registers an account there.
//!
//! Without Prosody installed the test prints `SKIPPED: …` and passes, unless
//! `WELCOME_REQUIRE_PROSODY=1` (CI sets it), where it fails.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{HttpResponse, Site};

/// The component under test, built by host/build.rs.
const BACKEND: &str = env!("WELCOME_INVITES_PROSODY_WASM");
/// The Prosody config template and the fixture's modules.
const CONFIG_TEMPLATE: &str = include_str!("../prosody/prosody.cfg.lua.in");
const FIXTURE_MODULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/prosody/modules");
/// Prosody's VirtualHost, and our tenant of the same name.
const VHOST: &str = "localhost";
/// The page's message when the invite backend fails.
const UNAVAILABLE: &str = "Account creation is temporarily unavailable";
const SKIP: &str = "SKIPPED: prosody is not installed (apt-get install prosody prosody-modules)";

#[test]
fn prosody_invites_end_to_end() {
    let Some(bins) = Binaries::find() else {
        return skip_or_fail("`prosody` and `prosodyctl` are not on PATH");
    };
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut prosody = match Prosody::configure(&bins, scratch.path()) {
        Ok(p) => p,
        Err(Missing(why)) => return skip_or_fail(&why),
    };
    let key = prosody.create_api_key();
    prosody.start();

    // A port that accepts connections and never answers (the kernel
    // completes the handshake; nobody reads).
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().unwrap().port();
    let api = format!("http://127.0.0.1:{}", prosody.http_port);

    let site = Site::new(&format!(
        r#"
[defaults]
registration_invite_only = false
invite_expiry = 3600

[hosts."{VHOST}".invites]
component = "{BACKEND}"
allowed_outbound_hosts = ["{api}"]
timeout_ms = 5000
[hosts."{VHOST}".invites.options]
api_base = "{api}"
api_key = {{ file = "prosody-api-key" }}

[hosts."forbidden.localhost".invites]
component = "{BACKEND}"
allowed_outbound_hosts = ["{api}"]
[hosts."forbidden.localhost".invites.options]
api_base = "{api}"
api_key = "nosuchkey/ThisIsNotTheSecret"

[hosts."silent.localhost".invites]
component = "{BACKEND}"
allowed_outbound_hosts = ["http://127.0.0.1:{silent_port}"]
[hosts."silent.localhost".invites.options]
api_base = "http://127.0.0.1:{silent_port}"
api_key = {{ file = "prosody-api-key" }}
timeout_ms = 700

[hosts."denied.localhost".invites]
component = "{BACKEND}"
allowed_outbound_hosts = ["http://127.0.0.1:1"]
[hosts."denied.localhost".invites.options]
api_base = "{api}"
api_key = {{ file = "prosody-api-key" }}
"#
    ));
    write_secret(&site.write("prosody-api-key", key.as_bytes()));
    let server = site.start();

    // 1. "Create account" -> 303 to Prosody's own landing page.
    let r = server.post_form(VHOST, "action=register");
    assert_eq!(
        r.status,
        303,
        "{}\n{}\n{}",
        r.text(),
        server.log(),
        prosody.log()
    );
    let landing = r.header("location").expect("Location").to_string();
    let prefix = format!("http://{VHOST}:{}/invites_page?", prosody.http_port);
    let token = landing
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("not Prosody's landing page: {landing}"))
        .to_string();
    assert!(
        token.len() == 24
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "mod_invites tokens are 18 random bytes, base64url: {token:?}"
    );
    assert!(
        !server.log().contains(&key),
        "the API key leaked into the log"
    );

    // 2. The landing page knows the invite.
    let page = prosody.get(&path_of(&landing));
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains(&format!("xmpp:{VHOST}?register;preauth={token}")),
        "the landing page carries the token: {html}"
    );
    let register_href = hrefs(&html)
        .into_iter()
        .find(|h| h.starts_with("register?") || h.contains("/register?"))
        .unwrap_or_else(|| panic!("no link to the register form: {html}"));
    let register_path = resolve(&path_of(&landing), &register_href);
    assert!(register_path.contains(&token), "{register_path}");

    // 3. Prosody's register form (mod_invites_register_web).
    let form_page = prosody.get(&register_path);
    assert_eq!(form_page.status, 200, "{}", form_page.text());
    let form_html = form_page.text();
    assert!(form_html.contains("<form method=\"post\""), "{form_html}");
    let hidden: Vec<(String, String)> = inputs(&form_html)
        .into_iter()
        .filter(|i| i.get("type") == Some("hidden"))
        .map(|i| {
            (
                i.get("name").unwrap_or("").into(),
                i.get("value").unwrap_or("").into(),
            )
        })
        .collect();
    assert!(
        hidden.iter().any(|(n, v)| n == "token" && *v == token),
        "the form carries the token: {hidden:?}"
    );
    let names: Vec<String> = inputs(&form_html)
        .iter()
        .filter_map(|i| i.get("name").map(str::to_string))
        .collect();
    assert!(
        names.iter().any(|n| n == "user") && names.iter().any(|n| n == "password"),
        "{names:?}"
    );

    let submit = |user: &str, password: &str| {
        let mut fields: Vec<(String, String)> = hidden.clone();
        fields.push(("user".into(), user.into()));
        fields.push(("password".into(), password.into()));
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        prosody.post(&register_path, &body)
    };
    // The fixture's password policy is in force (and is what the form shows).
    let short = submit("alice", "short");
    assert_eq!(short.status, 200);
    assert!(
        short.text().contains("Password is too short"),
        "{}",
        short.text()
    );
    assert!(!prosody.login("alice", "short"));

    let password = "correct horse battery staple";
    let done = submit("alice", password);
    assert_eq!(done.status, 200, "{}\n{}", done.text(), prosody.log());
    assert!(
        done.text().contains("Congratulations!") && done.text().contains("alice"),
        "{}\n{}",
        done.text(),
        prosody.log()
    );

    // 4. The account exists: a real XMPP login (SASL PLAIN on loopback).
    assert!(
        prosody.login("alice", password),
        "alice cannot log in\n{}",
        prosody.log()
    );
    assert!(!prosody.login("alice", "not the password"));
    // The invite is used up: its form now sends the visitor away.
    let again = prosody.get(&register_path);
    assert_eq!(again.status, 303, "a used invite is gone: {}", again.text());

    // 5. Failures are a 503 page with the cause in the log, never a redirect.
    // (A silent server trips the component's deadline or the host's
    // first-byte timeout, whichever fires first; both say so.)
    let cases: [(&str, &[&str]); 3] = [
        ("forbidden.localhost", &["403 Forbidden"]),
        (
            "silent.localhost",
            &["no answer within 700 ms", "ConnectionReadTimeout"],
        ),
        ("denied.localhost", &["HttpRequestDenied"]),
    ];
    for (host, causes) in cases {
        let start = Instant::now();
        let r = server.post_form(host, "");
        assert_unavailable(&r, host);
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{host}: {:?}",
            start.elapsed()
        );
        wait_for_log(&server, causes, host);
    }

    // 6. Prosody down: the page says so; back up: it works again, same host
    //    process.
    prosody.stop();
    let r = server.post_form(VHOST, "");
    assert_unavailable(&r, "prosody stopped");
    wait_for_log(&server, &["ConnectionRefused"], "prosody stopped");

    prosody.start();
    let r = server.post_form(VHOST, "");
    assert_eq!(
        r.status,
        303,
        "after Prosody restarted: {}\n{}",
        r.text(),
        server.log()
    );
    let landing = r.header("location").unwrap().to_string();
    assert!(
        landing.starts_with(&prefix) && !landing.ends_with(&token),
        "{landing}"
    );
    assert_eq!(prosody.get(&path_of(&landing)).status, 200);
    drop(silent);
}

/// The page's 503 for a failed invite backend.
fn assert_unavailable(r: &HttpResponse, what: &str) {
    assert_eq!(r.status, 503, "{what}: {}", r.text());
    assert!(r.text().contains(UNAVAILABLE), "{what}: {}", r.text());
    assert!(r.header("location").is_none(), "{what}: no redirect");
}

/// The server logs a request's failure as it finishes; allow it a moment.
fn wait_for_log(server: &crate::support::Server, needles: &[&str], what: &str) {
    let start = Instant::now();
    while !needles.iter().any(|n| server.log().contains(n)) {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{what}: the cause ({needles:?}) is not in the log:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn skip_or_fail(why: &str) {
    if std::env::var("WELCOME_REQUIRE_PROSODY").as_deref() == Ok("1") {
        panic!(
            "WELCOME_REQUIRE_PROSODY=1 but Prosody cannot run here: {why} \
             (apt-get install prosody prosody-modules)"
        );
    }
    // Straight to the process's stderr, past the test harness's capture, so
    // a skip shows in a plain `cargo test` run.
    let _ = writeln!(std::io::stderr(), "{SKIP} ({why})");
}

/// The API key file holds a secret: only its owner reads it.
fn write_secret(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// `prosody` and `prosodyctl`, from PATH.
struct Binaries {
    prosody: PathBuf,
    prosodyctl: PathBuf,
}

impl Binaries {
    fn find() -> Option<Self> {
        let find = |name: &str| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        };
        Some(Self {
            prosody: find("prosody")?,
            prosodyctl: find("prosodyctl")?,
        })
    }
}

/// Why Prosody cannot run (a module missing): skipped unless required.
struct Missing(String);

/// A Prosody on loopback with its own config and data directory; killed on
/// drop, its log shown if the test fails.
struct Prosody {
    prosody: PathBuf,
    prosodyctl: PathBuf,
    config: PathBuf,
    data: PathBuf,
    http_port: u16,
    c2s_port: u16,
    child: Option<Child>,
}

impl Prosody {
    /// Writes the config (free ports, the scratch directory) and checks that
    /// the modules it needs are installed.
    fn configure(bins: &Binaries, scratch: &Path) -> Result<Self, Missing> {
        let data = scratch.join("prosody");
        std::fs::create_dir_all(&data).expect("mkdir");
        let modules = std::fs::canonicalize(FIXTURE_MODULES).expect("tests/prosody/modules");
        for p in [&data, &modules] {
            let s = p.to_str().expect("utf-8 path");
            assert!(
                !s.contains(['"', '\\', '\n']),
                "{s} cannot go in a Lua string"
            );
        }
        let (http_port, c2s_port) = (free_port(), free_port());
        let text = CONFIG_TEMPLATE
            .replace("@DATA_DIR@", data.to_str().unwrap())
            .replace("@MODULES_DIR@", modules.to_str().unwrap())
            .replace("@HTTP_PORT@", &http_port.to_string())
            .replace("@C2S_PORT@", &c2s_port.to_string());
        assert!(!has_placeholder(&text), "a placeholder is left:\n{text}");
        let config = scratch.join("prosody.cfg.lua");
        std::fs::write(&config, text).expect("write the Prosody config");
        let p = Self {
            prosody: bins.prosody.clone(),
            prosodyctl: bins.prosodyctl.clone(),
            config,
            data,
            http_port,
            c2s_port,
            child: None,
        };
        // prosody-modules present? (Debian: /usr/lib/prosody/modules.)
        let out = p.ctl(&["mod_invites_api", "list", VHOST]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if text.contains("Unable to load module") || text.contains("Failed to load module") {
            return Err(Missing(format!("mod_invites_api is not installed: {text}")));
        }
        assert!(out.status.success(), "prosodyctl failed: {text}");
        Ok(p)
    }

    /// Runs `prosodyctl --config <ours> ARGS…` with a deadline.
    fn ctl(&self, args: &[&str]) -> Output {
        let child = Command::new(&self.prosodyctl)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run prosodyctl");
        wait_output(child, Duration::from_secs(60), "prosodyctl")
    }

    /// `prosodyctl mod_invites_api create HOST NAME` -> `KEYID/SECRET`.
    fn create_api_key(&self) -> String {
        let out = self.ctl(&["mod_invites_api", "create", VHOST, "welcome e2e"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "prosodyctl mod_invites_api create failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
            .lines()
            .map(str::trim)
            .find(|l| {
                l.split_once('/').is_some_and(|(id, secret)| {
                    !id.is_empty()
                        && !secret.is_empty()
                        && l.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_/".contains(&b))
                })
            })
            .unwrap_or_else(|| panic!("no KEYID/SECRET in prosodyctl's output: {stdout}"))
            .to_string()
    }

    /// Starts Prosody in the foreground and waits until its invites API
    /// answers (403 without a key: the module is loaded).
    fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::File::create(self.data.join("prosody.out")).expect("log file");
        let child = Command::new(&self.prosody)
            .arg("-F")
            .arg("--config")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start prosody");
        self.child = Some(child);
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                self.child = None;
                panic!("prosody exited ({status}) while starting:\n{}", self.log());
            }
            let last = match self.try_request("GET", "/invites_api?probe=1", "") {
                Ok(r) if r.status == 403 => break,
                Ok(r) => format!("{} {}", r.status, r.text()),
                Err(e) => e,
            };
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "prosody's invites API did not come up in 30 s (last: {last}):\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // c2s is ready when HTTP is (one event loop), but check.
        assert!(
            TcpStream::connect_timeout(&self.addr(self.c2s_port), Duration::from_secs(5)).is_ok(),
            "c2s port is closed:\n{}",
            self.log()
        );
    }

    /// SIGTERM, wait (bounded), and make sure the port is closed.
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let start = Instant::now();
        while TcpStream::connect(self.addr(self.http_port)).is_ok() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the port stays open"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn addr(&self, port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    /// What Prosody logged (its log file and its console output).
    fn log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.data.join(name)).unwrap_or_default();
        let log = read("prosody.log");
        // Debug logging is long: the last part tells the story.
        let tail: String = log
            .lines()
            .rev()
            .take(150)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        format!(
            "---- prosody console ----\n{}\n---- prosody.log (tail) ----\n{tail}",
            read("prosody.out")
        )
    }

    fn get(&self, path: &str) -> HttpResponse {
        self.request("GET", path, "")
    }

    fn post(&self, path: &str, form: &str) -> HttpResponse {
        self.request("POST", path, form)
    }

    fn request(&self, method: &str, path: &str, form: &str) -> HttpResponse {
        self.try_request(method, path, form)
            .unwrap_or_else(|e| panic!("{method} {path} to Prosody: {e}\n{}", self.log()))
    }

    /// One request to Prosody's HTTP port, `Host: localhost:PORT` (its
    /// VirtualHost), `Connection: close`.
    fn try_request(&self, method: &str, path: &str, form: &str) -> Result<HttpResponse, String> {
        let mut stream =
            TcpStream::connect_timeout(&self.addr(self.http_port), Duration::from_secs(5))
                .map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut raw = format!(
            "{method} {path} HTTP/1.1\r\nHost: {VHOST}:{}\r\nConnection: close\r\nUser-Agent: welcome-e2e\r\n",
            self.http_port
        );
        if method == "POST" {
            raw.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
            raw.push_str(&format!("Content-Length: {}\r\n", form.len()));
        }
        raw.push_str("\r\n");
        raw.push_str(form);
        stream
            .write_all(raw.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).map_err(|e| e.to_string())?;
        HttpResponse::parse(&buf)
    }

    /// A real XMPP login: stream, then SASL PLAIN (the fixture allows it
    /// without TLS on loopback). True on `<success/>`.
    fn login(&self, user: &str, password: &str) -> bool {
        use base64::Engine as _;
        let mut s = TcpStream::connect_timeout(&self.addr(self.c2s_port), Duration::from_secs(5))
            .expect("connect to c2s");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "<?xml version='1.0'?><stream:stream to='{VHOST}' version='1.0' xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams'>"
        )
        .unwrap();
        let features = read_until(&mut s, &["</stream:features>"]);
        assert!(
            features.contains("<mechanism>PLAIN</mechanism>"),
            "no SASL PLAIN: {features}"
        );
        let creds =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
        write!(
            s,
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{creds}</auth>"
        )
        .unwrap();
        let answer = read_until(&mut s, &["<success", "<failure"]);
        let _ = s.write_all(b"</stream:stream>");
        answer.contains("<success")
    }
}

impl Drop for Prosody {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("{}", self.log());
        }
    }
}

/// Reads from an XMPP stream until one of `needles` shows up (bounded by
/// the socket's read timeout).
fn read_until(s: &mut TcpStream, needles: &[&str]) -> String {
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    while !needles.iter().any(|n| text.contains(n)) {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    text
}

/// Whether `text` still has an `@NAME@` placeholder.
fn has_placeholder(text: &str) -> bool {
    text.match_indices('@').any(|(i, _)| {
        let name: String = text[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        !name.is_empty() && text[i + 1 + name.len()..].starts_with('@')
    })
}

/// A port free right now on loopback.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// Waits for a child with a deadline, then collects its output.
fn wait_output(mut child: Child, timeout: Duration, what: &str) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("{what} did not finish in {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// The path and query of an absolute URL (or the string, if it is a path).
fn path_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(i) => rest[i..].to_string(),
            None => "/".into(),
        },
        None => url.to_string(),
    }
}

/// Resolves `href` against the page at `base` (a path), as a browser would.
fn resolve(base: &str, href: &str) -> String {
    if href.contains("://") {
        return path_of(href);
    }
    if href.starts_with('/') {
        return href.to_string();
    }
    let dir = base.split('?').next().unwrap_or(base);
    let dir = &dir[..dir.rfind('/').map_or(0, |i| i + 1)];
    format!("{dir}{href}")
}

/// Every `href="…"` in a page, entities decoded.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(v, _)| unescape(v)))
        .collect()
}

/// The attributes of every `<input …>` in a page.
fn inputs(html: &str) -> Vec<Attributes> {
    html.split("<input")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once('>')
                .map(|(attrs, _)| Attributes::parse(attrs))
        })
        .collect()
}

/// A tag's attributes (`name="value"`, or bare `name`).
struct Attributes(Vec<(String, String)>);

impl Attributes {
    fn parse(text: &str) -> Self {
        let mut out = Vec::new();
        let mut rest = text.trim_start();
        while !rest.is_empty() {
            let end = rest
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(rest.len());
            let name = rest[..end].to_ascii_lowercase();
            rest = rest[end..].trim_start();
            let value = if let Some(after) = rest.strip_prefix('=') {
                let after = after.trim_start();
                let (v, tail) = match after.chars().next() {
                    Some(q @ ('"' | '\'')) => after[1..].split_once(q).unwrap_or((&after[1..], "")),
                    _ => {
                        let e = after.find(char::is_whitespace).unwrap_or(after.len());
                        (&after[..e], &after[e..])
                    }
                };
                rest = tail.trim_start();
                unescape(v)
            } else {
                String::new()
            };
            if !name.is_empty() && name != "/" {
                out.push((name, value));
            }
        }
        Self(out)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `application/x-www-form-urlencoded` encoding of one name or value.
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn the_prosody_backend_imports_only_what_spin_provides() {
    use wasmtime::component::Component;
    use wasmtime::{Config, Engine};
    let engine = Engine::new(&Config::new()).unwrap();
    let component = Component::new(&engine, std::fs::read(BACKEND).unwrap()).unwrap();
    let ty = component.component_type();
    let imports: Vec<String> = ty.imports(&engine).map(|(n, _)| n.to_string()).collect();
    let exports: Vec<String> = ty.exports(&engine).map(|(n, _)| n.to_string()).collect();
    assert_eq!(exports, ["welcome:page/invites@0.1.0"], "{exports:?}");
    for name in &imports {
        let wasi = [
            "wasi:cli/",
            "wasi:clocks/",
            "wasi:io/",
            "wasi:http/types@",
            "wasi:http/outgoing-handler@",
        ]
        .iter()
        .any(|p| name.starts_with(p))
            && name.contains("@0.2.");
        assert!(
            wasi || name == "wasi:config/store@0.2.0-draft-2024-09-27",
            "imports {name}: {imports:?}"
        );
    }
    for needed in [
        "wasi:http/outgoing-handler@0.2.12",
        "wasi:config/store@0.2.0-draft-2024-09-27",
    ] {
        assert!(imports.iter().any(|i| i == needed), "{needed}: {imports:?}");
    }
}
