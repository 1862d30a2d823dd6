//! Readers: turn each input format into the ioc-emit model.
//!
//! A reader walks its input and hands every record to a [`DetectionBuilder`], which accounts
//! for it. Readers work on text in memory, or, for the ThreatFox CSV export, on a stream of
//! lines ([`read_from`]), so a feed of a million rows is read without holding its text.
//! Opening files is the caller's job.

pub mod detection_file;
pub mod policy;
pub mod types;
pub mod warninglist;
pub mod writeup;

mod generic_csv;
mod intake;
mod json;
mod misp;
mod shape;
mod stix;
mod text;
mod threatfox_csv;
mod threatfox_json;

use std::fmt;
use std::io::{BufRead, Read};

use ioc_core::{DetectionBuilder, Metadata, Source};

pub use crate::detection_file::{DetectionFile, DetectionFileError};
use crate::intake::{Found, Intake};
pub use crate::policy::{parse_since, ReadOptions};
pub use crate::warninglist::{Warninglist, Warninglists};

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A threat-intel write-up with an IOC table and false-positive scenarios.
    Writeup,
    /// ThreatFox JSON: the API's `get_iocs` answer, the JSON export keyed by IOC id, or a feed
    /// derived from either with an `iocs` array.
    ThreatfoxJson,
    /// The ThreatFox CSV export, with its `#` comment header.
    ThreatfoxCsv,
    /// A MISP event.
    Misp,
    /// A STIX 2.1 bundle.
    Stix,
    /// A CSV file with a value column and, optionally, a type column.
    Csv,
    /// Free text: a blog post, a chat paste, text copied from a PDF.
    Text,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Writeup,
        Format::ThreatfoxJson,
        Format::ThreatfoxCsv,
        Format::Misp,
        Format::Stix,
        Format::Csv,
        Format::Text,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Writeup => "writeup",
            Format::ThreatfoxJson => "threatfox-json",
            Format::ThreatfoxCsv => "threatfox-csv",
            Format::Misp => "misp",
            Format::Stix => "stix",
            Format::Csv => "csv",
            Format::Text => "text",
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
///
/// JSON is told apart by its top-level keys (`data`, `iocs` or ids for ThreatFox, `Event` for
/// MISP, `"type": "bundle"` for STIX); then come the ThreatFox CSV export (its comment header),
/// a CSV with a recognised value column, a write-up (its IOC table), and last free text that
/// mentions at least one indicator. JSON that is none of the known documents, and text that
/// mentions nothing, give `None`.
pub fn detect(text: &str) -> Option<Format> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(probe) = json::probe(text) {
        return json_format(&probe);
    }
    if threatfox_csv::looks_like(text) {
        return Some(Format::ThreatfoxCsv);
    }
    if generic_csv::looks_like(text) {
        return Some(Format::Csv);
    }
    if writeup::looks_like(text) {
        return Some(Format::Writeup);
    }
    text::mentions_indicators(text).then_some(Format::Text)
}

fn json_format(probe: &json::Probe) -> Option<Format> {
    if misp::looks_like(probe) {
        Some(Format::Misp)
    } else if stix::looks_like(probe) {
        Some(Format::Stix)
    } else if threatfox_json::looks_like(probe) {
        Some(Format::ThreatfoxJson)
    } else {
        None
    }
}

/// Reads one input into the builder with the default options, detecting its format unless one
/// is given.
pub fn read(
    name: &str,
    text: &str,
    format: Option<Format>,
    builder: &mut DetectionBuilder,
) -> Result<Format, ReadError> {
    read_with(name, text, format, &ReadOptions::default(), builder)
}

/// Checks, once every input is read, that each filter the options set could apply: a
/// `--min-confidence` or `--since` on inputs whose records carry no confidence or no date
/// leaves nothing out, and the run says so rather than look filtered.
pub fn after_reading(options: &ReadOptions, builder: &mut DetectionBuilder) {
    if let Some(min) = options.min_confidence {
        if !builder.saw_confidence() {
            builder.warn_run(format!(
                "--min-confidence {min} left nothing out: no indicator read states a confidence"
            ));
        }
    }
    if let Some(since) = &options.since {
        if !builder.saw_first_seen() {
            builder.warn_run(format!(
                "--since {since} left nothing out: no indicator read states when it was first seen"
            ));
        }
    }
}

/// Reads one input into the builder, detecting its format unless one is given.
pub fn read_with(
    name: &str,
    text: &str,
    format: Option<Format>,
    options: &ReadOptions,
    builder: &mut DetectionBuilder,
) -> Result<Format, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(forced) = format else {
        return read_detected(name, text, options, builder);
    };
    let accepted = builder.accepted_count();
    let result = read_as(name, text, forced, options, builder);
    // A wrong --from reads nothing, or fails, and says why in the terms of the format it
    // expected; say also what the input looks like.
    let mismatch = match &result {
        Ok(_) => builder.accepted_count() == accepted,
        Err(_) => true,
    };
    if mismatch {
        if let Some(seen) = detect(text).filter(|&seen| seen != forced) {
            let (location, said) = match result {
                Ok(_) => (
                    Source::line(name, 1),
                    format!("nothing in it reads as {forced}"),
                ),
                Err(e) => (e.location, e.message),
            };
            return Err(ReadError::new(
                location,
                format!(
                    "{said}; read as {forced} because of --from, but the input looks like \
                     {seen}: name that format or leave out --from"
                ),
            ));
        }
    }
    result
}

/// Reads one input whose format is not given: detected from the content.
fn read_detected(
    name: &str,
    text: &str,
    options: &ReadOptions,
    builder: &mut DetectionBuilder,
) -> Result<Format, ReadError> {
    let detected = detect(text);
    // A JSON document cut short or garbled is not free text that happens to hold indicators.
    if !matches!(
        detected,
        Some(Format::ThreatfoxJson | Format::Misp | Format::Stix)
    ) && json::looks_like_json(text)
    {
        if let Some(error) = json::syntax_error(name, text) {
            return Err(error);
        }
    }
    let format = match detected {
        Some(format) => format,
        None if json::probe(text).is_some() => {
            return Err(ReadError::new(
                Source::line(name, 1),
                "cannot tell the input format: this JSON is not a ThreatFox, MISP or STIX \
                 document; name the format with --from",
            ))
        }
        None => {
            return Err(ReadError::new(
                Source::line(name, 1),
                "cannot tell the input format: no IOC table, no CSV value column, and no \
                 indicator in the text; name the format with --from",
            ))
        }
    };
    read_as(name, text, format, options, builder)
}

/// Reads one input as `format`.
fn read_as(
    name: &str,
    text: &str,
    format: Format,
    options: &ReadOptions,
    builder: &mut DetectionBuilder,
) -> Result<Format, ReadError> {
    builder.add_source(base_name(name));
    let mut intake = Intake::new(builder, options);
    match format {
        Format::Writeup => writeup::read(name, text, options, intake.builder())?,
        Format::ThreatfoxJson => threatfox_json::read(name, text, &mut intake)?,
        Format::ThreatfoxCsv => threatfox_csv::read(name, text, &mut intake)?,
        Format::Misp => misp::read(name, text, &mut intake)?,
        Format::Stix => stix::read(name, text, &mut intake)?,
        Format::Csv => generic_csv::read(name, text, &mut intake)?,
        Format::Text => text::read(name, text, &mut intake),
    }
    Ok(format)
}

/// Why a stream could not be read: the input is wrong, or reading it failed (the caller's
/// reader says where).
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// How much of a stream is looked at to tell its format: enough for the ThreatFox header and
/// a CSV's header line, and small enough that a short input is read whole.
pub const PEEK_BYTES: usize = 64 * 1024;

/// Reads one input from a stream of UTF-8 text.
///
/// An input that fits in [`PEEK_BYTES`] is read whole and handed to [`read_with`], so it reads
/// exactly as text does. A longer one is read row by row when it is a ThreatFox CSV export (by
/// `format`, or detected from its first lines); any other is read whole.
///
/// `size` is the stream's length in bytes when it is known (a file): a streamed export then
/// sizes the detection's lists once, from the lines its first bytes hold, rather than growing
/// them step by step through a million rows.
pub fn read_from(
    name: &str,
    input: &mut dyn BufRead,
    size: Option<u64>,
    format: Option<Format>,
    options: &ReadOptions,
    builder: &mut DetectionBuilder,
) -> Result<Format, StreamError> {
    let mut head = Vec::with_capacity(PEEK_BYTES);
    input.take(PEEK_BYTES as u64).read_to_end(&mut head)?;
    let whole = head.len() < PEEK_BYTES;
    if !whole {
        // Finish the line, so detection sees whole lines only.
        input.read_until(b'\n', &mut head)?;
    }
    let text = String::from_utf8(head)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    if whole {
        return Ok(read_with(name, &text, format, options, builder)?);
    }
    let streamed = match format {
        Some(format) => format == Format::ThreatfoxCsv,
        None => {
            let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let json = body.trim_start().starts_with(['{', '[']);
            !json && threatfox_csv::looks_like(body)
        }
    };
    if !streamed {
        let mut text = text;
        input.read_to_string(&mut text)?;
        return Ok(read_with(name, &text, format, options, builder)?);
    }
    builder.add_source(base_name(name));
    if let Some(size) = size {
        builder.reserve(estimated_rows(text.as_bytes(), size));
    }
    let mut intake = Intake::new(builder, options);
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut stream = body.as_bytes().chain(input);
    threatfox_csv::read_stream(name, &mut stream, &mut intake).map_err(|e| match e {
        threatfox_csv::StreamError::Read(e) => StreamError::Read(e),
        threatfox_csv::StreamError::Io(e) => StreamError::Io(e),
    })?;
    Ok(Format::ThreatfoxCsv)
}

/// The rows a stream of `size` bytes holds if its data rows are as frequent, per byte, as in
/// `head`, its first bytes. Comment lines (`#`) and empty ones are not rows: a head of comments
/// guesses low, never high. Only a guess for sizing lists: a wrong one costs memory or a few
/// more steps of growth, never a different result.
fn estimated_rows(head: &[u8], size: u64) -> usize {
    let lines = head
        .split(|&b| b == b'\n')
        .filter(|line| line.first().is_some_and(|&b| b != b'#' && b != b'\r'))
        .count()
        .max(1) as u64;
    let rows = size.saturating_mul(lines) / (head.len().max(1) as u64);
    usize::try_from(rows).unwrap_or(usize::MAX)
}

/// The last component of a path, for query comments: where a file sat on the analyst's machine
/// means nothing in a deployed rule.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
}

/// Cleans, refangs and validates one value, then accepts or rejects it, with the default
/// options.
///
/// `declared` is the type the input gave, looked up in the shared [`types`] table.
pub fn accept_value(
    builder: &mut DetectionBuilder,
    source: Source,
    raw: &str,
    declared: &str,
    meta: Metadata,
) {
    accept_value_with(
        builder,
        &ReadOptions::default(),
        source,
        raw,
        declared,
        meta,
    );
}

/// [`accept_value`] under the given options.
pub fn accept_value_with(
    builder: &mut DetectionBuilder,
    options: &ReadOptions,
    source: Source,
    raw: &str,
    declared: &str,
    meta: Metadata,
) {
    Intake::new(builder, options).declared(Found {
        source,
        raw,
        declared: Some(declared),
        meta,
    });
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
pub(crate) fn parse_date(text: &str) -> Option<&str> {
    let t = text.trim();
    let b = t.as_bytes();
    let ok = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    ok.then(|| &t[..10])
}

/// An indicator's tags as plain texts, for tests to compare.
#[cfg(test)]
pub(crate) fn tag_texts(meta: &ioc_core::Metadata) -> Vec<&str> {
    meta.tags.iter().map(|t| &**t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_and_dates() {
        assert_eq!(parse_confidence("75%"), Some(75));
        assert_eq!(parse_confidence("0.5"), Some(50));
        assert_eq!(parse_confidence("175%"), None);
        assert_eq!(parse_date("2026-05-17 10:00:00 UTC"), Some("2026-05-17"));
        assert_eq!(parse_date("17/05/2026"), None);
    }

    #[test]
    fn enclosing_quotes_are_stripped_once() {
        use crate::intake::strip_enclosing;
        assert_eq!(strip_enclosing("`a.b`"), "a.b");
        assert_eq!(strip_enclosing("\"'a'\""), "'a'");
        assert_eq!(strip_enclosing("a\"b"), "a\"b");
    }

    #[test]
    fn formats_have_unique_names() {
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.name()), Some(format));
        }
        assert_eq!(Format::from_name("yaml"), None);
    }

    #[test]
    fn detection_by_content() {
        let cases = [
            (
                r#"{"query_status": "ok", "data": []}"#,
                Some(Format::ThreatfoxJson),
            ),
            (r#"{"count": 0, "iocs": []}"#, Some(Format::ThreatfoxJson)),
            (
                r#"{"1001": [{"ioc_value": "a.example.com"}]}"#,
                Some(Format::ThreatfoxJson),
            ),
            (
                r#"[{"ioc": "a.example.com", "ioc_type": "domain"}]"#,
                Some(Format::ThreatfoxJson),
            ),
            (r#"{"Event": {"info": "x"}}"#, Some(Format::Misp)),
            (r#"{"response": [{"Event": {}}]}"#, Some(Format::Misp)),
            (r#"[{"Event": {}}]"#, Some(Format::Misp)),
            (
                r#"{"type": "bundle", "id": "bundle--1", "objects": []}"#,
                Some(Format::Stix),
            ),
            (r#"{"name": "not threat intel"}"#, None),
            (
                "# ThreatFox IOCs: recent\n\"2026-01-01\", \"1\"\n",
                Some(Format::ThreatfoxCsv),
            ),
            ("\u{feff}value,type\n192.0.2.1,ip\n", Some(Format::Csv)),
            (
                "Indicator;Comment\nc2.example.org;seen\n",
                Some(Format::Csv),
            ),
            (
                "| Type | Value |\n|---|---|\n| domain | a.example |\n",
                Some(Format::Writeup),
            ),
            ("The actor used 192.0.2[.]8 again.", Some(Format::Text)),
            (
                "[TLP:CLEAR] a note about c2[.]example[.]net",
                Some(Format::Text),
            ),
            ("No table here, only words.", None),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text), want, "{text}");
        }
    }

    #[test]
    fn a_long_export_streams_and_reads_as_its_text_does() {
        let mut text = String::from(
            "# ThreatFox IOCs: long\n# \"ioc_value\",\"ioc_type\",\"malware_printable\"\n",
        );
        let mut n = 0;
        while text.len() < 3 * PEEK_BYTES {
            text.push_str(&format!("\"h{n}.example.com\", \"domain\", \"Fam\"\n"));
            n += 1;
        }
        text.push_str("\"bad value\", \"domain\", \"Fam\"\n");
        let mut whole = DetectionBuilder::new();
        read("tf.csv", &text, None, &mut whole).unwrap();
        let mut streamed = DetectionBuilder::new();
        let format = read_from(
            "tf.csv",
            &mut text.as_bytes(),
            Some(text.len() as u64),
            None,
            &ReadOptions::default(),
            &mut streamed,
        )
        .unwrap();
        assert_eq!(format, Format::ThreatfoxCsv);
        assert_eq!(streamed.finish(), whole.finish());

        // Anything else that is long is read whole, as before.
        let rows: String = (0..8000)
            .map(|i| format!("h{i}.example.org,domain\n"))
            .collect();
        let csv = format!("value,type\n{rows}");
        let mut b = DetectionBuilder::new();
        let format = read_from(
            "v.csv",
            &mut csv.as_bytes(),
            None,
            None,
            &ReadOptions::default(),
            &mut b,
        );
        assert_eq!(format.unwrap(), Format::Csv);
    }

    #[test]
    fn rows_are_estimated_from_the_lines_of_the_head() {
        // Four lines of 25 bytes: a 1,000-byte stream holds about 40.
        let head = "012345678901234567890123\n".repeat(4);
        assert_eq!(estimated_rows(head.as_bytes(), 1000), 40);
        // No newline yet, and no head at all, still give an answer.
        assert_eq!(estimated_rows(b"abcd", 8), 2);
        assert_eq!(estimated_rows(b"", 8), 8);
        assert_eq!(estimated_rows(b"\n", u64::MAX), usize::MAX);
        // Comment and empty lines are not rows: 2 rows in a 58-byte head of 11 lines.
        let head = format!("{}\n\r\n{}", "#234\n".repeat(7), "x23456789\n".repeat(2));
        assert_eq!(head.len(), 58);
        assert_eq!(estimated_rows(head.as_bytes(), 580), 20);
    }

    #[test]
    fn unknown_json_is_refused_with_the_way_out() {
        let mut b = DetectionBuilder::new();
        let err = read("x.json", r#"{"name": "x"}"#, None, &mut b).unwrap_err();
        assert!(err.message.contains("--from"), "{err}");
    }

    #[test]
    fn inputs_of_different_formats_merge_and_dedupe() {
        let mut b = DetectionBuilder::new();
        let csv = "value,type\nc2.example.net,domain\n198.51.100.20:443,ip:port\n";
        let text = "Beacons to c2[.]example[.]net and 198.51.100.20:443 every minute.";
        assert_eq!(read("feed.csv", csv, None, &mut b), Ok(Format::Csv));
        assert_eq!(read("chat.txt", text, None, &mut b), Ok(Format::Text));
        let (d, records) = b.finish();
        assert_eq!(d.sources, ["feed.csv", "chat.txt"]);
        assert_eq!(d.indicators.len(), 2);
        let duplicates = records
            .iter()
            .filter(|r| matches!(r.state, ioc_core::RecordState::Duplicate(_)))
            .count();
        assert_eq!(duplicates, 2);
    }

    #[test]
    fn options_reach_every_reader() {
        let options = ReadOptions {
            min_confidence: Some(80),
            since: Some("2026-02-01".into()),
            drop_private: true,
            ..ReadOptions::default()
        };
        let feed = r#"{"data": [
            {"ioc": "old.example.com", "ioc_type": "domain", "first_seen": "2026-01-01"},
            {"ioc": "weak.example.com", "ioc_type": "domain", "confidence_level": 50},
            {"ioc": "10.0.0.8:22", "ioc_type": "ip:port"},
            {"ioc": "kept.example.com", "ioc_type": "domain", "confidence_level": 90}
        ]}"#;
        let mut b = DetectionBuilder::new();
        read_with("tf.json", feed, None, &options, &mut b).unwrap();
        let (d, records) = b.finish();
        assert_eq!(d.indicators.len(), 1);
        let reasons: Vec<String> = records
            .iter()
            .filter_map(|r| match &r.state {
                ioc_core::RecordState::Skipped(why) => Some(why.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(reasons.len(), 3);
        assert!(reasons[0].contains("--since"));
        assert!(reasons[1].contains("--min-confidence"));
        assert!(reasons[2].contains("private"));
    }

    #[test]
    fn json_cut_short_is_an_error_at_its_line_and_column_not_free_text() {
        let text = "{\"data\": [\n  {\"ioc\": \"c2.example.net\", \"ioc_type\": \"dom";
        for format in [None, Some(Format::ThreatfoxJson), Some(Format::Misp)] {
            let mut b = DetectionBuilder::new();
            let err = read("cut.json", text, format, &mut b).unwrap_err();
            assert_eq!(err.location.to_string(), "cut.json:2:44", "{format:?}");
            assert!(
                err.message
                    .starts_with("not valid JSON: the JSON ends early; is the file cut short?"),
                "{err}"
            );
        }
        let mut b = DetectionBuilder::new();
        let err = read("bad.json", "[{\"ioc\": 1}\n, x]", None, &mut b).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad.json:2:3: not valid JSON: expected value"
        );
        // Text that merely opens with a bracket is still text.
        let mut b = DetectionBuilder::new();
        let tlp = "[TLP:CLEAR] c2[.]example[.]net";
        assert_eq!(read("n.txt", tlp, None, &mut b), Ok(Format::Text));
    }

    #[test]
    fn a_forced_format_that_reads_nothing_names_the_format_the_input_has() {
        let writeup = "| Type | Value |\n|---|---|\n| domain | a.example |\n";
        for format in [Format::ThreatfoxJson, Format::ThreatfoxCsv, Format::Csv] {
            let mut b = DetectionBuilder::new();
            let err = read("w.md", writeup, Some(format), &mut b).unwrap_err();
            assert!(
                err.message.ends_with(&format!(
                    "read as {format} because of --from, but the input looks like writeup: \
                     name that format or leave out --from"
                )),
                "{err}"
            );
        }
        // The right format, or one that finds indicators, is no mismatch.
        let mut b = DetectionBuilder::new();
        assert_eq!(
            read("w.md", writeup, Some(Format::Text), &mut b),
            Ok(Format::Text)
        );
    }

    /// Inputs that are wrong in every way a hurried export can be. Each reader must answer
    /// with records or an error, never a panic.
    #[test]
    fn hostile_inputs_never_panic() {
        let inputs = [
            "",
            "\u{feff}",
            "{",
            "[]",
            "{}",
            "null",
            r#"{"data": "x"}"#,
            r#"{"data": [null, 1, [], {"ioc": 5}]}"#,
            r#"{"iocs": {}}"#,
            r#"{"Event": {"Attribute": [{"type": 1}], "Object": [1, {"Attribute": "x"}]}}"#,
            r#"{"Event": {"Attribute": [{"type": "domain|ip", "value": "|"}]}}"#,
            r#"{"type": "bundle", "objects": [{"type": "indicator", "pattern": "[[[[("}]}"#,
            r#"{"type": "bundle", "objects": [{"type": "indicator", "pattern": "['\\"}]}"#,
            "\"a\", \"b\nc,,,\n\"\"\"",
            "# \"ioc_value\"\n\"x\"",
            "value\n\n,\n\u{0}\n",
            "hxxp[://] [ [. ( (.) [2001:db8::1 ]:80 1.2.3.4:99999 a@b@c ... \u{2026} http://",
            "ü.ü ﬁ.com 𝔘.example x.\u{301}com [::]:0 ::/0 0.0.0.0/0 255.255.255.255/33",
            "| Type | Value |\n|---|---|\n| x |\n",
        ];
        for text in inputs {
            for format in Format::ALL {
                let mut b = DetectionBuilder::new();
                let _ = read("hostile", text, Some(format), &mut b);
                let _ = b.finish();
            }
            let mut b = DetectionBuilder::new();
            let _ = read("hostile", text, None, &mut b);
        }
    }
}
