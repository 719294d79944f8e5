//! `POST /`: the policy decision, invites, redirects, failures, limits, and
//! what survives a crash or a restart.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::support::Site;

const OPEN_AND_CLOSED: &str = r#"
[defaults]
invite_expiry = 3600

[hosts."open.example"]
registration_invite_only = false

[hosts."landing.example"]
welcome_page_open_registration = true
invites_page = "https://landing.example/invite?{invite.token}"

[hosts."closed.example"]
"#;

fn token_of(location: &str) -> String {
    location
        .rsplit("preauth=")
        .next()
        .or_else(|| location.rsplit('?').next())
        .unwrap()
        .to_string()
}

#[test]
fn open_registration_redirects_to_a_stored_invite() {
    let site = Site::new(OPEN_AND_CLOSED);
    let server = site.start();
    let r = server.post_form("open.example", "action=register");
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.header("location").expect("location").to_string();
    assert!(
        location.starts_with("xmpp:open.example?register;preauth="),
        "{location}"
    );
    let token = token_of(&location);
    assert!(token.len() >= 24, "18 random bytes, base64url: {token}");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );

    let invites = server.invites();
    assert_eq!(invites.len(), 1);
    let inv = &invites[0];
    assert_eq!(inv["token"], token.as_str());
    assert_eq!(inv["host"], "open.example");
    assert_eq!(inv["uri"], location.as_str());
    assert_eq!(inv["source"], "welcome_page");
    assert_eq!(inv["landing_page"], serde_json::Value::Null);
    assert_eq!(
        inv["expires"].as_u64().unwrap(),
        inv["created"].as_u64().unwrap() + 3600
    );

    // Each submission gets its own invite.
    let again = server.post_form("open.example", "");
    assert_ne!(token_of(again.header("location").unwrap()), token);
    assert_eq!(server.invites().len(), 2);
}

#[test]
fn a_landing_page_is_preferred_to_the_xmpp_uri() {
    let site = Site::new(OPEN_AND_CLOSED);
    let server = site.start();
    let r = server.post_form("landing.example", "");
    assert_eq!(r.status, 303);
    let location = r.header("location").unwrap();
    let token = location
        .strip_prefix("https://landing.example/invite?")
        .expect(location);
    let inv = &server.invites()[0];
    assert_eq!(inv["token"], token);
    assert_eq!(inv["landing_page"], location);
    assert_eq!(
        inv["uri"],
        format!("xmpp:landing.example?register;preauth={token}")
    );
}

#[test]
fn closed_registration_shows_the_default_reason_with_403() {
    let site = Site::new(OPEN_AND_CLOSED);
    let server = site.start();
    let r = server.post_form("closed.example", "action=register");
    assert_eq!(r.status, 403);
    let html = r.text();
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("alert-danger"));
    assert!(html.contains("Account creation is not possible at this time"));
    assert!(
        server.invites().is_empty(),
        "no invite for a denied submission"
    );
}

#[test]
fn oversized_bodies_are_413() {
    let site = Site::new(OPEN_AND_CLOSED);
    let server = site.start();
    let big = vec![b'a'; 64 * 1024 + 1];
    let r = server.request(
        "POST",
        "/",
        "open.example",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &big,
    );
    assert_eq!(r.status, 413);
    // Chunked, so the size is only known while reading.
    let mut raw = b"POST / HTTP/1.1\r\nHost: open.example\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n".to_vec();
    for _ in 0..20 {
        raw.extend_from_slice(format!("{:x}\r\n", 8192).as_bytes());
        raw.extend_from_slice(&[b'b'; 8192]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let r = server.raw(&raw);
    assert_eq!(r.status, 413);
    assert!(server.invites().is_empty());
    // Exactly at the limit is fine.
    let ok = vec![b'a'; 64 * 1024];
    let r = server.request("POST", "/", "open.example", &[], &ok);
    assert_eq!(r.status, 303);
}

#[test]
fn a_non_form_body_is_415() {
    let site = Site::new(OPEN_AND_CLOSED);
    let server = site.start();
    let r = server.request(
        "POST",
        "/",
        "open.example",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(r.status, 415);
    assert!(server.invites().is_empty());
}

#[test]
fn an_invite_store_failure_is_a_503_page_and_writes_nothing() {
    let site = Site::new(OPEN_AND_CLOSED);
    let server = site.start();
    let db = rusqlite::Connection::open(site.dir().join("data/invites.sqlite3")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER fail BEFORE INSERT ON invites BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;",
    )
    .unwrap();
    let r = server.post_form("open.example", "");
    assert_eq!(r.status, 503);
    assert!(
        r.text()
            .contains("Account creation is temporarily unavailable"),
        "{}",
        r.text()
    );
    assert!(r.header("location").is_none());
    assert!(
        server.log().contains("disk on fire"),
        "the cause is logged: {}",
        server.log()
    );
    assert!(server.invites().is_empty());
    // Once the store works again, so does the page, without a restart.
    db.execute_batch("DROP TRIGGER fail;").unwrap();
    assert_eq!(server.post_form("open.example", "").status, 303);
}

#[test]
fn an_invite_survives_a_crash_right_after_the_redirect() {
    let site = Site::new(OPEN_AND_CLOSED);
    let mut server = site.start();
    let r = server.post_form("open.example", "");
    assert_eq!(r.status, 303);
    let token = token_of(r.header("location").unwrap());
    server.crash();
    let invites = crate::support::invites(&site.config);
    assert!(
        invites.iter().any(|i| i["token"] == token.as_str()),
        "{invites:?}"
    );
    // And a restarted server keeps serving (and keeps the invite).
    let server = server.restart();
    assert_eq!(server.post_form("open.example", "").status, 303);
    assert_eq!(server.invites().len(), 2);
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let site = Site::new(OPEN_AND_CLOSED);
    let mut server = site.start();
    let mut conn = TcpStream::connect(server.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    conn.write_all(b"POST / HTTP/1.1\r\nHost: open.example\r\nConnection: close\r\nContent-Length: 19\r\n\r\naction=reg")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let killer = std::thread::spawn(move || {
        let status = server.terminate();
        (status, server)
    });
    std::thread::sleep(Duration::from_millis(300));
    conn.write_all(b"ister&x=1").unwrap();
    let mut buf = Vec::new();
    conn.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 303"), "{text}");
    let (status, server) = killer.join().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert_eq!(crate::support::invites(&server.config).len(), 1);
}

#[test]
fn a_stalled_body_gets_408_and_holds_no_instance() {
    let site = Site::new(
        "[server]\nbody_timeout_ms = 800\nmax_instances = 4\n[hosts.\"open.example\"]\nregistration_invite_only = false\n",
    );
    let server = site.start();
    // More stalled uploads than there are instances.
    let stalled: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut c = TcpStream::connect(server.addr).unwrap();
            c.write_all(
                b"POST / HTTP/1.1\r\nHost: open.example\r\nContent-Length: 1000\r\n\r\naction=",
            )
            .unwrap();
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    // Everyone else is still served meanwhile.
    assert_eq!(server.get("open.example", "/").status, 200);
    assert_eq!(server.post_form("open.example", "").status, 303);
    for mut c in stalled {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = Vec::new();
        let _ = c.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    }
    assert!(
        !server.log().contains("ERROR"),
        "a slow client is not an error: {}",
        server.log()
    );
}

#[test]
fn sigterm_does_not_wait_for_a_client_still_sending_headers() {
    let site = Site::new(OPEN_AND_CLOSED);
    let mut server = site.start();
    let mut idle = TcpStream::connect(server.addr).unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: open.example\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let started = std::time::Instant::now();
    assert!(server.terminate().success());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}
