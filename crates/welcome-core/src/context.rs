//! The values a template sees: `site_name`, `var.*`, `request.*` and
//! `message`. Every key is always present (tinytemplate fails on a missing
//! path, even inside `{{ if }}`), so absent things are `null` or empty.

use serde::Serialize;
use serde_json::{Map, Value};

/// An alert shown above the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// A CSS class, e.g. `alert-danger`.
    pub class: String,
    /// The text, escaped when rendered.
    pub text: String,
}

impl Message {
    /// An error alert (`alert-danger`).
    pub fn danger(text: &str) -> Self {
        Self {
            class: crate::decision::ALERT_DANGER.into(),
            text: text.into(),
        }
    }
}

/// What the template sees of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestInfo {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The host name the visitor used.
    pub host: String,
}

/// The full context a page template is rendered with.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateContext {
    /// The site's name.
    pub site_name: String,
    /// `welcome_page_open_registration` after its default.
    pub open_registration: bool,
    /// The operator's variables, with `links` (a list) and `webchat`
    /// always present.
    pub var: Map<String, Value>,
    /// The request.
    pub request: RequestInfo,
    /// The alert, or `null`.
    pub message: Option<Message>,
}

impl TemplateContext {
    /// Builds a context, filling in the variables the shipped template uses.
    pub fn new(
        site_name: &str,
        open_registration: bool,
        variables: &Map<String, Value>,
        request: RequestInfo,
        message: Option<Message>,
    ) -> Self {
        let mut var = variables.clone();
        var.entry("links")
            .or_insert_with(|| Value::Array(Vec::new()));
        var.entry("webchat").or_insert(Value::Null);
        if let Some(Value::Array(links)) = var.get_mut("links") {
            for link in links.iter_mut() {
                if let Value::Object(l) = link {
                    for key in ["text", "href", "class"] {
                        l.entry(key).or_insert(Value::String(String::new()));
                    }
                }
            }
        }
        Self {
            site_name: site_name.into(),
            open_registration,
            var,
            request,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_defaults_and_keeps_operator_values() {
        let vars = json!({"links": [{"text": "Docs", "href": "/docs"}], "extra": 1});
        let ctx = TemplateContext::new(
            "Chat",
            true,
            vars.as_object().unwrap(),
            RequestInfo {
                method: "GET".into(),
                path: "/".into(),
                host: "h".into(),
            },
            None,
        );
        let v = serde_json::to_value(&ctx).unwrap();
        assert_eq!(v["var"]["links"][0]["class"], "");
        assert_eq!(v["var"]["extra"], 1);
        assert_eq!(v["var"]["webchat"], Value::Null);
        assert_eq!(v["message"], Value::Null);
    }
}
