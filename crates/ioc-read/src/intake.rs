//! Intake: the one path from a value a reader found to a record in the builder.
//!
//! Every reader hands its values over here, so that cleaning, refanging, validation and the
//! run's policy are the same whatever the format. A reader decides what a value *claims* to be
//! (a declared type, or a kind it knows from the format); the intake decides what it *is*.

use std::sync::Arc;

use ioc_core::{
    refang, DetectionBuilder, Indicator, IndicatorValue, KindHint, MetaField, Metadata, Source,
};

use crate::policy::{self, ReadOptions, Verdict};
use crate::types::{self, TypeMeaning};

/// A value as a reader found it.
#[derive(Debug, Clone)]
pub(crate) struct Found<'t> {
    pub source: Source,
    /// The value exactly as written, for the record.
    pub raw: &'t str,
    /// The type the input declared, if it declared one.
    pub declared: Option<&'t str>,
    pub meta: Metadata,
}

/// A builder together with the options of the run.
pub(crate) struct Intake<'b> {
    builder: &'b mut DetectionBuilder,
    options: &'b ReadOptions,
}

impl<'b> Intake<'b> {
    pub fn new(builder: &'b mut DetectionBuilder, options: &'b ReadOptions) -> Self {
        Intake { builder, options }
    }

    pub fn builder(&mut self) -> &mut DetectionBuilder {
        self.builder
    }

    pub fn options(&self) -> &ReadOptions {
        self.options
    }

    /// The run's shared copy of `text`, a value of `field` (see [`ioc_core::Interner`]).
    pub fn text(&mut self, field: MetaField, text: &str) -> Arc<str> {
        self.builder.interner().text(field, text)
    }

    /// The tags in `raw`, split at any of `separators`, trimmed, empty ones left out; rows
    /// with the same `raw` and `separators` share one list.
    pub fn tags(&mut self, raw: &str, separators: &[char]) -> Arc<[Arc<str>]> {
        self.builder.interner().list(raw, separators)
    }

    /// A value with a type name from the shared table ([`types::meaning`]).
    pub fn declared(&mut self, found: Found<'_>) {
        match found.declared {
            Some(declared) => self.declared_as(found, declared),
            None => self.reject(found, "the record declares no type"),
        }
    }

    /// A value read as the shared table's `type_name`, which may differ from what the record
    /// declared when a reader knows its format's own spelling.
    pub fn declared_as(&mut self, found: Found<'_>, type_name: &str) {
        let declared = found.declared.unwrap_or(type_name);
        match types::meaning(type_name) {
            Some(TypeMeaning::Kind(hint)) => self.hinted(found, hint),
            Some(TypeMeaning::Unsupported) => {
                let reason = format!("{declared} indicators are not supported by ioc-emit");
                self.reject(found, reason)
            }
            None => {
                let reason = format!("unknown type {declared:?}");
                self.reject(found, reason)
            }
        }
    }

    /// A value whose kind the reader knows: cleaned, refanged, validated, then put to policy.
    pub fn hinted(&mut self, found: Found<'_>, hint: KindHint) {
        let value = clean(found.raw);
        self.validated(found, hint, &value);
    }

    /// Validates `text`, which the reader derived from `found.raw` (refanged, reassembled from
    /// parts), and keeps `found.raw` as the original.
    pub fn validated(&mut self, found: Found<'_>, hint: KindHint, text: &str) {
        match IndicatorValue::parse(hint, text) {
            Ok(value) => {
                let declared = found.declared;
                let indicator = Indicator {
                    value,
                    original: Arc::from(found.raw),
                    source: found.source,
                    meta: found.meta,
                };
                self.accept(indicator, declared);
            }
            Err(err) => self.reject(found, err.message),
        }
    }

    /// Accepts a validated indicator unless policy leaves it out.
    pub fn accept(&mut self, indicator: Indicator, declared: Option<&str>) {
        self.builder.note_fields(&indicator.meta);
        match policy::verdict(self.options, &indicator, declared) {
            Verdict::Keep => self.builder.accept(indicator, declared),
            Verdict::Flag(messages) => {
                for message in messages {
                    self.builder.warn(&indicator.source, message);
                }
                self.builder.accept(indicator, declared);
            }
            Verdict::Skip(reason) => {
                self.builder
                    .skip(indicator.source, &indicator.original, declared, reason)
            }
        }
    }

    pub fn reject(&mut self, found: Found<'_>, reason: impl Into<String>) {
        self.builder
            .reject(found.source, found.raw, found.declared, reason);
    }

    pub fn skip(&mut self, found: Found<'_>, reason: impl Into<String>) {
        self.builder
            .skip(found.source, found.raw, found.declared, reason);
    }

    pub fn warn(&mut self, source: &Source, message: impl AsRef<str>) {
        self.builder.warn(source, message);
    }
}

/// Trims, strips one enclosing layer of quotes and refangs: the text a value is validated as.
pub(crate) fn clean(raw: &str) -> String {
    refang(strip_enclosing(raw.trim())).into_owned()
}

/// Strips one layer of quotes or backticks that wrap a whole value.
pub(crate) fn strip_enclosing(text: &str) -> &str {
    for (open, close) in [('`', '`'), ('"', '"'), ('\'', '\''), ('<', '>')] {
        if text.len() >= 2 && text.starts_with(open) && text.ends_with(close) {
            return text[open.len_utf8()..text.len() - close.len_utf8()].trim();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use ioc_core::{IndicatorKind, RecordState};

    fn found(raw: &str) -> Found<'_> {
        Found {
            source: Source::line("t", 1),
            raw,
            declared: None,
            meta: Metadata::default(),
        }
    }

    #[test]
    fn values_are_refanged_then_validated() {
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        let mut intake = Intake::new(&mut b, &options);
        intake.hinted(
            found(" `c2[.]example[.]net` "),
            IndicatorKind::Domain.into(),
        );
        intake.hinted(found("not a host"), IndicatorKind::Domain.into());
        let (d, records) = b.finish();
        assert_eq!(d.indicators[0].value.to_string(), "c2.example.net");
        assert_eq!(&*d.indicators[0].original, " `c2[.]example[.]net` ");
        assert!(matches!(records[1].state, RecordState::Rejected(_)));
    }

    #[test]
    fn declared_types_come_from_the_shared_table() {
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        let mut intake = Intake::new(&mut b, &options);
        let with = |declared| Found {
            declared: Some(declared),
            ..found("abc")
        };
        intake.declared(with("ssdeep"));
        intake.declared(with("wombat"));
        let (_, records) = b.finish();
        let reasons: Vec<String> = records
            .iter()
            .map(|r| match &r.state {
                RecordState::Rejected(reason) => reason.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            reasons,
            [
                "ssdeep indicators are not supported by ioc-emit",
                "unknown type \"wombat\""
            ]
        );
    }
}
