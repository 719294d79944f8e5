//! Rendering a page template. Every value is HTML-escaped (tinytemplate's
//! default formatter); templates cannot switch escaping off.

use tinytemplate::TinyTemplate;

use crate::context::TemplateContext;

/// Renders template `source` with `ctx`.
pub fn render(source: &str, ctx: &TemplateContext) -> Result<String, tinytemplate::error::Error> {
    let mut tt = TinyTemplate::new();
    tt.add_template("index", source)?;
    tt.render("index", ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Message, RequestInfo};
    use serde_json::json;

    /// The shipped template, so every conditional in it is exercised here.
    const SHIPPED: &str = include_str!("../../../templates/default/index.html");

    fn ctx(vars: serde_json::Value, message: Option<Message>) -> TemplateContext {
        TemplateContext::new(
            "Chat <b>&</b>",
            vars.get("open").is_none(),
            vars.as_object().unwrap(),
            RequestInfo {
                method: "GET".into(),
                path: "/".into(),
                host: "example.org".into(),
            },
            message,
        )
    }

    #[test]
    fn shipped_template_without_optional_parts() {
        let html = render(SHIPPED, &ctx(json!({}), None)).unwrap();
        assert!(
            html.contains("Chat &lt;b&gt;&amp;&lt;/b&gt;"),
            "site name escaped"
        );
        assert!(!html.contains("<b>&</b>"));
        assert!(!html.contains("role=\"alert\""), "no message, no alert");
        assert!(!html.contains(">Open web chat</a>"));
        assert!(!html.contains("<nav class=\"links\""), "no links, no nav");
        assert!(html.contains("<form") && html.contains("method=\"post\""));
        assert!(html.contains("Create account"));
        assert!(html.contains("lang=\"en\""));
    }

    #[test]
    fn shipped_template_with_every_optional_part() {
        let vars = json!({
            "webchat": "https://chat.example.org/?a=1&b=<2>",
            "links": [
                {"text": "Docs <i>", "href": "/docs?x=\"y\"", "class": "doc"},
                {"text": "Apps", "href": "https://xmpp.org/software/"}
            ]
        });
        let html = render(
            SHIPPED,
            &ctx(vars, Some(Message::danger("No <script>alert(1)</script>"))),
        )
        .unwrap();
        assert!(html.contains("role=\"alert\""));
        assert!(html.contains("alert-danger"));
        assert!(html.contains("No &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains(">Open web chat</a>"));
        assert!(html.contains("https://chat.example.org/?a=1&amp;b=&lt;2&gt;"));
        assert!(html.contains("<nav class=\"links\""));
        assert!(html.contains("Docs &lt;i&gt;"));
        assert!(html.contains("/docs?x=&quot;y&quot;"));
        assert!(html.contains("class=\"doc\""));
        assert!(html.contains(">Apps<"));
    }

    #[test]
    fn the_wording_follows_open_registration() {
        let open = render(SHIPPED, &ctx(json!({}), None)).unwrap();
        assert!(open.contains("You can create a chat account"));
        let closed = render(SHIPPED, &ctx(json!({"open": false}), None)).unwrap();
        assert!(closed.contains("usually by invitation"));
        assert!(!closed.contains("You can create a chat account"));
    }

    #[test]
    fn empty_webchat_and_links_are_hidden() {
        let html = render(SHIPPED, &ctx(json!({"webchat": "", "links": []}), None)).unwrap();
        assert!(!html.contains(">Open web chat</a>"));
        assert!(!html.contains("<nav class=\"links\""));
    }

    #[test]
    fn broken_template_is_an_error() {
        assert!(render("{{ if }}", &ctx(json!({}), None)).is_err());
        assert!(render("{missing.value}", &ctx(json!({}), None)).is_err());
    }
}
