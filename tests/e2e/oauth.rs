//! Stateless OAuth 2.0 dynamic client registration (RFC 7591), mounted per
//! tenant at /oauth2/ through the real host; verification through
//! `welcome oauth verify`, as an operator or authorization server would.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::{Site, WELCOME};

const KEY: &str = "example-registration-key-CHANGE-ME-0123456789";

fn site(extra: &str) -> Site {
    let site = Site::new(&format!(
        r#"
[defaults.routes]
"/" = "welcome-page"
"/oauth2/" = {{ component = "oauth-register", options = {{ oauth2_registration_key = {{ file = "oauth.key" }} }} }}

[hosts."a.example"]
[hosts."b.example"]
[hosts."ttl.example".routes]
"/oauth2/" = {{ component = "oauth-register", options = {{ oauth2_registration_key = {{ file = "oauth.key" }}, oauth2_registration_ttl = 1 }} }}
{extra}
"#
    ));
    site.write("oauth.key", format!("{KEY}\n").as_bytes());
    site
}

fn register(server: &crate::support::Server, host: &str, body: &Value) -> (u16, Value) {
    let r = server.request(
        "POST",
        "/oauth2/register",
        host,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    let json = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    (r.status, json)
}

fn client() -> Value {
    json!({
        "client_name": "Example Portal",
        "client_uri": "https://portal.example.com/",
        "redirect_uris": ["https://portal.example.com/callback"],
        "surprise": "dropped",
    })
}

fn verify(site: &Site, host: &str, client_id: &str, secret: Option<&str>) -> Result<Value, String> {
    let mut cmd = Command::new(WELCOME);
    cmd.args(["oauth", "verify", "--config"])
        .arg(&site.config)
        .args(["--host", host, client_id]);
    if let Some(s) = secret {
        cmd.args(["--secret", s]);
    }
    let out = cmd.output().expect("run welcome oauth verify");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("json"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn registration_returns_a_verifiable_stateless_client() {
    let site = site("");
    let server = site.start();
    let r = server.request(
        "POST",
        "/oauth2/register",
        "a.example",
        &[("Content-Type", "application/json")],
        client().to_string().as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["client_name"], "Example Portal");
    assert!(body.get("surprise").is_none(), "unknown fields are dropped");
    assert_eq!(body["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(body["client_secret_expires_at"], 0);
    let id = body["client_id"].as_str().unwrap();
    let secret = body["client_secret"].as_str().unwrap();

    let verified = verify(&site, "a.example", id, Some(secret)).expect("verifies");
    assert_eq!(verified["client_name"], "Example Portal");
    assert_eq!(
        verified["redirect_uris"][0],
        "https://portal.example.com/callback"
    );

    // Same key, other tenant: never valid there.
    let err = verify(&site, "b.example", id, Some(secret)).unwrap_err();
    assert!(err.contains("invalid-client-id"), "{err}");
    // Wrong secret.
    let err = verify(&site, "a.example", id, Some("00")).unwrap_err();
    assert!(err.contains("invalid-secret"), "{err}");
    // A tampered token: change one character of the payload.
    let mut parts: Vec<String> = id.split('.').map(str::to_string).collect();
    let mut payload: Vec<char> = parts[1].chars().collect();
    payload[5] = if payload[5] == 'A' { 'B' } else { 'A' };
    parts[1] = payload.into_iter().collect();
    let err = verify(&site, "a.example", &parts.join("."), None).unwrap_err();
    assert!(err.contains("invalid-client-id"), "{err}");
    // The same metadata never yields the same client twice.
    let (_, again) = register(&server, "a.example", &client());
    assert_ne!(again["client_id"], body["client_id"]);
    assert_ne!(again["client_secret"], body["client_secret"]);

    assert!(!server.log().contains(KEY), "the key never reaches the log");
}

#[test]
fn ttl_is_enforced() {
    let site = site("");
    let server = site.start();
    let (status, body) = register(&server, "ttl.example", &client());
    assert_eq!(status, 201, "{body}");
    let issued = body["client_id_issued_at"].as_u64().unwrap();
    assert_eq!(
        body["client_secret_expires_at"].as_u64().unwrap(),
        issued + 1
    );
    let id = body["client_id"].as_str().unwrap().to_string();
    let secret = body["client_secret"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let err = verify(&site, "ttl.example", &id, Some(&secret)).unwrap_err();
    assert!(err.contains("expired"), "{err}");
}

#[test]
fn bad_requests_get_rfc7591_errors() {
    let site = site("");
    let server = site.start();
    let (status, body) = register(
        &server,
        "a.example",
        &json!({"client_name": "x", "client_uri": "http://insecure.example/"}),
    );
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_client_metadata", "{body}");
    let (status, body) = register(
        &server,
        "a.example",
        &json!({"client_name": "x", "client_uri": "https://a.example.com/", "redirect_uris": ["https://evil.example/cb"]}),
    );
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_redirect_uri", "{body}");
    let r = server.request(
        "POST",
        "/oauth2/register",
        "a.example",
        &[("Content-Type", "application/json")],
        b"{not json",
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("invalid_request"), "{}", r.text());
    let r = server.request(
        "POST",
        "/oauth2/register",
        "a.example",
        &[("Content-Type", "text/plain")],
        b"hello",
    );
    assert_eq!(r.status, 415);
    let big = format!("{{\"client_name\": \"{}\"}}", "x".repeat(20 * 1024));
    let r = server.request(
        "POST",
        "/oauth2/register",
        "a.example",
        &[("Content-Type", "application/json")],
        big.as_bytes(),
    );
    assert_eq!(r.status, 413);
}

#[test]
fn metadata_document_lists_the_registration_endpoint() {
    let site = site("");
    let server = site.start();
    let r = server.get("a.example", "/.well-known/oauth-authorization-server");
    assert_eq!(r.status, 200, "{}", r.text());
    let doc: Value = serde_json::from_slice(&r.body).unwrap();
    assert!(
        doc["registration_endpoint"]
            .as_str()
            .unwrap()
            .ends_with("/oauth2/register"),
        "{doc}"
    );
    // The page is still served beside it.
    assert_eq!(server.get("a.example", "/").status, 200);
}

#[test]
fn the_key_must_be_long_and_kept_out_of_the_config() {
    let site = Site::new(
        "[hosts.a.routes]\n\"/oauth2/\" = { component = \"oauth-register\", options = { oauth2_registration_key = { file = \"short.key\" } } }\n",
    );
    site.write("short.key", b"too-short");
    let out = Command::new(WELCOME)
        .args(["check-config", "--config"])
        .arg(&site.config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at least 32 bytes"), "{err}");
    assert!(!err.contains("too-short"), "the key is not echoed: {err}");

    let site = Site::new(&format!(
        "[hosts.a.routes]\n\"/oauth2/\" = {{ component = \"oauth-register\", options = {{ oauth2_registration_key = \"{KEY}\" }} }}\n"
    ));
    let out = Command::new(WELCOME)
        .args(["check-config", "--config"])
        .arg(&site.config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("from a file or the environment"), "{err}");
    assert!(err.contains("welcome.toml:2:"), "{err}");
}
