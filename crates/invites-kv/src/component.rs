//! The `welcome:page/invites` export over `wasi:keyvalue/store`.

use std::time::{SystemTime, UNIX_EPOCH};

use welcome_core::invite::TOKEN_BYTES;

use crate::bindings::exports::welcome::page::invites::{Guest, Invite};
use crate::bindings::wasi::config::store as config;
use crate::bindings::wasi::keyvalue::store as kv;
use crate::record::{self, Options, Stored, StoredInvite};

/// Fresh tokens tried before giving up (a collision of 144 random bits is
/// not expected to happen even once).
const ATTEMPTS: usize = 3;

struct InvitesKv;

impl Guest for InvitesKv {
    fn create_account(source: String) -> Result<Invite, String> {
        let opts = Options::from_config(config_get)?;
        let bucket = kv::open(record::BUCKET).map_err(|e| {
            format!(
                "opening key-value store {:?}: {}",
                record::BUCKET,
                kv_error(&e)
            )
        })?;
        for _ in 0..ATTEMPTS {
            let token = record::token_from_bytes(&random_bytes()?);
            let key = record::key(&token);
            if bucket
                .exists(&key)
                .map_err(|e| format!("key-value store: {}", kv_error(&e)))?
            {
                continue;
            }
            let invite = StoredInvite::new(&opts, token, now(), &source);
            // `set` returns once the store has the value: the invite exists
            // before the page redirects anyone to it.
            bucket
                .set(&key, &invite.encode())
                .map_err(|e| format!("storing invite: {}", kv_error(&e)))?;
            return Ok(Invite {
                token: invite.token,
                uri: invite.uri,
                landing_page: invite.landing_page,
                created: invite.created,
                expires: invite.expires,
            });
        }
        Err(format!("no unused token after {ATTEMPTS} attempts"))
    }
}

fn config_get(key: &str) -> Result<Option<String>, String> {
    config::get(key).map_err(|e| match e {
        config::Error::Upstream(m) => format!("config store: {m}"),
        config::Error::Io(m) => format!("config store I/O: {m}"),
    })
}

fn kv_error(e: &kv::Error) -> String {
    match e {
        kv::Error::NoSuchStore => "no such store".to_string(),
        kv::Error::AccessDenied => "access denied".to_string(),
        kv::Error::Other(m) => m.clone(),
    }
}

fn random_bytes() -> Result<[u8; TOKEN_BYTES], String> {
    let bytes = wasip2::random::random::get_random_bytes(TOKEN_BYTES as u64);
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("random source gave {} bytes, not {TOKEN_BYTES}", b.len()))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

crate::bindings::export!(InvitesKv with_types_in crate::bindings);
