//! Prosody's option names, their defaults and how their values are parsed.
//!
//! Options arrive as strings (from the config store in a guest, from TOML in
//! the host after conversion) and are parsed here, so the host can refuse a
//! bad value at startup with the very rules the page applies.

use serde_json::{Map, Value};
use thiserror::Error;

/// `site_name`: the name shown on the page (default: the host name).
pub const SITE_NAME: &str = "site_name";
/// `welcome_page_variables`: a JSON object shown to the template as `var`.
pub const VARIABLES: &str = "welcome_page_variables";
/// `welcome_page_open_registration`: whether the page lets anyone create an
/// account (default: `not registration_invite_only`).
pub const OPEN_REGISTRATION: &str = "welcome_page_open_registration";
/// `registration_invite_only`: Prosody's global switch (default `true`).
pub const INVITE_ONLY: &str = "registration_invite_only";
/// `invite_expiry`: seconds an invite stays valid (default 7 days).
pub const INVITE_EXPIRY: &str = "invite_expiry";
/// `host`: the virtual host name (set by the server, not the operator).
pub const HOST: &str = "host";

/// Default `invite_expiry`: 7 days, as in mod_invites.
pub const DEFAULT_INVITE_EXPIRY: u64 = 7 * 24 * 3600;

/// A bad option value.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum OptionError {
    /// A value that should be a boolean is not one.
    #[error("`{key}` must be true or false, not {value:?}")]
    NotBool {
        /// The option name.
        key: String,
        /// The value found.
        value: String,
    },
    /// A value that should be a positive number of seconds is not one.
    #[error("`{key}` must be a positive whole number of seconds, not {value:?}")]
    NotSeconds {
        /// The option name.
        key: String,
        /// The value found.
        value: String,
    },
    /// `welcome_page_variables` is not a JSON object.
    #[error("`{VARIABLES}` must be a table (a JSON object): {0}")]
    NotTable(String),
    /// A required option is missing.
    #[error("`{0}` is not set")]
    Missing(String),
}

/// The page's options after defaults are applied.
#[derive(Debug, Clone, PartialEq)]
pub struct PageOptions {
    /// The virtual host name.
    pub host: String,
    /// `site_name`, defaulting to the host name.
    pub site_name: String,
    /// `welcome_page_variables`, always an object.
    pub variables: Map<String, Value>,
    /// `welcome_page_open_registration` after its default.
    pub open_registration: bool,
    /// `invite_expiry` in seconds.
    pub invite_expiry: u64,
}

impl PageOptions {
    /// Reads the options through `lookup` (a config store), applying
    /// Prosody's defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, OptionError> {
        let host = lookup(HOST)
            .filter(|h| !h.is_empty())
            .ok_or_else(|| OptionError::Missing(HOST.into()))?;
        let site_name = lookup(SITE_NAME).unwrap_or_else(|| host.clone());
        let variables = match lookup(VARIABLES) {
            Some(text) => parse_variables(&text)?,
            None => Map::new(),
        };
        let invite_only = match lookup(INVITE_ONLY) {
            Some(v) => parse_bool(INVITE_ONLY, &v)?,
            None => true,
        };
        let open_registration = match lookup(OPEN_REGISTRATION) {
            Some(v) => parse_bool(OPEN_REGISTRATION, &v)?,
            None => !invite_only,
        };
        let invite_expiry = match lookup(INVITE_EXPIRY) {
            Some(v) => parse_seconds(INVITE_EXPIRY, &v)?,
            None => DEFAULT_INVITE_EXPIRY,
        };
        Ok(Self {
            host,
            site_name,
            variables,
            open_registration,
            invite_expiry,
        })
    }
}

/// Parses a boolean option the way Prosody's config would accept it.
pub fn parse_bool(key: &str, value: &str) -> Result<bool, OptionError> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(OptionError::NotBool {
            key: key.into(),
            value: value.into(),
        }),
    }
}

/// Parses a positive number of seconds.
pub fn parse_seconds(key: &str, value: &str) -> Result<u64, OptionError> {
    match value.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(OptionError::NotSeconds {
            key: key.into(),
            value: value.into(),
        }),
    }
}

/// Parses `welcome_page_variables` (JSON text) into an object.
pub fn parse_variables(text: &str) -> Result<Map<String, Value>, OptionError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => {
            check_links(&map)?;
            Ok(map)
        }
        Ok(other) => Err(OptionError::NotTable(format!(
            "found {}",
            json_kind(&other)
        ))),
        Err(e) => Err(OptionError::NotTable(e.to_string())),
    }
}

/// `var.links` is what the shipped template lists: a list of tables with
/// string `text`, `href` and (optionally) `class`.
fn check_links(vars: &Map<String, Value>) -> Result<(), OptionError> {
    let Some(links) = vars.get("links") else {
        return Ok(());
    };
    let Value::Array(items) = links else {
        return Err(OptionError::NotTable(format!(
            "`links` must be a list of {{ text, href, class }} tables, found {}",
            json_kind(links)
        )));
    };
    for (i, item) in items.iter().enumerate() {
        let Value::Object(link) = item else {
            return Err(OptionError::NotTable(format!(
                "`links[{i}]` must be a table with text and href, found {}",
                json_kind(item)
            )));
        };
        for key in ["text", "href"] {
            if !matches!(link.get(key), Some(Value::String(_))) {
                return Err(OptionError::NotTable(format!(
                    "`links[{i}].{key}` must be a string"
                )));
            }
        }
        if link.get("class").is_some_and(|c| !c.is_string()) {
            return Err(OptionError::NotTable(format!(
                "`links[{i}].class` must be a string"
            )));
        }
    }
    Ok(())
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn opts(pairs: &[(&str, &str)]) -> Result<PageOptions, OptionError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        PageOptions::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_follow_prosody() {
        let o = opts(&[("host", "example.org")]).unwrap();
        assert_eq!(o.site_name, "example.org");
        assert!(!o.open_registration, "invite-only by default means closed");
        assert_eq!(o.invite_expiry, 604_800);
        assert!(o.variables.is_empty());
    }

    #[test]
    fn open_registration_defaults_to_not_invite_only() {
        let o = opts(&[("host", "h"), ("registration_invite_only", "false")]).unwrap();
        assert!(o.open_registration);
        let o = opts(&[
            ("host", "h"),
            ("registration_invite_only", "false"),
            ("welcome_page_open_registration", "false"),
        ])
        .unwrap();
        assert!(!o.open_registration, "the explicit option wins");
    }

    #[test]
    fn bad_values_are_named() {
        let e = opts(&[("host", "h"), ("invite_expiry", "-3")]).unwrap_err();
        assert!(e.to_string().contains("invite_expiry"), "{e}");
        let e = opts(&[("host", "h"), ("registration_invite_only", "yes")]).unwrap_err();
        assert!(e.to_string().contains("registration_invite_only"), "{e}");
        let e = opts(&[("host", "h"), ("welcome_page_variables", "[1]")]).unwrap_err();
        assert!(e.to_string().contains("a list"), "{e}");
        assert_eq!(opts(&[]).unwrap_err(), OptionError::Missing("host".into()));
    }

    #[test]
    fn variables_are_an_object() {
        let o = opts(&[("host", "h"), ("welcome_page_variables", r#"{"a": 1}"#)]).unwrap();
        assert_eq!(o.variables["a"], 1);
    }

    #[test]
    fn links_must_be_tables_with_text_and_href() {
        let bad = [
            r#"{"links": "x"}"#,
            r#"{"links": ["x"]}"#,
            r#"{"links": [{"text": "t"}]}"#,
            r#"{"links": [{"text": "t", "href": 1}]}"#,
            r#"{"links": [{"text": "t", "href": "/", "class": []}]}"#,
        ];
        for v in bad {
            let e = opts(&[("host", "h"), ("welcome_page_variables", v)]).unwrap_err();
            assert!(e.to_string().contains("links"), "{v}: {e}");
        }
        assert!(
            opts(&[
                ("host", "h"),
                (
                    "welcome_page_variables",
                    r#"{"links": [{"text": "t", "href": "/"}]}"#
                )
            ])
            .is_ok()
        );
    }
}
