//! An invite backend (world `invite-backend`) that creates Prosody's own
//! invites through the community module `mod_invites_api`, over outgoing
//! `wasi:http`. The visitor then lands on Prosody's invite page
//! (mod_invites_page) and registers there (mod_invites_register_web).
//!
//! Options (config store): `api_base` (Prosody's HTTP base URL), `api_key`
//! (`KEYID/SECRET` from `prosodyctl mod_invites_api create HOST NAME`),
//! optional `timeout_ms`; the server sets `host` and `invite_expiry`.
//!
//! Every failure — Prosody down, slow, refusing the key, failing, or
//! answering without a usable `Location` — is an `Err` naming the cause; the
//! page turns it into its "temporarily unavailable" 503. Never a made-up
//! invite.

mod api;
mod bindings;

use std::time::{SystemTime, UNIX_EPOCH};

use bindings::exports::welcome::page::invites::{Guest, Invite};
use bindings::wasi::config::store;
use wasip2::clocks::monotonic_clock;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{ErrorCode, Fields, Method, OutgoingRequest, RequestOptions, Scheme};

use api::Options;

struct Backend;

impl Guest for Backend {
    fn create_account(source: String) -> Result<Invite, String> {
        let opts = read_options().map_err(|e| format!("invites-prosody is misconfigured: {e}"))?;
        let created = call_api(&opts, &source)
            .map_err(|e| format!("Prosody invites API at {}: {e}", opts.endpoint.url()))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Ok(Invite {
            token: created.token,
            uri: created.uri,
            landing_page: created.landing_page,
            created: now,
            expires: now.saturating_add(opts.invite_expiry),
        })
    }
}

fn read_options() -> Result<Options, String> {
    let pairs = store::get_all().map_err(|e| format!("config store: {e:?}"))?;
    Options::from_lookup(|key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
}

/// One `GET /invites_api?…` with the key, bounded by `timeout_ms` as a
/// whole (and as connect / first-byte / between-bytes timeouts, where the
/// host honours them).
fn call_api(opts: &Options, source: &str) -> Result<api::Created, String> {
    let headers = Fields::from_list(&[
        (
            "authorization".to_string(),
            opts.authorization().into_bytes(),
        ),
        ("accept".to_string(), b"*/*".to_vec()),
    ])
    .map_err(|e| format!("building the request headers: {e:?}"))?;
    let request = OutgoingRequest::new(headers);
    let endpoint = &opts.endpoint;
    let scheme = match endpoint.scheme {
        api::Scheme::Http => Scheme::Http,
        api::Scheme::Https => Scheme::Https,
    };
    let target = endpoint.path_with_query(source);
    request
        .set_method(&Method::Get)
        .and_then(|()| request.set_scheme(Some(&scheme)))
        .and_then(|()| request.set_authority(Some(&endpoint.authority)))
        .and_then(|()| request.set_path_with_query(Some(&target)))
        .map_err(|()| {
            "the host rejected the request's method, scheme, authority or path".to_string()
        })?;

    let timeout_ns = opts.timeout_ms.saturating_mul(1_000_000);
    let options = RequestOptions::new();
    // A host may not support some of these; the overall deadline below holds anyway.
    let _ = options.set_connect_timeout(Some(timeout_ns));
    let _ = options.set_first_byte_timeout(Some(timeout_ns));
    let _ = options.set_between_bytes_timeout(Some(timeout_ns));

    let future = outgoing_handler::handle(request, Some(options)).map_err(|e| describe(&e))?;
    let outcome = {
        let ready = future.subscribe();
        let deadline = monotonic_clock::subscribe_duration(timeout_ns);
        loop {
            if let Some(outcome) = future.get() {
                break outcome;
            }
            let woken = wasip2::io::poll::poll(&[&ready, &deadline]);
            if woken.contains(&1) && !woken.contains(&0) {
                return Err(format!(
                    "no answer within {} ms (timeout_ms)",
                    opts.timeout_ms
                ));
            }
        }
    };
    let response = match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => return Err(describe(&e)),
        Err(()) => return Err("the response was already taken (a bug)".into()),
    };
    let status = response.status();
    let locations = response.headers().get("location");
    api::interpret(status, &locations, &opts.host)
}

/// A transport error in words; the variant name follows in parentheses.
fn describe(e: &ErrorCode) -> String {
    let what = match e {
        ErrorCode::ConnectionRefused => "connection refused (is Prosody running?)",
        ErrorCode::ConnectionTimeout => "connecting timed out",
        ErrorCode::ConnectionReadTimeout | ErrorCode::ConnectionWriteTimeout => {
            "the connection timed out"
        }
        ErrorCode::HttpResponseTimeout => "no response in time",
        ErrorCode::ConnectionTerminated | ErrorCode::ConnectionLimitReached => {
            "the connection broke"
        }
        ErrorCode::DnsError(_) | ErrorCode::DnsTimeout => "the host name did not resolve",
        ErrorCode::DestinationNotFound | ErrorCode::DestinationUnavailable => {
            "the destination is unreachable"
        }
        ErrorCode::HttpRequestDenied => {
            "the server denied the request (is the origin in allowed_outbound_hosts, and its scheme supported?)"
        }
        ErrorCode::TlsCertificateError
        | ErrorCode::TlsAlertReceived(_)
        | ErrorCode::TlsProtocolError => "TLS failed",
        _ => "the request failed",
    };
    format!("{what} ({e:?})")
}

bindings::export!(Backend with_types_in bindings);
