//! `GET /`: rendering, escaping, virtual hosts, methods.

use crate::support::Site;

const TWO_HOSTS: &str = r#"
[server]
data_dir = "data"

[hosts."example.org"]
site_name = "Example <script>alert('x')</script> & Co"
registration_invite_only = false
welcome_page_variables = { webchat = "https://web.example.org/?a=1&b=2", links = [
  { text = "Docs <b>", href = "https://docs.example.org/", class = "doc" },
] }

[hosts."closed.example"]
"#;

#[test]
fn get_renders_options_and_escapes_everything() {
    let site = Site::new(TWO_HOSTS);
    let server = site.start();
    let r = server.get("example.org", "/");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let html = r.text();
    assert!(
        html.contains("Example &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co")
            || html.contains("Example &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "nothing unescaped");
    assert!(html.contains("https://web.example.org/?a=1&amp;b=2"));
    assert!(html.contains(">Open web chat</a>"));
    assert!(html.contains("Docs &lt;b&gt;"));
    assert!(html.contains("href=\"https://docs.example.org/\""));
    assert!(!html.contains("role=\"alert\""));
}

#[test]
fn site_name_defaults_to_the_host_and_hosts_are_case_insensitive() {
    let site = Site::new(TWO_HOSTS);
    let server = site.start();
    let r = server.get("CLOSED.Example:8443", "/");
    assert_eq!(r.status, 200);
    assert!(
        r.text().contains("<title>closed.example</title>"),
        "{}",
        r.text()
    );
    assert!(!r.text().contains(">Open web chat</a>"));
}

#[test]
fn unknown_host_is_404_unless_a_default_is_set() {
    let site = Site::new(TWO_HOSTS);
    let server = site.start();
    assert_eq!(server.get("other.example", "/").status, 404);
    drop(server);
    let site = Site::new(&TWO_HOSTS.replace(
        "data_dir = \"data\"",
        "data_dir = \"data\"\ndefault_host = \"closed.example\"",
    ));
    let server = site.start();
    let r = server.get("other.example", "/");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("<title>closed.example</title>"));
}

#[test]
fn missing_host_header_is_400() {
    let site = Site::new(TWO_HOSTS);
    let server = site.start();
    let r = server.raw(b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(r.status, 400);
}

#[test]
fn head_has_headers_and_no_body() {
    let site = Site::new(TWO_HOSTS);
    let server = site.start();
    let r = server.request("HEAD", "/", "example.org", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.body.is_empty());
}

#[test]
fn other_methods_are_405_with_allow() {
    let site = Site::new(TWO_HOSTS);
    let server = site.start();
    let r = server.request("DELETE", "/", "example.org", &[], b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD, POST"));
    let r = server.request("PUT", "/style.css", "example.org", &[], b"x");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
}

#[test]
fn a_custom_template_and_its_variables_are_used() {
    let site = Site::new(
        "[hosts.a]\nwelcome_page_template_path = \"tpl\"\nwelcome_page_variables = { motto = \"<hi>\" }\n",
    );
    site.write(
        "tpl/index.html",
        b"<p>{site_name}|{var.motto}|{request.method} {request.path} {request.host}|{{ if message }}{message.text}{{ endif }}</p>",
    );
    let server = site.start();
    let r = server.get("A:80", "/?q=1");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), "<p>a|&lt;hi&gt;|GET / a|</p>");
    let r = server.post_form("a", "x=1");
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        "<p>a|&lt;hi&gt;|POST / a|Account creation is not possible at this time</p>"
    );
}

#[test]
fn a_broken_template_is_a_500_not_a_crash() {
    let site = Site::new("[hosts.a]\nwelcome_page_template_path = \"tpl\"\n");
    site.write("tpl/index.html", b"{nonexistent.value}");
    let server = site.start();
    let r = server.get("a", "/");
    assert_eq!(r.status, 500);
    assert!(
        !r.text().contains("nonexistent"),
        "the cause goes to the log, not the visitor"
    );
    assert!(server.log().contains("nonexistent"), "{}", server.log());
    // The server keeps serving.
    assert_eq!(server.get("a", "/").status, 500);
}

#[test]
fn malformed_or_repeated_host_headers_are_400() {
    let site = Site::new(TWO_HOSTS);
    let server = site.start();
    for bad in [
        "example.org/evil",
        "user@example.org",
        "exa mple.org",
        "[::1",
        "example.org:99999",
        "a..b",
    ] {
        assert_eq!(server.get(bad, "/").status, 400, "{bad}");
    }
    let r = server.raw(
        b"GET / HTTP/1.1\r\nHost: example.org\r\nHost: closed.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 400);
    // An unknown host's 404 does not echo what the client sent.
    let long = format!("{}.example", "x".repeat(300));
    let r = server.get(&long, "/");
    assert_eq!(r.status, 400, "over 255 characters is not a host name");
    let r = server.get("unknown.example", "/");
    assert_eq!(r.status, 404);
    assert!(!r.text().contains("unknown.example"));
}

#[test]
fn an_absolute_form_target_names_the_host() {
    let site = Site::new(TWO_HOSTS);
    let server = site.start();
    let r = server.raw(b"POST http://closed.example/ HTTP/1.1\r\nHost: example.org\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert_eq!(
        r.status, 403,
        "the target's authority wins: the closed site answers"
    );
}
