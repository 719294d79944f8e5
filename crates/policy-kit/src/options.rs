//! Plugin options: string values from `wasi:config/store`, parsed here.
//!
//! The host passes TOML scalars as their text (`"3"`, `"true"`) and TOML
//! arrays and tables as JSON text. Every parser names the option in its
//! error so the plugin can log it and fail closed.

use std::collections::BTreeMap;
use std::fmt;

use crate::bindings::wasi::config::store;

/// A source of option values.
pub trait Config {
    /// The value of `key`, `Ok(None)` when unset, `Err` when the source
    /// itself failed.
    fn get(&self, key: &str) -> Result<Option<String>, String>;
}

/// The component's own options, read through `wasi:config/store`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ConfigStore;

impl Config for ConfigStore {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        store::get(key).map_err(|e| match e {
            store::Error::Upstream(m) => format!("config store: {m}"),
            store::Error::Io(m) => format!("config store I/O: {m}"),
        })
    }
}

impl Config for BTreeMap<String, String> {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(BTreeMap::get(self, key).cloned())
    }
}

impl Config for [(&str, &str)] {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(self
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_string()))
    }
}

/// An option that cannot be used, or a config store that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    /// The option's name.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl OptionError {
    /// An error about option `key`.
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        Self {
            key: key.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "option `{}`: {}", self.key, self.message)
    }
}

impl std::error::Error for OptionError {}

/// The raw value of `key`.
pub fn raw<C: Config + ?Sized>(cfg: &C, key: &str) -> Result<Option<String>, OptionError> {
    cfg.get(key).map_err(|e| OptionError::new(key, e))
}

/// A text option, `default` when unset.
pub fn text<C: Config + ?Sized>(cfg: &C, key: &str, default: &str) -> Result<String, OptionError> {
    Ok(raw(cfg, key)?.unwrap_or_else(|| default.to_string()))
}

/// A whole number of at least 1, `None` when unset.
pub fn positive<C: Config + ?Sized>(cfg: &C, key: &str) -> Result<Option<u64>, OptionError> {
    let Some(value) = raw(cfg, key)? else {
        return Ok(None);
    };
    match value.trim().parse::<u64>() {
        Ok(n) if (1..=i64::MAX as u64).contains(&n) => Ok(Some(n)),
        _ => Err(OptionError::new(
            key,
            format!("must be a positive whole number, not {value:?}"),
        )),
    }
}

/// A list of strings, empty when unset. Accepts a JSON array of strings
/// (how the host passes a TOML array) or a string of items separated by
/// spaces and/or commas.
pub fn list<C: Config + ?Sized>(cfg: &C, key: &str) -> Result<Vec<String>, OptionError> {
    match raw(cfg, key)? {
        None => Ok(Vec::new()),
        Some(value) => parse_list(&value).map_err(|m| OptionError::new(key, m)),
    }
}

/// Parses a list value (see [`list`]); the error says what is wrong.
pub fn parse_list(value: &str) -> Result<Vec<String>, String> {
    let trimmed = value.trim();
    if trimmed.starts_with('[') {
        let items: Vec<serde_json::Value> =
            serde_json::from_str(trimmed).map_err(|e| format!("not a valid JSON array ({e})"))?;
        items
            .into_iter()
            .filter_map(|item| match item {
                serde_json::Value::String(s) => {
                    let s = s.trim().to_string();
                    (!s.is_empty()).then_some(Ok(s))
                }
                other => Some(Err(format!("list items must be strings, not {other}"))),
            })
            .collect()
    } else {
        Ok(trimmed
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &[(&str, &str)] = &[
        ("n", "3"),
        ("spaced", " 7 "),
        ("zero", "0"),
        ("neg", "-1"),
        ("float", "2.5"),
        ("huge", "18446744073709551615"),
        ("json", r#"["10.0.0.0/8", "2001:db8::/32", " "]"#),
        ("plain", "10.0.0.0/8, 2001:db8::/32  192.0.2.1,,"),
        ("badjson", r#"["a", 3]"#),
        ("broken", "[\"a\""),
        ("empty", ""),
    ];

    #[test]
    fn positive_numbers() {
        assert_eq!(positive(CFG, "n"), Ok(Some(3)));
        assert_eq!(positive(CFG, "spaced"), Ok(Some(7)));
        assert_eq!(positive(CFG, "missing"), Ok(None));
        for bad in ["zero", "neg", "float", "huge", "empty"] {
            let err = positive(CFG, bad).unwrap_err();
            assert_eq!(err.key, bad);
            assert!(err.to_string().starts_with(&format!("option `{bad}`")));
        }
    }

    #[test]
    fn lists_in_both_forms() {
        assert_eq!(
            list(CFG, "json").unwrap(),
            vec!["10.0.0.0/8", "2001:db8::/32"]
        );
        assert_eq!(
            list(CFG, "plain").unwrap(),
            vec!["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"]
        );
        assert_eq!(list(CFG, "missing").unwrap(), Vec::<String>::new());
        assert_eq!(list(CFG, "empty").unwrap(), Vec::<String>::new());
        assert_eq!(list(CFG, "badjson").unwrap_err().key, "badjson");
        assert!(list(CFG, "broken").is_err());
    }

    #[test]
    fn text_defaults() {
        assert_eq!(text(CFG, "n", "d").unwrap(), "3");
        assert_eq!(text(CFG, "missing", "d").unwrap(), "d");
    }

    struct Failing;
    impl Config for Failing {
        fn get(&self, _key: &str) -> Result<Option<String>, String> {
            Err("down".into())
        }
    }

    #[test]
    fn source_errors_name_the_option() {
        let err = text(&Failing, "reason", "d").unwrap_err();
        assert_eq!(err.to_string(), "option `reason`: down");
    }

    #[test]
    fn btreemap_is_a_config() {
        let mut map = BTreeMap::new();
        map.insert("k".to_string(), "v".to_string());
        assert_eq!(text(&map, "k", "d").unwrap(), "v");
    }
}
