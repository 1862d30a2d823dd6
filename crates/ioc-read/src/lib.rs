//! Readers: turn each input format into the ioc-emit model.
//!
//! A reader walks its input and hands every record to a [`DetectionBuilder`], which accounts
//! for it. Readers work on text already in memory; opening files is the caller's job.

pub mod types;
pub mod writeup;

use std::fmt;

use ioc_core::{refang, DetectionBuilder, Indicator, IndicatorValue, Metadata, Source};

use crate::types::TypeMeaning;

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A threat-intel write-up with an IOC table and false-positive scenarios.
    Writeup,
}

impl Format {
    pub const ALL: [Format; 1] = [Format::Writeup];

    pub fn name(self) -> &'static str {
        match self {
            Format::Writeup => "writeup",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An input could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ReadError {
    pub location: Source,
    pub message: String,
}

impl ReadError {
    pub fn new(location: Source, message: impl Into<String>) -> Self {
        ReadError {
            location,
            message: message.into(),
        }
    }
}

/// Guesses the format from the content.
pub fn detect(text: &str) -> Option<Format> {
    if writeup::looks_like(text) {
        return Some(Format::Writeup);
    }
    None
}

/// Reads one input into the builder, detecting its format unless one is given.
pub fn read(
    name: &str,
    text: &str,
    format: Option<Format>,
    builder: &mut DetectionBuilder,
) -> Result<Format, ReadError> {
    let format = match format.or_else(|| detect(text)) {
        Some(format) => format,
        None => {
            return Err(ReadError::new(
                Source::line(name, 1),
                "cannot tell the input format; expected a write-up with an IOC table \
                 (a 'Type' and a 'Value' column)",
            ))
        }
    };
    builder.add_source(base_name(name));
    match format {
        Format::Writeup => writeup::read(name, text, builder)?,
    }
    Ok(format)
}

/// The last component of a path, for query comments: where a file sat on the analyst's machine
/// means nothing in a deployed rule.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
}

/// Cleans, refangs and validates one value, then accepts or rejects it.
///
/// `declared` is the type the input gave; `None` lets the value's shape decide.
pub fn accept_value(
    builder: &mut DetectionBuilder,
    source: Source,
    raw: &str,
    declared: &str,
    meta: Metadata,
) {
    let cleaned = strip_enclosing(raw.trim());
    let value = refang(cleaned);
    let hint = match types::meaning(declared) {
        Some(TypeMeaning::Kind(hint)) => hint,
        Some(TypeMeaning::Unsupported) => {
            builder.reject(
                source,
                raw,
                Some(declared),
                format!("{declared} indicators are not supported by ioc-emit"),
            );
            return;
        }
        None => {
            builder.reject(
                source,
                raw,
                Some(declared),
                format!("unknown type {declared:?}"),
            );
            return;
        }
    };
    match IndicatorValue::parse(hint, &value) {
        Ok(value) => builder.accept(
            Indicator {
                value,
                original: raw.to_string(),
                source,
                meta,
            },
            Some(declared),
        ),
        Err(err) => builder.reject(source, raw, Some(declared), err.message),
    }
}

/// Strips one layer of quotes or backticks that wrap a whole value.
fn strip_enclosing(text: &str) -> &str {
    for (open, close) in [('`', '`'), ('"', '"'), ('\'', '\''), ('<', '>')] {
        if text.len() >= 2 && text.starts_with(open) && text.ends_with(close) {
            return text[open.len_utf8()..text.len() - close.len_utf8()].trim();
        }
    }
    text
}

/// Reads a confidence such as `75%`, `75` or `0.75`.
pub(crate) fn parse_confidence(text: &str) -> Option<u8> {
    let t = text.trim().trim_end_matches('%').trim();
    if let Ok(n) = t.parse::<u8>() {
        return (n <= 100).then_some(n);
    }
    let f: f64 = t.parse().ok()?;
    (0.0..=1.0).contains(&f).then(|| (f * 100.0).round() as u8)
}

/// Reads a date at the start of `text` (`YYYY-MM-DD`, optionally followed by a time).
pub(crate) fn parse_date(text: &str) -> Option<String> {
    let t = text.trim();
    let b = t.as_bytes();
    let ok = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    ok.then(|| t[..10].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_and_dates() {
        assert_eq!(parse_confidence("75%"), Some(75));
        assert_eq!(parse_confidence("0.5"), Some(50));
        assert_eq!(parse_confidence("175%"), None);
        assert_eq!(
            parse_date("2026-05-17 10:00:00 UTC").as_deref(),
            Some("2026-05-17")
        );
        assert_eq!(parse_date("17/05/2026"), None);
    }

    #[test]
    fn enclosing_quotes_are_stripped_once() {
        assert_eq!(strip_enclosing("`a.b`"), "a.b");
        assert_eq!(strip_enclosing("\"'a'\""), "'a'");
        assert_eq!(strip_enclosing("a\"b"), "a\"b");
    }
}
