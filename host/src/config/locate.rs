//! Locating configuration errors: byte spans to lines, and the dotted key
//! a TOML error is about.

use std::ops::Range;
use std::path::Path;

use super::ConfigError;

/// Turns byte spans into lines.
pub(crate) struct Locator<'a> {
    pub(crate) file: &'a Path,
    pub(crate) text: &'a str,
}

impl Locator<'_> {
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.text[..offset].bytes().filter(|b| *b == b'\n').count() + 1
    }

    pub(crate) fn at(&self, span: Range<usize>, key: &str, reason: &str) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            line: self.line_of(span.start),
            key: key.into(),
            reason: reason.into(),
        }
    }

    /// A TOML or serde error: the key is read off the line it points at,
    /// prefixed by the table header above it.
    pub(crate) fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let start = e.span().map(|s| s.start).unwrap_or(0);
        let line = self.line_of(start);
        let key = self.key_at_line(line);
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            key,
            reason: e.message().trim().to_string(),
        }
    }

    fn key_at_line(&self, line: usize) -> String {
        let lines: Vec<&str> = self.text.lines().collect();
        let Some(current) = lines.get(line.saturating_sub(1)) else {
            return String::new();
        };
        let table = lines[..line.saturating_sub(1)]
            .iter()
            .rev()
            .map(|l| l.trim())
            .find(|l| l.starts_with('['))
            .map(|l| l.trim_matches(['[', ']']).trim().to_string());
        let current = current.trim();
        if current.starts_with('[') {
            return current.trim_matches(['[', ']']).trim().to_string();
        }
        let own = current.split('=').next().unwrap_or("").trim().to_string();
        match table {
            Some(t) if !own.is_empty() => format!("{t}.{own}"),
            Some(t) => t,
            None => own,
        }
    }
}
