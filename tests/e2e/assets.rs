//! Static assets: content types, validators, 304, and no way out of the
//! template directory.

use crate::support::Site;

fn site_with_template() -> Site {
    let site = Site::new("[hosts.a]\nwelcome_page_template_path = \"tpl\"\n");
    site.write("tpl/index.html", b"<p>{site_name}</p>");
    site.write("tpl/style.css", b"body { color: red }");
    site.write(
        "tpl/img/logo.svg",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    site.write("tpl/app.js", b"console.log(1)");
    site.write("tpl/.secret", b"hidden file");
    site.write("secret.txt", b"TOP SECRET outside the template directory");
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        site.dir().join("secret.txt"),
        site.dir().join("tpl/link.txt"),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", site.dir().join("tpl/passwd")).unwrap();
    site
}

#[test]
fn assets_have_types_and_validators() {
    let site = site_with_template();
    let server = site.start();
    for (path, ty) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/img/logo.svg", "image/svg+xml"),
        ("/app.js", "text/javascript; charset=utf-8"),
    ] {
        let r = server.get("a", path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(ty), "{path}");
        assert!(r.header("etag").is_some());
        assert!(r.header("last-modified").is_some());
    }
    let r = server.get("a", "/style.css");
    assert_eq!(r.text(), "body { color: red }");
    let head = server.request("HEAD", "/style.css", "a", &[], b"");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("etag"), r.header("etag"));
}

#[test]
fn revalidation_answers_304() {
    let site = site_with_template();
    let server = site.start();
    let r = server.get("a", "/style.css");
    let etag = r.header("etag").unwrap().to_string();
    let last_modified = r.header("last-modified").unwrap().to_string();

    let r = server.request("GET", "/style.css", "a", &[("If-None-Match", &etag)], b"");
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));

    let r = server.request(
        "GET",
        "/style.css",
        "a",
        &[("If-None-Match", "\"other\", W/".to_string().as_str())],
        b"",
    );
    assert_eq!(r.status, 200);

    let r = server.request(
        "GET",
        "/style.css",
        "a",
        &[("If-Modified-Since", &last_modified)],
        b"",
    );
    assert_eq!(r.status, 304);
    let r = server.request(
        "GET",
        "/style.css",
        "a",
        &[("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")],
        b"",
    );
    assert_eq!(r.status, 200);

    // A changed file gets a new validator.
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.write("tpl/style.css", b"body { color: blue; }");
    let r = server.request("GET", "/style.css", "a", &[("If-None-Match", &etag)], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "body { color: blue; }");
}

#[test]
fn traversal_never_returns_a_file_from_outside() {
    let site = site_with_template();
    let server = site.start();
    let hostile = [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/img/../../secret.txt",
        "/img/%2e%2e/%2e%2e/secret.txt",
        "/.%2e/secret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/etc/passwd",
        "/link.txt",
        "/passwd",
        "/.secret",
        "/%2esecret",
        "/secret.txt%00.css",
        "/index.html",
        "/%69ndex.html",
        "/./index.html",
        "http://a/../secret.txt",
    ];
    for path in hostile {
        let r = server.get("a", path);
        let body = r.text();
        assert!(
            !body.contains("TOP SECRET")
                && !body.contains("root:")
                && !body.contains("hidden file"),
            "{path} leaked: {body}"
        );
        assert!(
            !body.contains("{site_name}"),
            "{path} served the template source"
        );
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
    }
    // The server is still fine.
    assert_eq!(server.get("a", "/style.css").status, 200);
}

#[test]
fn the_shipped_template_serves_its_assets() {
    let site = Site::new("[hosts.a]\n");
    let server = site.start();
    let html = server.get("a", "/").text();
    assert!(html.contains("href=\"style.css\""), "{html}");
    let css = server.get("a", "/style.css");
    assert_eq!(css.status, 200);
    assert!(css.text().contains("prefers-color-scheme: dark"));
    assert_eq!(
        server.get("a", "/logo.svg").header("content-type"),
        Some("image/svg+xml")
    );
    assert_eq!(server.get("a", "/index.html").status, 404);
}
