//! `POST /`: the "Create account" submission.

use welcome_core::decision::STORE_UNAVAILABLE;
use welcome_core::form::{MAX_FORM_BYTES, check_content_type, for_policy};
use welcome_core::invite::WELCOME_PAGE_SOURCE;
use welcome_core::{Decision, Message, decode_form};

use crate::bindings::welcome::page::{invites, policy, types};
use crate::http::{Request, Response};
use crate::page;

/// The header through which the server passes the client's address (Spin's
/// name; our host sets it too and drops any copy the client sent).
pub const CLIENT_ADDR_HEADER: &str = "spin-client-addr";

/// Runs the policy chain and, when allowed, creates an invite and redirects.
pub fn submit(req: &Request) -> Response {
    let opts = match page::options() {
        Ok(o) => o,
        Err(e) => return page::misconfigured(&e),
    };
    if let Err(e) = check_content_type(req.header("content-type")) {
        return Response::text(415, &format!("{e}\n"));
    }
    let form = match decode_form(&req.body, MAX_FORM_BYTES) {
        Ok(f) => f,
        Err(e) => return Response::text(413, &format!("{e}\n")),
    };
    let submission = types::Submission {
        host: opts.host.clone(),
        path: req.path().to_string(),
        remote_addr: req.header(CLIENT_ADDR_HEADER).map(str::to_string),
        headers: for_policy(&req.headers),
        form: for_policy(&form),
    };
    let start = Decision::initial(opts.open_registration);
    let verdict = policy::check(
        &submission,
        &types::Decision {
            allowed: start.allowed,
            reason: start.reason,
        },
    );
    let verdict = Decision {
        allowed: verdict.allowed,
        reason: verdict.reason,
    };
    if let Some(message) = verdict.denial_message() {
        return page::show_with(req, &opts, Some(message), 403);
    }
    match invites::create_account(WELCOME_PAGE_SOURCE) {
        Ok(invite) => {
            let target = invite.landing_page.unwrap_or(invite.uri);
            redirect(&target)
        }
        Err(cause) => {
            eprintln!("welcome-page: invite store failed: {cause}");
            page::show_with(req, &opts, Some(Message::danger(STORE_UNAVAILABLE)), 503)
        }
    }
}

/// `303 See Other` to `target`, with a tiny body for clients that do not
/// follow redirects.
fn redirect(target: &str) -> Response {
    let escaped = target
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    Response::html(
        303,
        format!("<!doctype html><title>Your invite</title><p><a href=\"{escaped}\">Continue to your invite</a></p>\n"),
    )
    .with_header("location", target.to_string())
    .with_header("cache-control", "no-store".to_string())
}
