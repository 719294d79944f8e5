//! Test policy that tells what it sees: it passes `current.allowed` on and
//! puts a JSON object in `reason` (see [`report`]). The host's tests use it
//! to check option and key-value scoping and the order of the chain.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use policy_kit::bindings::wasi::config::store as config;
use policy_kit::{Decision, Guest, KvStore, Store, StoreError, Submission};
use serde_json::{Map, Value, json};

/// The key-value key it counts calls under.
pub const SEEN_KEY: &str = "seen";

/// What the key-value store said: the raw value of [`SEEN_KEY`] before the
/// increment, and the counter after it.
pub type KvView = Result<(Option<Vec<u8>>, i64), StoreError>;

/// The reason text: a JSON object with
/// - `config`: every pair of the config store (`get-all`), as an object
///   (or `config_error`: the store's error);
/// - `seen`: the counter [`SEEN_KEY`] before this call incremented it (the
///   value `atomics.increment` returned, minus one: 0 on the first call);
///   `seen_raw`: the bytes `get` returned for it before the increment, as a
///   string when UTF-8 (else an array of bytes), `null` when absent; on a
///   store failure both are `null` and `kv_error` says why;
/// - `remote_addr`: the submission's address or `null`;
/// - `form`: the submission's form as `[[name, value], ...]`;
/// - `host`, `path`, and `current` (`{allowed, reason}`): the verdict so far.
pub fn report(
    s: &Submission,
    current: &Decision,
    config: Result<Vec<(String, String)>, String>,
    kv: KvView,
) -> String {
    let mut out = Map::new();
    match config {
        Ok(pairs) => {
            let obj: Map<String, Value> = pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            out.insert("config".into(), Value::Object(obj));
        }
        Err(e) => {
            out.insert("config_error".into(), Value::String(e));
        }
    }
    match kv {
        Ok((raw, after)) => {
            let raw = match raw {
                None => Value::Null,
                Some(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => Value::String(text),
                    Err(e) => json!(e.into_bytes()),
                },
            };
            out.insert("seen".into(), json!(after.saturating_sub(1)));
            out.insert("seen_raw".into(), raw);
        }
        Err(e) => {
            out.insert("seen".into(), Value::Null);
            out.insert("seen_raw".into(), Value::Null);
            out.insert("kv_error".into(), Value::String(e.0));
        }
    }
    out.insert("remote_addr".into(), json!(s.remote_addr));
    out.insert("form".into(), json!(s.form));
    out.insert("host".into(), json!(s.host));
    out.insert("path".into(), json!(s.path));
    out.insert(
        "current".into(),
        json!({ "allowed": current.allowed, "reason": current.reason }),
    );
    Value::Object(out).to_string()
}

/// Reads [`SEEN_KEY`], then increments it.
fn touch(store: &dyn Store) -> KvView {
    let raw = store.get(SEEN_KEY)?;
    let after = store.increment(SEEN_KEY, 1)?;
    Ok((raw, after))
}

/// The exported policy.
pub struct Echo;

impl Guest for Echo {
    fn check(s: Submission, current: Decision) -> Decision {
        let config = config::get_all().map_err(|e| format!("{e:?}"));
        let kv = KvStore::open().and_then(|store| touch(&store));
        let mut reason: Value =
            serde_json::from_str(&report(&s, &current, config, kv)).unwrap_or(Value::Null);
        if let Value::Object(obj) = &mut reason {
            obj.insert("capabilities".into(), capabilities());
        }
        Decision {
            allowed: current.allowed,
            reason: Some(reason.to_string()),
        }
    }
}

/// What the sandbox lets it reach: environment variable names, and the
/// entries of `/data` (where a granted directory is mounted) or the error.
fn capabilities() -> Value {
    let env: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
    let files = match std::fs::read_dir("/data") {
        Ok(entries) => {
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            json!(names)
        }
        Err(e) => json!({ "error": e.to_string() }),
    };
    json!({ "env": env, "files": files })
}

policy_kit::export!(Echo);

#[cfg(test)]
mod tests {
    use super::*;
    use policy_kit::MemoryStore;

    fn submission() -> Submission {
        Submission {
            host: "a.example".into(),
            path: "/".into(),
            remote_addr: Some("192.0.2.1".into()),
            headers: vec![],
            form: vec![("name".into(), "v".into()), ("name".into(), "w".into())],
        }
    }

    #[test]
    fn reports_everything() {
        let store = MemoryStore::new();
        let current = Decision {
            allowed: true,
            reason: None,
        };
        let config = Ok(vec![("k".to_string(), "v".to_string())]);
        let text = report(&submission(), &current, config.clone(), touch(&store));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["config"], json!({ "k": "v" }));
        assert_eq!(v["seen"], json!(0));
        assert_eq!(v["seen_raw"], Value::Null);
        assert_eq!(v["remote_addr"], json!("192.0.2.1"));
        assert_eq!(v["form"], json!([["name", "v"], ["name", "w"]]));
        assert_eq!(v["host"], json!("a.example"));
        assert_eq!(v["current"], json!({ "allowed": true, "reason": null }));

        let text = report(&submission(), &current, config, touch(&store));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["seen"], json!(1));
        assert_eq!(v["seen_raw"], json!("1"));
    }

    #[test]
    fn reports_failures() {
        let store = MemoryStore {
            fail: true,
            ..MemoryStore::default()
        };
        let current = Decision {
            allowed: false,
            reason: Some("earlier".into()),
        };
        let mut s = submission();
        s.remote_addr = None;
        let text = report(&s, &current, Err("down".into()), touch(&store));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["config_error"], json!("down"));
        assert_eq!(v["seen"], Value::Null);
        assert!(v["kv_error"].as_str().unwrap().contains("injected"));
        assert_eq!(v["remote_addr"], Value::Null);
        assert_eq!(v["current"]["reason"], json!("earlier"));
    }
}
