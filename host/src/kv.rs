//! The key-value store plugins see (`wasi:keyvalue@0.2.0-draft2`, the
//! version Spin serves), scoped per tenant and plugin: a plugin names a
//! bucket (`default`), the host files its keys under
//! `<tenant>/<plugin>/<bucket>`, so no plugin can reach another's keys.
//!
//! In memory by default; SQLite under `data_dir` when configured.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

/// The only bucket name a plugin may open (as on Spin without extra stores).
pub const DEFAULT_BUCKET: &str = "default";

/// Keys one namespace may hold; a plugin cannot grow the host without bound.
pub const MAX_KEYS_PER_NAMESPACE: usize = 100_000;

/// Largest value a plugin may store.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// A store error, as the guest sees it.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The limit on keys or value size was hit.
    #[error("{0}")]
    Limit(String),
    /// The stored value is not a number (for `increment`).
    #[error("value is not a 64-bit little-endian or decimal integer")]
    NotANumber,
    /// The backend failed.
    #[error("{0}")]
    Backend(String),
}

/// Where the data lives.
pub trait KvBackend: Send + Sync {
    /// The value of `key`.
    fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    /// Sets `key`.
    fn set(&self, ns: &str, key: &str, value: &[u8]) -> Result<(), KvError>;
    /// Deletes `key` (no error if absent).
    fn delete(&self, ns: &str, key: &str) -> Result<(), KvError>;
    /// Keys in order, from after `cursor`, at most `limit`.
    fn keys(&self, ns: &str, cursor: Option<&str>, limit: usize) -> Result<Vec<String>, KvError>;
    /// Adds `delta` to the integer at `key` (absent = 0), atomically.
    fn increment(&self, ns: &str, key: &str, delta: i64) -> Result<i64, KvError>;
    /// Sets `key` to `value` if it still holds `expected`, atomically.
    fn compare_and_swap(
        &self,
        ns: &str,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, KvError>;
}

/// Integers are stored as decimal text (readable with `get`, like Spin's).
fn parse_int(v: &[u8]) -> Result<i64, KvError> {
    std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or(KvError::NotANumber)
}

fn check_value(value: &[u8]) -> Result<(), KvError> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(KvError::Limit(format!(
            "values are limited to {MAX_VALUE_BYTES} bytes"
        )));
    }
    Ok(())
}

/// In-memory backend.
#[derive(Default)]
pub struct MemoryKv {
    data: Mutex<HashMap<String, std::collections::BTreeMap<String, Vec<u8>>>>,
}

impl MemoryKv {
    fn with<T>(
        &self,
        ns: &str,
        f: impl FnOnce(&mut std::collections::BTreeMap<String, Vec<u8>>) -> Result<T, KvError>,
    ) -> Result<T, KvError> {
        let mut data = self
            .data
            .lock()
            .map_err(|_| KvError::Backend("lock poisoned".into()))?;
        f(data.entry(ns.to_string()).or_default())
    }
}

fn insert_checked(
    map: &mut std::collections::BTreeMap<String, Vec<u8>>,
    key: &str,
    value: Vec<u8>,
) -> Result<(), KvError> {
    if !map.contains_key(key) && map.len() >= MAX_KEYS_PER_NAMESPACE {
        return Err(KvError::Limit(format!(
            "a plugin may keep at most {MAX_KEYS_PER_NAMESPACE} keys"
        )));
    }
    map.insert(key.to_string(), value);
    Ok(())
}

impl KvBackend for MemoryKv {
    fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.with(ns, |m| Ok(m.get(key).cloned()))
    }
    fn set(&self, ns: &str, key: &str, value: &[u8]) -> Result<(), KvError> {
        check_value(value)?;
        self.with(ns, |m| insert_checked(m, key, value.to_vec()))
    }
    fn delete(&self, ns: &str, key: &str) -> Result<(), KvError> {
        self.with(ns, |m| {
            m.remove(key);
            Ok(())
        })
    }
    fn keys(&self, ns: &str, cursor: Option<&str>, limit: usize) -> Result<Vec<String>, KvError> {
        self.with(ns, |m| {
            Ok(m.keys()
                .filter(|k| cursor.is_none_or(|c| k.as_str() > c))
                .take(limit)
                .cloned()
                .collect())
        })
    }
    fn increment(&self, ns: &str, key: &str, delta: i64) -> Result<i64, KvError> {
        self.with(ns, |m| {
            let current = m.get(key).map(|v| parse_int(v)).transpose()?.unwrap_or(0);
            let next = current.saturating_add(delta);
            insert_checked(m, key, next.to_string().into_bytes())?;
            Ok(next)
        })
    }
    fn compare_and_swap(
        &self,
        ns: &str,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, KvError> {
        check_value(value)?;
        self.with(ns, |m| {
            if m.get(key).map(Vec::as_slice) != expected {
                return Ok(false);
            }
            insert_checked(m, key, value.to_vec())?;
            Ok(true)
        })
    }
}

/// SQLite backend (WAL): survives restarts.
pub struct SqliteKv {
    conn: Mutex<Connection>,
}

impl SqliteKv {
    /// Opens (creating) the database.
    pub fn open(path: &Path) -> Result<Self, KvError> {
        let be = |e: rusqlite::Error| KvError::Backend(e.to_string());
        let conn = Connection::open(path).map_err(be)?;
        crate::invites::owner_only(path);
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(be)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(be)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS kv (ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID;",
        )
        .map_err(be)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, KvError> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| KvError::Backend("lock poisoned".into()))?;
        f(&mut conn).map_err(|e| KvError::Backend(e.to_string()))
    }

    fn room_for(
        tx: &rusqlite::Transaction<'_>,
        ns: &str,
        key: &str,
    ) -> Result<bool, rusqlite::Error> {
        let exists: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM kv WHERE ns = ?1 AND key = ?2)",
            params![ns, key],
            |r| r.get(0),
        )?;
        if exists {
            return Ok(true);
        }
        let count: i64 =
            tx.query_row("SELECT COUNT(*) FROM kv WHERE ns = ?1", params![ns], |r| {
                r.get(0)
            })?;
        Ok((count as usize) < MAX_KEYS_PER_NAMESPACE)
    }
}

/// The value of `key` in `ns`.
fn read(c: &Connection, ns: &str, key: &str) -> Result<Option<Vec<u8>>, rusqlite::Error> {
    c.query_row(
        "SELECT value FROM kv WHERE ns = ?1 AND key = ?2",
        params![ns, key],
        |r| r.get(0),
    )
    .optional()
}

/// Sets `key` in `ns` (insert or replace).
fn upsert(c: &Connection, ns: &str, key: &str, value: &[u8]) -> Result<(), rusqlite::Error> {
    c.execute(
        "INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value",
        params![ns, key, value],
    )
    .map(|_| ())
}

const FULL: &str = "a plugin may keep at most 100000 keys";

impl KvBackend for SqliteKv {
    fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.with(|c| read(c, ns, key))
    }
    fn set(&self, ns: &str, key: &str, value: &[u8]) -> Result<(), KvError> {
        check_value(value)?;
        let ok = self.with(|c| {
            let tx = c.transaction()?;
            if !Self::room_for(&tx, ns, key)? {
                return Ok(false);
            }
            upsert(&tx, ns, key, value)?;
            tx.commit()?;
            Ok(true)
        })?;
        if ok {
            Ok(())
        } else {
            Err(KvError::Limit(FULL.into()))
        }
    }
    fn delete(&self, ns: &str, key: &str) -> Result<(), KvError> {
        self.with(|c| {
            c.execute(
                "DELETE FROM kv WHERE ns = ?1 AND key = ?2",
                params![ns, key],
            )
            .map(|_| ())
        })
    }
    fn keys(&self, ns: &str, cursor: Option<&str>, limit: usize) -> Result<Vec<String>, KvError> {
        self.with(|c| {
            let mut stmt = c.prepare("SELECT key FROM kv WHERE ns = ?1 AND (?2 IS NULL OR key > ?2) ORDER BY key LIMIT ?3")?;
            let rows = stmt.query_map(params![ns, cursor, limit as i64], |r| r.get(0))?;
            rows.collect()
        })
    }
    fn increment(&self, ns: &str, key: &str, delta: i64) -> Result<i64, KvError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let current = read(&tx, ns, key)?;
            let current = match current.as_deref().map(parse_int) {
                None => 0,
                Some(Ok(n)) => n,
                Some(Err(_)) => return Ok(Err(KvError::NotANumber)),
            };
            if !Self::room_for(&tx, ns, key)? {
                return Ok(Err(KvError::Limit(FULL.into())));
            }
            let next = current.saturating_add(delta);
            upsert(&tx, ns, key, &next.to_string().into_bytes())?;
            tx.commit()?;
            Ok(Ok(next))
        })?
    }
    fn compare_and_swap(
        &self,
        ns: &str,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, KvError> {
        check_value(value)?;
        self.with(|c| {
            let tx = c.transaction()?;
            let current = read(&tx, ns, key)?;
            if current.as_deref() != expected {
                return Ok(Ok(false));
            }
            if !Self::room_for(&tx, ns, key)? {
                return Ok(Err(KvError::Limit(FULL.into())));
            }
            upsert(&tx, ns, key, value)?;
            tx.commit()?;
            Ok(Ok(true))
        })?
    }
}

/// One plugin instance's view: its namespace in a shared backend.
#[derive(Clone)]
pub struct KvScope {
    /// `<tenant>/<plugin>`.
    pub prefix: String,
    /// The backend.
    pub backend: Arc<dyn KvBackend>,
}

/// The host value behind a guest's `bucket` resource.
pub struct Bucket {
    /// `<tenant>/<plugin>/<bucket>`.
    pub namespace: String,
}

/// The host value behind a guest's `cas` resource: the key and the value it
/// held when the guest looked.
pub struct Cas {
    /// The bucket's namespace.
    pub namespace: String,
    /// The key.
    pub key: String,
    /// What it held.
    pub seen: Option<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(kv: &dyn KvBackend) {
        assert_eq!(kv.get("a", "k").unwrap(), None);
        kv.set("a", "k", b"v").unwrap();
        assert_eq!(kv.get("a", "k").unwrap().as_deref(), Some(&b"v"[..]));
        assert_eq!(kv.get("b", "k").unwrap(), None, "namespaces are separate");
        assert_eq!(kv.increment("a", "n", 2).unwrap(), 2);
        assert_eq!(kv.increment("a", "n", -5).unwrap(), -3);
        assert!(matches!(
            kv.increment("a", "k", 1),
            Err(KvError::NotANumber)
        ));
        assert_eq!(kv.keys("a", None, 10).unwrap(), vec!["k", "n"]);
        assert_eq!(kv.keys("a", Some("k"), 10).unwrap(), vec!["n"]);
        assert!(kv.compare_and_swap("a", "k", Some(b"v"), b"w").unwrap());
        assert!(!kv.compare_and_swap("a", "k", Some(b"v"), b"x").unwrap());
        assert!(kv.compare_and_swap("a", "new", None, b"1").unwrap());
        kv.delete("a", "k").unwrap();
        assert_eq!(kv.get("a", "k").unwrap(), None);
        assert!(matches!(
            kv.set("a", "big", &vec![0; MAX_VALUE_BYTES + 1]),
            Err(KvError::Limit(_))
        ));
    }

    #[test]
    fn memory_backend() {
        exercise(&MemoryKv::default());
    }

    #[test]
    fn sqlite_backend_persists() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.sqlite3");
        exercise(&SqliteKv::open(&path).unwrap());
        let again = SqliteKv::open(&path).unwrap();
        assert_eq!(again.get("a", "n").unwrap().as_deref(), Some(&b"-3"[..]));
    }
}
