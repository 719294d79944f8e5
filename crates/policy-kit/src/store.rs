//! Key-value state: the plugin's bucket (`wasi:keyvalue`, opened as
//! `default`; the host scopes it to the tenant and the plugin instance).
//!
//! Decision logic uses the [`Store`] trait; the component passes a
//! [`KvStore`], native tests a [`MemoryStore`].

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use crate::bindings::wasi::keyvalue::{atomics, store};

/// The only bucket a plugin opens.
pub const BUCKET: &str = "default";

/// A failed key-value operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key-value store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// The key-value operations policies need.
pub trait Store {
    /// Atomically adds `delta` to the counter at `key` (absent counts as 0)
    /// and returns the new value.
    fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError>;
    /// The value at `key`.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Removes `key` (absent is not an error).
    fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// One page of keys, from `cursor` on; the second value is the cursor of
    /// the next page, `None` at the end.
    fn list_keys(
        &self,
        cursor: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), StoreError>;
}

/// The component's bucket, through `wasi:keyvalue/store` and `atomics`.
#[derive(Debug)]
pub struct KvStore {
    bucket: store::Bucket,
}

impl KvStore {
    /// Opens the plugin's bucket ([`BUCKET`]).
    pub fn open() -> Result<Self, StoreError> {
        store::open(BUCKET)
            .map(|bucket| Self { bucket })
            .map_err(kv_error)
    }
}

fn kv_error(e: store::Error) -> StoreError {
    StoreError(match e {
        store::Error::NoSuchStore => "no such store".into(),
        store::Error::AccessDenied => "access denied".into(),
        store::Error::Other(m) => m,
    })
}

impl Store for KvStore {
    fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        atomics::increment(&self.bucket, key, delta).map_err(kv_error)
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.bucket.get(key).map_err(kv_error)
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.bucket.delete(key).map_err(kv_error)
    }

    fn list_keys(
        &self,
        cursor: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), StoreError> {
        self.bucket
            .list_keys(cursor.as_deref())
            .map(|r| (r.keys, r.cursor))
            .map_err(kv_error)
    }
}

/// An in-memory [`Store`] for tests, with optional failure injection.
/// Counters are stored as decimal text.
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// The entries.
    pub map: RefCell<BTreeMap<String, Vec<u8>>>,
    /// When set, every operation fails.
    pub fail: bool,
    /// Keys per [`Store::list_keys`] page (0 means all at once).
    pub page_size: usize,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counter at `key` (absent or unparsable: `None`).
    pub fn counter(&self, key: &str) -> Option<i64> {
        let map = self.map.borrow();
        let bytes = map.get(key)?;
        std::str::from_utf8(bytes).ok()?.parse().ok()
    }

    /// The keys present, in order.
    pub fn keys(&self) -> Vec<String> {
        self.map.borrow().keys().cloned().collect()
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.fail {
            Err(StoreError("injected failure".into()))
        } else {
            Ok(())
        }
    }
}

impl Store for MemoryStore {
    fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        self.check()?;
        let old = self.counter(key).unwrap_or(0);
        let new = old.saturating_add(delta);
        self.map
            .borrow_mut()
            .insert(key.to_string(), new.to_string().into_bytes());
        Ok(new)
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.check()?;
        Ok(self.map.borrow().get(key).cloned())
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.check()?;
        self.map.borrow_mut().remove(key);
        Ok(())
    }

    fn list_keys(
        &self,
        cursor: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), StoreError> {
        self.check()?;
        let map = self.map.borrow();
        let start = match &cursor {
            Some(c) => c
                .parse::<usize>()
                .map_err(|_| StoreError("bad cursor".into()))?,
            None => 0,
        };
        let all: Vec<String> = map.keys().skip(start).cloned().collect();
        if self.page_size == 0 || all.len() <= self.page_size {
            return Ok((all, None));
        }
        let page = all[..self.page_size].to_vec();
        Ok((page, Some((start + self.page_size).to_string())))
    }
}

/// Most keys one [`sweep`] deletes; the rest go in a later sweep.
pub const SWEEP_MAX_DELETES: usize = 1000;
/// Most key pages one [`sweep`] reads.
pub const SWEEP_MAX_PAGES: usize = 32;

/// Deletes (best effort, bounded by [`SWEEP_MAX_PAGES`] and `max_deletes`)
/// every key for which `stale` is true; returns how many were deleted.
/// Keys are collected before any is deleted, so no cursor is disturbed.
pub fn sweep(store: &dyn Store, stale: &dyn Fn(&str) -> bool, max_deletes: usize) -> usize {
    let mut doomed = Vec::new();
    let mut cursor = None;
    for _ in 0..SWEEP_MAX_PAGES {
        let Ok((keys, next)) = store.list_keys(cursor.take()) else {
            break;
        };
        doomed.extend(keys.into_iter().filter(|k| stale(k)));
        if doomed.len() >= max_deletes || next.is_none() {
            break;
        }
        cursor = next;
    }
    doomed.truncate(max_deletes);
    doomed.iter().filter(|k| store.delete(k).is_ok()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_counters() {
        let s = MemoryStore::new();
        assert_eq!(s.increment("a", 1).unwrap(), 1);
        assert_eq!(s.increment("a", 2).unwrap(), 3);
        assert_eq!(s.increment("a", -1).unwrap(), 2);
        assert_eq!(s.get("a").unwrap().unwrap(), b"2");
        s.delete("a").unwrap();
        assert_eq!(s.get("a").unwrap(), None);
        s.delete("a").unwrap();
    }

    #[test]
    fn memory_failure_injection() {
        let s = MemoryStore {
            fail: true,
            ..MemoryStore::default()
        };
        assert!(s.increment("a", 1).is_err());
        assert!(s.list_keys(None).is_err());
    }

    #[test]
    fn sweep_pages_and_bounds() {
        let s = MemoryStore {
            page_size: 3,
            ..MemoryStore::default()
        };
        for i in 0..10 {
            s.increment(&format!("old:{i}"), 1).unwrap();
        }
        s.increment("new:1", 1).unwrap();
        assert_eq!(sweep(&s, &|k| k.starts_with("old:"), 4), 4);
        assert_eq!(s.keys().len(), 7);
        assert_eq!(sweep(&s, &|k| k.starts_with("old:"), 100), 6);
        assert_eq!(s.keys(), vec!["new:1"]);
    }

    #[test]
    fn sweep_of_failing_store_is_harmless() {
        let s = MemoryStore {
            fail: true,
            ..MemoryStore::default()
        };
        assert_eq!(sweep(&s, &|_| true, 10), 0);
    }
}
