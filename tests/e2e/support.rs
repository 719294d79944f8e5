//! Test support: start the real `welcome` binary on 127.0.0.1:0 with a
//! config in a temporary directory, and talk raw HTTP/1.1 to it (raw, so a
//! test controls every byte: hostile paths, Host headers, bodies).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The host binary under test.
pub const WELCOME: &str = env!("CARGO_BIN_EXE_welcome");

/// A running server; killed on drop. Its stderr is shown if the test fails.
pub struct Server {
    child: Option<Child>,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where its admin endpoint listens, if configured.
    pub admin: Option<SocketAddr>,
    /// The scratch directory holding the config and data.
    pub dir: PathBuf,
    /// The config file.
    pub config: PathBuf,
    log: Arc<Mutex<String>>,
}

/// A scratch directory with a config file in it.
pub struct Site {
    /// Kept alive for the test's duration.
    pub tmp: tempfile::TempDir,
    /// The config file.
    pub config: PathBuf,
}

impl Site {
    /// Writes `config` (TOML) to a fresh directory.
    pub fn new(config: &str) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("welcome.toml");
        std::fs::write(&path, config).expect("write config");
        Self { tmp, config: path }
    }

    /// The scratch directory.
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes a file under the scratch directory (creating parents).
    pub fn write(&self, rel: &str, contents: &[u8]) -> PathBuf {
        let p = self.tmp.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&p, contents).expect("write");
        p
    }

    /// Starts a server for this site.
    pub fn start(&self) -> Server {
        Server::start(&self.config, self.dir())
    }
}

impl Server {
    /// Starts `welcome serve --config <config> --listen 127.0.0.1:0` and waits
    /// for the line announcing the bound address.
    pub fn start(config: &Path, dir: &Path) -> Self {
        let mut child = Command::new(WELCOME)
            .args(["serve", "--config"])
            .arg(config)
            .args(["--listen", "127.0.0.1:0"])
            .env("WELCOME_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the welcome binary");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        let admin = Arc::new(Mutex::new(None));
        let admin_sink = admin.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("welcome: admin on http://") {
                    *admin_sink.lock().unwrap() = addr.parse::<SocketAddr>().ok();
                }
                if let Some(addr) = line.strip_prefix("welcome: listening on http://") {
                    let _ = tx.send(addr.to_string());
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a.parse().expect("address"),
            Err(_) => {
                let _ = child.kill();
                std::thread::sleep(Duration::from_millis(200));
                panic!("server did not start; its log:\n{}", log.lock().unwrap());
            }
        };
        let admin = *admin.lock().unwrap();
        Self {
            child: Some(child),
            addr,
            admin,
            dir: dir.to_path_buf(),
            config: config.to_path_buf(),
            log,
        }
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends a request and reads the whole response (`Connection: close`).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        host: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (k, v) in headers {
            raw.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        raw.push_str("\r\n");
        let mut bytes = raw.into_bytes();
        bytes.extend_from_slice(body);
        self.raw(&bytes)
    }

    /// `GET path` for `host`.
    pub fn get(&self, host: &str, path: &str) -> HttpResponse {
        self.request("GET", path, host, &[], b"")
    }

    /// `POST /` with a form body for `host`.
    pub fn post_form(&self, host: &str, form: &str) -> HttpResponse {
        self.request(
            "POST",
            "/",
            host,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )
    }

    /// Sends raw bytes and parses the response.
    pub fn raw(&self, bytes: &[u8]) -> HttpResponse {
        self.raw_to(self.addr, bytes)
    }

    /// `GET path` on the admin endpoint, with an optional bearer token.
    pub fn admin_get(&self, path: &str, token: Option<&str>) -> HttpResponse {
        let addr = self.admin.expect("admin endpoint configured");
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let raw =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}\r\n");
        self.raw_to(addr, raw.as_bytes())
    }

    /// Sends raw bytes to `addr` and parses the response.
    pub fn raw_to(&self, addr: SocketAddr, bytes: &[u8]) -> HttpResponse {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        // A server may answer (413) before reading everything: ignore a reset.
        let _ = stream.write_all(bytes);
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf);
        HttpResponse::parse(&buf).unwrap_or_else(|e| {
            panic!(
                "bad response ({e}): {:?}\nserver log:\n{}",
                String::from_utf8_lossy(&buf),
                self.log()
            )
        })
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let child = self.child.as_mut().expect("running");
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill -TERM");
        wait_with_timeout(child, Duration::from_secs(40))
    }

    /// Kills the process hard (SIGKILL), as a crash would.
    pub fn crash(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("kill");
        let _ = child.wait();
    }

    /// Waits until the log contains `needle` (bounded), returning whether it did.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Starts a new server on the same config (after a crash or stop).
    pub fn restart(mut self) -> Server {
        if self.child.is_some() {
            self.crash();
        }
        Server::start(&self.config, &self.dir)
    }

    /// The invites in the store, via `welcome invites` (as an operator would).
    pub fn invites(&self) -> Vec<serde_json::Value> {
        invites(&self.config)
    }
}

/// Runs `welcome invites --config`.
pub fn invites(config: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(WELCOME)
        .args(["invites", "--config"])
        .arg(config)
        .output()
        .expect("run welcome invites");
    assert!(
        out.status.success(),
        "welcome invites failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(
            start.elapsed() < timeout,
            "server did not exit in {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("---- server log ----\n{}", self.log());
        }
    }
}

/// A parsed response.
#[derive(Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names lower case.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// Parses a raw HTTP/1.1 response (Content-Length, chunked, or to EOF).
    pub fn parse(buf: &[u8]) -> Result<Self, String> {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        let head_len = match resp.parse(buf).map_err(|e| e.to_string())? {
            httparse::Status::Complete(n) => n,
            httparse::Status::Partial => return Err("incomplete head".into()),
        };
        let status = resp.code.ok_or("no status")?;
        let headers: Vec<(String, String)> = resp
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_ascii_lowercase(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect();
        let rest = &buf[head_len..];
        let chunked = headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked {
            dechunk(rest)?
        } else {
            rest.to_vec()
        };
        Ok(Self {
            status,
            headers,
            body,
        })
    }

    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunk")?;
        let size_text = std::str::from_utf8(&data[..line_end]).map_err(|e| e.to_string())?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| e.to_string())?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or("short chunk")?);
        data = data.get(size + 2..).ok_or("short chunk")?;
    }
}
