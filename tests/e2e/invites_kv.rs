//! The Spin flavour of invites — the `invites-kv` backend component over the
//! key-value store — end to end through our host.

use serde_json::Value;

use crate::support::Site;

#[test]
fn invites_kv_stores_the_invite_in_the_tenants_key_value_namespace() {
    let site = Site::new(
        r#"
[server]
kv = "sqlite"
[hosts."kv.example"]
registration_invite_only = false
invite_expiry = 120
invites_page = "https://kv.example/invite?{invite.token}"
invites = { component = "invites-kv" }
[hosts."other.example"]
registration_invite_only = false
invites = { component = "invites-kv" }
"#,
    );
    let server = site.start();
    let r = server.post_form("kv.example", "action=register");
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.header("location").unwrap().to_string();
    let token = location
        .strip_prefix("https://kv.example/invite?")
        .expect(&location)
        .to_string();
    assert!(token.len() >= 24);
    assert!(server.invites().is_empty(), "the native store is not used");
    assert_eq!(server.post_form("other.example", "").status, 303);

    let read = |ns: &str, key: &str| -> Option<Value> {
        let db = rusqlite::Connection::open(site.dir().join("data/kv.sqlite3")).unwrap();
        db.query_row(
            "SELECT value FROM kv WHERE ns = ?1 AND key = ?2",
            [ns, key],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .ok()
        .map(|v| serde_json::from_slice(&v).unwrap())
    };
    let key = format!("invite:{token}");
    let record = read("kv.example/invites-kv/default", &key)
        .expect("the invite is in the tenant's namespace");
    assert_eq!(record["token"], token.as_str());
    assert_eq!(record["host"], "kv.example");
    assert_eq!(record["type"], "register");
    assert_eq!(
        record["uri"],
        format!("xmpp:kv.example?register;preauth={token}")
    );
    assert_eq!(record["landing_page"], location.as_str());
    assert_eq!(record["source"], "welcome_page");
    assert_eq!(
        record["expires"].as_u64().unwrap(),
        record["created"].as_u64().unwrap() + 120
    );
    assert!(
        read("other.example/invites-kv/default", &key).is_none(),
        "another tenant cannot see it"
    );

    // It survives a crash (kv = "sqlite").
    let mut server = server;
    server.crash();
    assert!(read("kv.example/invites-kv/default", &key).is_some());
}
