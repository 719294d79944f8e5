//! The native invite store: SQLite in WAL mode with `synchronous = FULL`, so
//! an invite is on disk before the visitor is redirected to it.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rusqlite::{Connection, OptionalExtension, params};
use welcome_core::invite::TOKEN_BYTES;

/// A stored invite: welcome-core's record (mod_invites' fields).
pub use welcome_core::invite::InviteRecord as Invite;

/// Why an invite could not be created or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("invite database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The random source failed.
    #[error("random source: {0}")]
    Random(String),
    /// A lock holder panicked.
    #[error("invite database lock poisoned")]
    Poisoned,
}

/// Parameters of a new invite.
pub struct NewInvite<'a> {
    /// The virtual host.
    pub host: &'a str,
    /// `invite_expiry` in seconds.
    pub expiry: u64,
    /// `invites_page` URL template.
    pub invites_page: Option<&'a str>,
    /// Who asks.
    pub source: &'a str,
}

/// A shared handle to the invite database.
#[derive(Clone)]
pub struct InviteStore {
    conn: Arc<Mutex<Connection>>,
}

impl InviteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        owner_only(path);
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit survives power loss, not only a process crash.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS invites (
                token        TEXT PRIMARY KEY NOT NULL,
                host         TEXT NOT NULL,
                type         TEXT NOT NULL DEFAULT 'register',
                uri          TEXT NOT NULL,
                landing_page TEXT,
                created      INTEGER NOT NULL,
                expires      INTEGER NOT NULL,
                source       TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS invites_host ON invites(host, created);",
        )?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Creates an account invite and commits it before returning.
    pub fn create(&self, new: &NewInvite<'_>) -> Result<Invite, StoreError> {
        let token = new_token()?;
        let created = now();
        let invite = Invite::register(
            new.host,
            token,
            created,
            new.expiry,
            new.invites_page,
            new.source,
        );
        let conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        conn.execute(
            "INSERT INTO invites (token, host, type, uri, landing_page, created, expires, source)
             VALUES (?1, ?2, ?8, ?3, ?4, ?5, ?6, ?7)",
            params![
                invite.token,
                invite.host,
                invite.uri,
                invite.landing_page,
                invite.created as i64,
                invite.expires as i64,
                invite.source,
                invite.kind
            ],
        )?;
        Ok(invite)
    }

    /// Looks an invite up by token (expired ones included).
    pub fn get(&self, token: &str) -> Result<Option<Invite>, StoreError> {
        let conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(conn
            .query_row(
                "SELECT token, host, uri, landing_page, created, expires, source, type
                 FROM invites WHERE token = ?1",
                params![token],
                row_to_invite,
            )
            .optional()?)
    }

    /// All invites of a host (or of every host), oldest first.
    pub fn list(&self, host: Option<&str>) -> Result<Vec<Invite>, StoreError> {
        let conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        let mut stmt = conn.prepare(
            "SELECT token, host, uri, landing_page, created, expires, source, type FROM invites
             WHERE ?1 IS NULL OR host = ?1 ORDER BY created, rowid",
        )?;
        let rows = stmt.query_map(params![host], row_to_invite)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Invite tokens are secrets: the database is readable by its owner only
/// (SQLite gives its -wal and -shm files the same mode).
pub fn owner_only(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            tracing::warn!(file = %path.display(), error = %e, "cannot restrict permissions");
        }
    }
}

fn row_to_invite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Invite> {
    Ok(Invite {
        token: row.get(0)?,
        host: row.get(1)?,
        uri: row.get(2)?,
        landing_page: row.get(3)?,
        created: row.get::<_, i64>(4)? as u64,
        expires: row.get::<_, i64>(5)? as u64,
        source: row.get(6)?,
        kind: row.get(7)?,
    })
}

fn new_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_commits_mod_invites_facts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.sqlite3");
        let store = InviteStore::open(&path).unwrap();
        let inv = store
            .create(&NewInvite {
                host: "example.org",
                expiry: 60,
                invites_page: Some("https://example.org/invite?{invite.token}"),
                source: "welcome_page",
            })
            .unwrap();
        assert!(welcome_core::invite::is_valid_token(&inv.token));
        assert_eq!(inv.token.len(), 24);
        assert_eq!(
            inv.uri,
            format!("xmpp:example.org?register;preauth={}", inv.token)
        );
        assert_eq!(
            inv.landing_page.as_deref(),
            Some(format!("https://example.org/invite?{}", inv.token).as_str())
        );
        assert_eq!(inv.expires, inv.created + 60);
        drop(store);
        // A second connection (as after a restart) sees it.
        let again = InviteStore::open(&path).unwrap();
        assert_eq!(again.get(&inv.token).unwrap(), Some(inv.clone()));
        assert_eq!(again.list(Some("example.org")).unwrap(), vec![inv]);
        assert!(again.list(Some("other")).unwrap().is_empty());
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(new_token().unwrap(), new_token().unwrap());
    }
}
