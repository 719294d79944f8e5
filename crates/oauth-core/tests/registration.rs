//! The registration endpoint's HTTP behaviour, driven through
//! `oauth_core::handle` as the component drives it, plus verification.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_core::endpoint::{REGISTER_PATH, WELL_KNOWN_PATH};
use oauth_core::{
    Body, Context, MAX_BODY_BYTES, NONCE_LEN, Options, OptionsError, Registrar, Request, Response,
    VerifyError, handle,
};
use serde_json::{Value, json};

const KEY: &str = "example-registration-key-CHANGE-ME";
const HOST: &str = "example.org";
const NOW: u64 = 1_767_225_600;

fn options() -> Options {
    Options::new(KEY).unwrap()
}

fn options_allowing_everything() -> Options {
    let mut o = options();
    o.allowed_oauth2_grant_types = [
        "authorization_code",
        "refresh_token",
        "implicit",
        "password",
    ]
    .map(String::from)
    .to_vec();
    o.allowed_oauth2_response_types = ["code", "token"].map(String::from).to_vec();
    o
}

fn ctx(host: &str, nonce: u8) -> Context<'_> {
    Context {
        host,
        now: NOW,
        nonce: [nonce; NONCE_LEN],
    }
}

fn request<'a>(
    method: &'a str,
    path: &'a str,
    content_type: Option<&'a str>,
    body: Body<'a>,
) -> Request<'a> {
    Request {
        method,
        path,
        scheme: Some("https"),
        authority: Some(HOST),
        content_type,
        body,
    }
}

fn post_with(options: &Options, body: &Value) -> Response {
    let bytes = body.to_string().into_bytes();
    handle(
        &request(
            "POST",
            REGISTER_PATH,
            Some("application/json"),
            Body::Complete(&bytes),
        ),
        Ok(options),
        &ctx(HOST, 7),
    )
}

fn post(body: &Value) -> Response {
    post_with(&options(), body)
}

/// A valid web client; tests change one thing at a time.
fn web() -> Value {
    json!({
        "client_name": "Example App",
        "client_uri": "https://app.example.com/",
        "redirect_uris": ["https://app.example.com/callback"],
    })
}

fn with(mut base: Value, changes: Value) -> Value {
    if let (Value::Object(base_map), Value::Object(changes)) = (&mut base, changes) {
        for (k, v) in changes {
            base_map.insert(k, v);
        }
    }
    base
}

fn native(redirect: &str) -> Value {
    with(web(), json!({ "redirect_uris": [redirect] }))
}

fn created(response: &Response) -> Value {
    assert_eq!(
        response.status,
        201,
        "expected 201, got {} {}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    response.json()
}

fn assert_error(response: &Response, status: u16, error: &str) {
    let doc = response.json();
    assert_eq!(
        (response.status, doc["error"].as_str()),
        (status, Some(error)),
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    assert!(
        doc["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "error_description missing"
    );
    assert_eq!(response.header("content-type"), Some("application/json"));
}

fn claims(client_id: &str) -> Value {
    let payload = client_id.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

// ---------------------------------------------------------------- valid

#[test]
fn valid_minimal_web_client_gets_defaults_and_a_secret() {
    let doc = created(&post(&web()));
    assert_eq!(doc["client_name"], "Example App");
    assert_eq!(doc["client_uri"], "https://app.example.com/");
    assert_eq!(
        doc["redirect_uris"],
        json!(["https://app.example.com/callback"])
    );
    assert_eq!(doc["application_type"], "web");
    assert_eq!(doc["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(doc["grant_types"], json!(["authorization_code"]));
    assert_eq!(doc["response_types"], json!(["code"]));
    assert_eq!(doc["client_id_issued_at"], NOW);
    assert_eq!(doc["client_secret_expires_at"], 0);
    let id = doc["client_id"].as_str().unwrap();
    let secret = doc["client_secret"].as_str().unwrap();
    assert_eq!(secret.len(), 64);
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    let c = claims(id);
    assert_eq!(c["iat"], NOW);
    assert_eq!(c["host"], HOST);
    assert!(c["nonce"].as_str().is_some_and(|n| n.len() >= 16));
    assert!(c.get("exp").is_none());
    let options = options();
    let client = Registrar::new(&options, HOST)
        .verify(id, Some(secret), NOW + 1_000_000_000)
        .unwrap();
    assert_eq!(client.metadata.client_name, "Example App");
}

#[test]
fn valid_native_loopback_ipv4_with_port_is_inferred_native() {
    let doc = created(&post(&native("http://127.0.0.1:8080/cb")));
    assert_eq!(doc["application_type"], "native");
}

#[test]
fn valid_native_localhost_any_port() {
    let doc = created(&post(&native("http://localhost:53121/oauth")));
    assert_eq!(doc["application_type"], "native");
}

#[test]
fn valid_native_ipv6_loopback() {
    let doc = created(&post(&native("http://[::1]:9000/cb")));
    assert_eq!(doc["application_type"], "native");
}

#[test]
fn valid_native_private_use_scheme_is_reverse_dns_of_client_host() {
    let doc = created(&post(&native("com.example.app:/oauth/callback")));
    assert_eq!(doc["application_type"], "native");
}

#[test]
fn valid_native_out_of_band() {
    let doc = created(&post(&native("urn:ietf:wg:oauth:2.0:oob")));
    assert_eq!(doc["application_type"], "native");
}

#[test]
fn valid_explicit_native_with_several_redirects() {
    let body = with(
        web(),
        json!({
            "application_type": "native",
            "redirect_uris": ["http://localhost/cb", "com.example.app:/cb", "urn:ietf:wg:oauth:2.0:oob"],
        }),
    );
    assert_eq!(created(&post(&body))["application_type"], "native");
}

#[test]
fn valid_public_client_gets_no_secret() {
    let doc = created(&post(&with(
        web(),
        json!({"token_endpoint_auth_method": "none"}),
    )));
    assert_eq!(doc["token_endpoint_auth_method"], "none");
    assert!(doc.get("client_secret").is_none());
    assert!(doc.get("client_secret_expires_at").is_none());
    assert!(doc["client_id"].is_string());
}

#[test]
fn valid_client_secret_post() {
    let doc = created(&post(&with(
        web(),
        json!({"token_endpoint_auth_method": "client_secret_post"}),
    )));
    assert_eq!(doc["token_endpoint_auth_method"], "client_secret_post");
    assert!(doc["client_secret"].is_string());
}

#[test]
fn valid_password_grant_only_client_with_empty_response_types() {
    let body = json!({
        "client_name": "Bot",
        "client_uri": "https://bot.example.com",
        "grant_types": ["password"],
        "response_types": [],
    });
    let doc = created(&post_with(&options_allowing_everything(), &body));
    assert_eq!(doc["grant_types"], json!(["password"]));
    assert_eq!(doc["response_types"], json!([]));
    assert_eq!(doc["redirect_uris"], json!([]));
}

#[test]
fn valid_implicit_client_when_allowed() {
    let body = with(
        web(),
        json!({"grant_types": ["implicit"], "response_types": ["token"]}),
    );
    let doc = created(&post_with(&options_allowing_everything(), &body));
    assert_eq!(doc["response_types"], json!(["token"]));
}

#[test]
fn valid_authorization_code_with_refresh_token() {
    let body = with(
        web(),
        json!({"grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]}),
    );
    let doc = created(&post(&body));
    assert_eq!(
        doc["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
}

#[test]
fn valid_informative_uris_on_client_host() {
    let body = with(
        web(),
        json!({
            "logo_uri": "https://app.example.com/logo.png",
            "tos_uri": "https://app.example.com/tos",
            "policy_uri": "https://app.example.com:8443/privacy",
        }),
    );
    let doc = created(&post(&body));
    assert_eq!(doc["logo_uri"], "https://app.example.com/logo.png");
    assert_eq!(doc["tos_uri"], "https://app.example.com/tos");
    assert_eq!(doc["policy_uri"], "https://app.example.com:8443/privacy");
}

#[test]
fn valid_optional_descriptive_fields_are_kept() {
    let body = with(
        web(),
        json!({
            "scope": "openid xmpp profile:read",
            "contacts": ["admin@example.com", "ops@example.com"],
            "software_id": "4NRB1-0XZABZI9E6-5SM3R",
            "software_version": "2.1",
        }),
    );
    let doc = created(&post(&body));
    assert_eq!(doc["scope"], "openid xmpp profile:read");
    assert_eq!(
        doc["contacts"],
        json!(["admin@example.com", "ops@example.com"])
    );
    assert_eq!(doc["software_id"], "4NRB1-0XZABZI9E6-5SM3R");
    assert_eq!(doc["software_version"], "2.1");
}

#[test]
fn valid_unknown_and_server_only_fields_are_dropped_before_signing() {
    let body = with(
        web(),
        json!({
            "iat": 1, "exp": 2, "nonce": "chosen", "host": "evil.example",
            "client_id": "mine", "client_secret": "mine", "client_id_issued_at": 3,
            "jwks": {"keys": []}, "x-custom": true,
        }),
    );
    let doc = created(&post(&body));
    for dropped in ["iat", "exp", "nonce", "host", "jwks", "x-custom"] {
        assert!(doc.get(dropped).is_none(), "{dropped} echoed");
    }
    assert_ne!(doc["client_id"], "mine");
    assert_ne!(doc["client_secret"], "mine");
    assert_eq!(doc["client_id_issued_at"], NOW);
    let c = claims(doc["client_id"].as_str().unwrap());
    assert_eq!(c["iat"], NOW);
    assert_eq!(c["host"], HOST);
    assert_ne!(c["nonce"], "chosen");
    assert!(c.get("exp").is_none());
    for dropped in ["jwks", "x-custom", "client_secret", "client_id"] {
        assert!(c.get(dropped).is_none(), "{dropped} signed");
    }
}

#[test]
fn valid_null_members_count_as_absent() {
    let body = with(
        web(),
        json!({"logo_uri": null, "grant_types": null, "scope": null}),
    );
    let doc = created(&post(&body));
    assert!(doc.get("logo_uri").is_none());
    assert_eq!(doc["grant_types"], json!(["authorization_code"]));
}

#[test]
fn valid_web_client_with_several_redirects_on_its_host() {
    let body = with(
        web(),
        json!({"redirect_uris": ["https://app.example.com/a", "https://app.example.com:8443/b?x=1"]}),
    );
    assert_eq!(created(&post(&body))["application_type"], "web");
}

#[test]
fn valid_content_type_with_parameters() {
    let bytes = web().to_string().into_bytes();
    let r = handle(
        &request(
            "POST",
            REGISTER_PATH,
            Some("Application/JSON; charset=utf-8"),
            Body::Complete(&bytes),
        ),
        Ok(&options()),
        &ctx(HOST, 1),
    );
    created(&r);
}

#[test]
fn valid_host_comparison_ignores_case() {
    let body = with(
        web(),
        json!({"client_uri": "https://App.Example.COM", "redirect_uris": ["https://app.example.com/cb"]}),
    );
    created(&post(&body));
}

#[test]
fn valid_same_metadata_never_gives_the_same_id_or_secret() {
    let bytes = web().to_string().into_bytes();
    let req = request(
        "POST",
        REGISTER_PATH,
        Some("application/json"),
        Body::Complete(&bytes),
    );
    let a = created(&handle(&req, Ok(&options()), &ctx(HOST, 1)));
    let b = created(&handle(&req, Ok(&options()), &ctx(HOST, 2)));
    assert_ne!(a["client_id"], b["client_id"]);
    assert_ne!(a["client_secret"], b["client_secret"]);
}

#[test]
fn valid_with_ttl_sets_exp_and_secret_expiry() {
    let mut o = options();
    o.oauth2_registration_ttl = Some(3600);
    let doc = created(&post_with(&o, &web()));
    assert_eq!(doc["client_secret_expires_at"], NOW + 3600);
    assert_eq!(
        claims(doc["client_id"].as_str().unwrap())["exp"],
        NOW + 3600
    );
}

// ---------------------------------------------------------------- invalid

macro_rules! rejects {
    ($($name:ident: $error:literal, $why:literal => $body:expr;)*) => {$(
        #[test]
        fn $name() {
            let response = post(&$body);
            assert_error(&response, 400, $error);
            let why = response.json()["error_description"].as_str().unwrap_or_default().to_owned();
            assert!(why.contains($why), "description {why:?} lacks {:?}", $why);
        }
    )*};
}

rejects! {
    invalid_missing_client_name: "invalid_client_metadata", "client_name is required" =>
        json!({"client_uri": "https://app.example.com", "redirect_uris": ["https://app.example.com/cb"]});
    invalid_empty_client_name: "invalid_client_metadata", "client_name must not be empty" => with(web(), json!({"client_name": "  "}));
    invalid_client_name_not_a_string: "invalid_client_metadata", "client_name must be a string" => with(web(), json!({"client_name": 42}));
    invalid_client_name_with_control_characters: "invalid_client_metadata", "control characters" =>
        with(web(), json!({"client_name": "Evil\u{0}App"}));
    invalid_missing_client_uri: "invalid_client_metadata", "client_uri is required" =>
        json!({"client_name": "x", "redirect_uris": ["https://app.example.com/cb"]});
    invalid_client_uri_http: "invalid_client_metadata", "client_uri must be https" =>
        with(web(), json!({"client_uri": "http://app.example.com/"}));
    invalid_client_uri_localhost: "invalid_client_metadata", "not loopback" =>
        with(web(), json!({"client_uri": "https://localhost/", "redirect_uris": ["https://localhost/cb"]}));
    invalid_client_uri_127_0_0_1: "invalid_client_metadata", "not loopback" =>
        with(web(), json!({"client_uri": "https://127.0.0.1/", "redirect_uris": ["https://127.0.0.1/cb"]}));
    invalid_client_uri_ipv6_loopback: "invalid_client_metadata", "not loopback" =>
        with(web(), json!({"client_uri": "https://[::1]/", "redirect_uris": ["https://[::1]/cb"]}));
    invalid_client_uri_fragment: "invalid_client_metadata", "client_uri must not have a fragment" =>
        with(web(), json!({"client_uri": "https://app.example.com/#top"}));
    invalid_client_uri_relative: "invalid_client_metadata", "client_uri is not a valid absolute URI" => with(web(), json!({"client_uri": "/home"}));
    invalid_client_uri_sloppy_spelling: "invalid_client_metadata", "client_uri is not a valid absolute URI" =>
        with(web(), json!({"client_uri": "https:app.example.com"}));
    invalid_web_redirect_not_https: "invalid_redirect_uri", "a web client's" =>
        with(web(), json!({"application_type": "web", "redirect_uris": ["http://app.example.com/cb"]}));
    invalid_web_redirect_on_another_host: "invalid_redirect_uri", "a web client's" =>
        with(web(), json!({"redirect_uris": ["https://evil.example.net/cb"]}));
    invalid_web_redirect_on_a_subdomain: "invalid_redirect_uri", "a web client's" =>
        with(web(), json!({"redirect_uris": ["https://evil.app.example.com/cb"]}));
    invalid_second_redirect_on_another_host: "invalid_redirect_uri", "evil.example.net" =>
        with(web(), json!({"redirect_uris": ["https://app.example.com/cb", "https://evil.example.net/cb"]}));
    invalid_redirect_with_fragment: "invalid_redirect_uri", "must not have a fragment" =>
        with(web(), json!({"redirect_uris": ["https://app.example.com/cb#frag"]}));
    invalid_native_redirect_with_fragment: "invalid_redirect_uri", "must not have a fragment" =>
        with(web(), json!({"redirect_uris": ["http://127.0.0.1/cb#"]}));
    invalid_redirect_uris_not_an_array: "invalid_redirect_uri", "redirect_uris must be an array of strings" =>
        with(web(), json!({"redirect_uris": "https://app.example.com/cb"}));
    invalid_redirect_uris_with_a_non_string: "invalid_redirect_uri", "redirect_uris must be an array of strings" =>
        with(web(), json!({"redirect_uris": ["https://app.example.com/cb", 7]}));
    invalid_duplicate_redirect_uris: "invalid_redirect_uri", "twice" =>
        with(web(), json!({"redirect_uris": ["https://app.example.com/cb", "https://app.example.com/cb"]}));
    invalid_relative_redirect: "invalid_redirect_uri", "not a valid absolute URI" => with(web(), json!({"redirect_uris": ["/cb"]}));
    invalid_native_http_on_non_loopback: "invalid_redirect_uri", "a native client's" =>
        with(web(), json!({"application_type": "native", "redirect_uris": ["http://192.168.1.10/cb"]}));
    invalid_native_https_redirect: "invalid_redirect_uri", "a native client's" =>
        with(web(), json!({"application_type": "native", "redirect_uris": ["https://app.example.com/cb"]}));
    invalid_native_other_loopback_address: "invalid_redirect_uri", "a native client's" =>
        with(web(), json!({"application_type": "native", "redirect_uris": ["http://127.0.0.2/cb"]}));
    invalid_native_private_scheme_of_another_host: "invalid_redirect_uri", "a native client's" =>
        with(web(), json!({"application_type": "native", "redirect_uris": ["com.evil.app:/cb"]}));
    invalid_native_private_scheme_not_reversed: "invalid_redirect_uri", "a native client's" =>
        with(web(), json!({"application_type": "native", "redirect_uris": ["app.example.com:/cb"]}));
    invalid_native_then_web_redirect: "invalid_redirect_uri", "a native client's" =>
        with(web(), json!({"redirect_uris": ["http://localhost/cb", "https://app.example.com/cb"]}));
    invalid_web_client_with_loopback_redirect: "invalid_redirect_uri", "a web client's" =>
        with(web(), json!({"application_type": "web", "redirect_uris": ["http://localhost/cb"]}));
    invalid_web_client_with_oob: "invalid_redirect_uri", "a web client's" =>
        with(web(), json!({"application_type": "web", "redirect_uris": ["urn:ietf:wg:oauth:2.0:oob"]}));
    invalid_application_type: "invalid_client_metadata", "application_type" => with(web(), json!({"application_type": "desktop"}));
    invalid_logo_uri_on_another_host: "invalid_client_metadata", "logo_uri must be https" =>
        with(web(), json!({"logo_uri": "https://cdn.example.net/logo.png"}));
    invalid_tos_uri_http: "invalid_client_metadata", "tos_uri must be https" =>
        with(web(), json!({"tos_uri": "http://app.example.com/tos"}));
    invalid_policy_uri_fragment: "invalid_client_metadata", "policy_uri must not have a fragment" =>
        with(web(), json!({"policy_uri": "https://app.example.com/policy#s2"}));
    invalid_logo_uri_not_a_string: "invalid_client_metadata", "logo_uri must be a string" => with(web(), json!({"logo_uri": ["x"]}));
    invalid_token_endpoint_auth_method: "invalid_client_metadata", "private_key_jwt" =>
        with(web(), json!({"token_endpoint_auth_method": "private_key_jwt"}));
    invalid_grant_type_not_allowed: "invalid_client_metadata", "grant type \"password\" is not allowed" =>
        with(web(), json!({"grant_types": ["authorization_code", "password"]}));
    invalid_unknown_grant_type: "invalid_client_metadata", "is not allowed" =>
        with(web(), json!({"grant_types": ["urn:example:magic"]}));
    invalid_response_type_not_allowed: "invalid_client_metadata", "response type \"token\" is not allowed" =>
        with(web(), json!({"response_types": ["code", "token"]}));
    invalid_empty_grant_types: "invalid_client_metadata", "grant_types must not be empty" => with(web(), json!({"grant_types": []}));
    invalid_grant_types_not_an_array: "invalid_client_metadata", "grant_types must be an array" =>
        with(web(), json!({"grant_types": "authorization_code"}));
    invalid_duplicate_grant_types: "invalid_client_metadata", "twice" =>
        with(web(), json!({"grant_types": ["authorization_code", "authorization_code"]}));
    invalid_code_grant_without_code_response: "invalid_client_metadata", "inconsistent" =>
        with(web(), json!({"response_types": []}));
    invalid_code_response_without_code_grant: "invalid_client_metadata", "inconsistent" =>
        with(web(), json!({"grant_types": ["refresh_token"]}));
    invalid_response_types_without_redirect_uris: "invalid_redirect_uri", "redirect_uris is required" =>
        json!({"client_name": "x", "client_uri": "https://app.example.com"});
    invalid_scope_syntax: "invalid_client_metadata", "scope" => with(web(), json!({"scope": "openid  profile"}));
    invalid_scope_character: "invalid_client_metadata", "scope" => with(web(), json!({"scope": "a\"b"}));
    invalid_contact: "invalid_client_metadata", "e-mail" => with(web(), json!({"contacts": ["not an address"]}));
    invalid_contacts_not_an_array: "invalid_client_metadata", "contacts must be an array" => with(web(), json!({"contacts": "a@example.com"}));
    invalid_software_version_not_a_string: "invalid_client_metadata", "software_version must be a string" => with(web(), json!({"software_version": 2}));
}

#[test]
fn invalid_implicit_grant_without_token_response() {
    let body = with(
        web(),
        json!({"grant_types": ["authorization_code", "implicit"], "response_types": ["code"]}),
    );
    assert_error(
        &post_with(&options_allowing_everything(), &body),
        400,
        "invalid_client_metadata",
    );
}

#[test]
fn invalid_token_response_without_implicit_grant() {
    let body = with(web(), json!({"response_types": ["code", "token"]}));
    assert_error(
        &post_with(&options_allowing_everything(), &body),
        400,
        "invalid_client_metadata",
    );
}

fn post_raw(content_type: Option<&str>, body: Body<'_>) -> Response {
    handle(
        &request("POST", REGISTER_PATH, content_type, body),
        Ok(&options()),
        &ctx(HOST, 1),
    )
}

#[test]
fn malformed_json_is_invalid_request() {
    let r = post_raw(
        Some("application/json"),
        Body::Complete(b"{\"client_name\": "),
    );
    assert_error(&r, 400, "invalid_request");
}

#[test]
fn json_that_is_not_an_object_is_invalid_request() {
    for body in [&b"[]"[..], b"\"text\"", b"null", b"42"] {
        assert_error(
            &post_raw(Some("application/json"), Body::Complete(body)),
            400,
            "invalid_request",
        );
    }
}

#[test]
fn duplicate_members_are_invalid_request() {
    let body = br#"{"client_name":"a","client_name":"b","client_uri":"https://app.example.com","redirect_uris":["https://app.example.com/cb"]}"#;
    assert_error(
        &post_raw(Some("application/json"), Body::Complete(body)),
        400,
        "invalid_request",
    );
}

#[test]
fn non_json_body_is_415() {
    let form = b"client_name=x&client_uri=https://app.example.com";
    for ct in [
        Some("application/x-www-form-urlencoded"),
        Some("text/plain"),
        Some("application/jsonp"),
        None,
    ] {
        let r = post_raw(ct, Body::Complete(form));
        assert_eq!(r.status, 415, "{ct:?}");
        assert_eq!(r.json()["error"], "invalid_request");
    }
}

#[test]
fn oversized_body_is_413() {
    let r = post_raw(Some("application/json"), Body::TooLarge);
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["error"], "invalid_request");
    // A body at the limit is read; one byte over is refused.
    let mut doc = web();
    let padding = MAX_BODY_BYTES - doc.to_string().len() - r#","pad":"""#.len();
    doc["pad"] = Value::from("x".repeat(padding));
    let at_limit = doc.to_string().into_bytes();
    assert_eq!(at_limit.len(), MAX_BODY_BYTES);
    assert_eq!(
        post_raw(Some("application/json"), Body::Complete(&at_limit)).status,
        201
    );
    doc["pad"] = Value::from("x".repeat(padding + 1));
    let over = doc.to_string().into_bytes();
    assert_eq!(
        post_raw(Some("application/json"), Body::Complete(&over)).status,
        413
    );
}

#[test]
fn other_methods_on_register_are_405() {
    for method in ["GET", "PUT", "DELETE", "OPTIONS"] {
        let r = handle(
            &request(method, REGISTER_PATH, None, Body::Complete(b"")),
            Ok(&options()),
            &ctx(HOST, 1),
        );
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("POST"));
    }
}

#[test]
fn unknown_paths_are_404() {
    for path in [
        "/oauth2/",
        "/oauth2/registerx",
        "/oauth2/register/",
        "/oauth2/token",
        "/",
    ] {
        let r = handle(
            &request(
                "POST",
                path,
                Some("application/json"),
                Body::Complete(b"{}"),
            ),
            Ok(&options()),
            &ctx(HOST, 1),
        );
        assert_eq!(r.status, 404, "{path}");
    }
}

#[test]
fn query_string_is_ignored_for_routing() {
    let bytes = web().to_string().into_bytes();
    let r = handle(
        &request(
            "POST",
            "/oauth2/register?x=1",
            Some("application/json"),
            Body::Complete(&bytes),
        ),
        Ok(&options()),
        &ctx(HOST, 1),
    );
    created(&r);
}

#[test]
fn missing_or_short_key_is_500_without_the_key() {
    let short = "too-short-registration-key";
    for error in [OptionsError::MissingKey, Options::new(short).unwrap_err()] {
        let bytes = web().to_string().into_bytes();
        for (method, path) in [("POST", REGISTER_PATH), ("GET", WELL_KNOWN_PATH)] {
            let r = handle(
                &request(
                    method,
                    path,
                    Some("application/json"),
                    Body::Complete(&bytes),
                ),
                Err(&error),
                &ctx(HOST, 1),
            );
            assert_error(&r, 500, "server_error");
            assert!(!String::from_utf8_lossy(&r.body).contains(short));
        }
        assert!(!error.to_string().contains(short));
    }
}

// ---------------------------------------------------------------- verification

fn register(options: &Options, host: &str, body: &Value) -> (String, Option<String>) {
    let bytes = body.to_string().into_bytes();
    let r = handle(
        &request(
            "POST",
            REGISTER_PATH,
            Some("application/json"),
            Body::Complete(&bytes),
        ),
        Ok(options),
        &ctx(host, 9),
    );
    let doc = created(&r);
    (
        doc["client_id"].as_str().unwrap().to_owned(),
        doc["client_secret"].as_str().map(str::to_owned),
    )
}

#[test]
fn verify_returns_the_registered_metadata() {
    let o = options();
    let body = with(
        web(),
        json!({"scope": "openid", "contacts": ["a@example.com"]}),
    );
    let (id, secret) = register(&o, HOST, &body);
    let registrar = Registrar::new(&o, HOST);
    let client = registrar.verify(&id, secret.as_deref(), NOW).unwrap();
    assert_eq!(client.client_id, id);
    assert_eq!(client.issued_at, NOW);
    assert_eq!(client.expires_at, None);
    assert_eq!(
        client.metadata.redirect_uris,
        ["https://app.example.com/callback"]
    );
    assert_eq!(client.metadata.scope.as_deref(), Some("openid"));
    // Without a secret only the id is checked (authorization endpoint).
    assert!(registrar.verify(&id, None, NOW).is_ok());
}

#[test]
fn verify_rejects_a_wrong_secret() {
    let o = options();
    let (id, secret) = register(&o, HOST, &web());
    let secret = secret.unwrap();
    let registrar = Registrar::new(&o, HOST);
    let mut wrong = secret.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    for bad in [wrong.as_str(), "", &secret[..32], &secret.to_uppercase()] {
        assert_eq!(
            registrar.verify(&id, Some(bad), NOW),
            Err(VerifyError::InvalidSecret),
            "{bad}"
        );
    }
    // Another client's secret does not fit.
    let (other_id, other_secret) =
        register(&o, HOST, &with(web(), json!({"client_name": "Other"})));
    assert_ne!(other_id, id);
    assert_eq!(
        registrar.verify(&id, other_secret.as_deref(), NOW),
        Err(VerifyError::InvalidSecret)
    );
}

#[test]
fn verify_rejects_a_secret_for_a_public_client() {
    let o = options();
    let (id, secret) = register(
        &o,
        HOST,
        &with(web(), json!({"token_endpoint_auth_method": "none"})),
    );
    assert!(secret.is_none());
    let registrar = Registrar::new(&o, HOST);
    assert!(registrar.verify(&id, None, NOW).is_ok());
    let guessed = oauth_core::crypto::client_secret(registrar.per_host_key(), &id);
    assert_eq!(
        registrar.verify(&id, Some(&guessed), NOW),
        Err(VerifyError::InvalidSecret)
    );
}

#[test]
fn verify_rejects_a_tampered_jwt() {
    let o = options();
    let (id, secret) = register(&o, HOST, &web());
    let registrar = Registrar::new(&o, HOST);
    let parts: Vec<&str> = id.split('.').collect();

    // Payload changed: a redirect URI of the attacker's choosing.
    let mut c = claims(&id);
    c["redirect_uris"] = json!(["https://evil.example.net/cb"]);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(c.to_string()),
        parts[2]
    );
    assert_eq!(
        registrar.verify(&forged, None, NOW),
        Err(VerifyError::InvalidClientId)
    );
    // The forger's secret for the forged id is also wrong.
    let forged_secret = oauth_core::crypto::hex(&oauth_core::crypto::hmac_sha256(
        b"guess",
        forged.as_bytes(),
    ));
    assert!(
        registrar
            .verify(&forged, Some(&forged_secret), NOW)
            .is_err()
    );

    // Signature flipped.
    let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    sig[0] ^= 1;
    let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
    assert_eq!(
        registrar.verify(&flipped, secret.as_deref(), NOW),
        Err(VerifyError::InvalidClientId)
    );

    // alg=none, empty signature.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    assert_eq!(
        registrar.verify(&none, None, NOW),
        Err(VerifyError::InvalidClientId)
    );

    // Garbage.
    for junk in ["", "a.b", "a.b.c", &format!("{id}."), &id[1..]] {
        assert_eq!(
            registrar.verify(junk, None, NOW),
            Err(VerifyError::InvalidClientId),
            "{junk}"
        );
    }
}

#[test]
fn cross_tenant_client_ids_never_verify() {
    let o = options();
    let (id, secret) = register(&o, "example.org", &web());
    let other = Registrar::new(&o, "example.net");
    assert_eq!(
        other.verify(&id, None, NOW),
        Err(VerifyError::InvalidClientId)
    );
    assert_eq!(
        other.verify(&id, secret.as_deref(), NOW),
        Err(VerifyError::InvalidClientId)
    );
    // The per-host keys, and so the secrets, differ too.
    let home = Registrar::new(&o, "example.org");
    assert_ne!(home.per_host_key(), other.per_host_key());
    // Host names are compared case-insensitively.
    assert!(
        Registrar::new(&o, "Example.ORG")
            .verify(&id, secret.as_deref(), NOW)
            .is_ok()
    );
    // A different registration key on the same host rejects it as well.
    let rekeyed = Options::new("another-registration-key-0123456789").unwrap();
    assert_eq!(
        Registrar::new(&rekeyed, HOST).verify(&id, None, NOW),
        Err(VerifyError::InvalidClientId)
    );
}

#[test]
fn ttl_expiry_is_enforced() {
    let mut o = options();
    o.oauth2_registration_ttl = Some(60);
    let (id, secret) = register(&o, HOST, &web());
    let registrar = Registrar::new(&o, HOST);
    let client = registrar.verify(&id, secret.as_deref(), NOW + 59).unwrap();
    assert_eq!(client.expires_at, Some(NOW + 60));
    assert_eq!(
        registrar.verify(&id, secret.as_deref(), NOW + 60),
        Err(VerifyError::Expired)
    );
    assert_eq!(
        registrar.verify(&id, None, NOW + 10_000),
        Err(VerifyError::Expired)
    );
}

#[test]
fn ttl_configured_later_rejects_ids_without_exp() {
    let o = options();
    let (id, _) = register(&o, HOST, &web());
    let mut with_ttl = options();
    with_ttl.oauth2_registration_ttl = Some(60);
    assert_eq!(
        Registrar::new(&with_ttl, HOST).verify(&id, None, NOW),
        Err(VerifyError::Expired)
    );
}

#[test]
fn without_ttl_an_expired_id_is_accepted() {
    let mut o = options();
    o.oauth2_registration_ttl = Some(60);
    let (id, secret) = register(&o, HOST, &web());
    let o = options();
    assert!(
        Registrar::new(&o, HOST)
            .verify(&id, secret.as_deref(), NOW + 1_000_000)
            .is_ok()
    );
}

#[test]
fn test_vector() {
    let o = options();
    assert_eq!(
        Registrar::new(&o, "example.org").per_host_key().to_hex(),
        "b785761a6978d15d78c7ef7d8fe0c96fea8cd0aa03db3fdb536933fe699144b8"
    );
}

#[test]
fn secret_is_hmac_of_client_id_under_per_host_key() {
    let o = options();
    let (id, secret) = register(&o, HOST, &web());
    let key = Registrar::new(&o, HOST).per_host_key().clone();
    let expected = oauth_core::crypto::hex(&oauth_core::crypto::hmac_sha256(
        key.as_bytes(),
        id.as_bytes(),
    ));
    assert_eq!(secret.as_deref(), Some(expected.as_str()));
}

// ---------------------------------------------------------------- well-known

fn well_known(
    method: &str,
    scheme: Option<&str>,
    authority: Option<&str>,
    options: &Options,
) -> Response {
    handle(
        &Request {
            method,
            path: WELL_KNOWN_PATH,
            scheme,
            authority,
            content_type: None,
            body: Body::Complete(b""),
        },
        Ok(options),
        &ctx(HOST, 1),
    )
}

#[test]
fn well_known_lists_the_registration_endpoint() {
    let r = well_known("GET", Some("https"), Some("example.org"), &options());
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let doc = r.json();
    assert_eq!(doc["issuer"], "https://example.org");
    assert_eq!(
        doc["registration_endpoint"],
        "https://example.org/oauth2/register"
    );
    assert_eq!(
        doc["grant_types_supported"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
}

#[test]
fn well_known_issuer_follows_the_request_for_this_host_only() {
    let o = options();
    let doc = well_known("GET", Some("http"), Some("Example.org:8080"), &o).json();
    assert_eq!(doc["issuer"], "http://example.org:8080");
    assert_eq!(
        doc["registration_endpoint"],
        "http://example.org:8080/oauth2/register"
    );
    // Default port dropped.
    let doc = well_known("GET", Some("https"), Some("example.org:443"), &o).json();
    assert_eq!(doc["issuer"], "https://example.org");
    // A Host header naming another host, or junk, falls back to the tenant.
    for authority in [
        Some("evil.example.net"),
        Some("example.org/x"),
        Some("u@example.org"),
        None,
    ] {
        let doc = well_known("GET", Some("https"), authority, &o).json();
        assert_eq!(doc["issuer"], "https://example.org", "{authority:?}");
    }
}

#[test]
fn well_known_uses_the_configured_issuer() {
    let mut o = options();
    o.oauth2_issuer = Some("https://auth.example.org".to_owned());
    let doc = well_known("GET", Some("http"), Some("example.org:8080"), &o).json();
    assert_eq!(doc["issuer"], "https://auth.example.org");
    assert_eq!(
        doc["registration_endpoint"],
        "https://auth.example.org/oauth2/register"
    );
}

#[test]
fn well_known_head_and_other_methods() {
    let r = well_known("HEAD", Some("https"), Some(HOST), &options());
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let r = well_known("POST", Some("https"), Some(HOST), &options());
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
}
