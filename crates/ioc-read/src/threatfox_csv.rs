//! The ThreatFox CSV export reader.
//!
//! The export opens with `#` comment lines, the last of which names the columns. Its rows quote
//! every field and separate them with `", "`, a comma and a space, which CSV does not allow
//! before a quote; null is written `None`. The rows are split here, line by line from any
//! [`BufRead`], so a full export (over a million rows) is read without holding its text: a
//! blank after a separator outside quotes is skipped, quotes group a field (tags hold commas),
//! `""` inside quotes is a quote, a quoted field may run over several lines, and every field is
//! trimmed, as the `csv` crate reads a well-formed file with trimming on. Each record keeps the
//! line it starts on.

use std::io::BufRead;
use std::sync::Arc;

use ioc_core::{Metadata, Source};

use crate::intake::{Found, Intake};
use crate::threatfox_json::Families;
use crate::{parse_confidence, parse_date, ReadError};

/// The export's columns, for a file whose header comment was cut off.
const DEFAULT_COLUMNS: &[&str] = &[
    "first_seen_utc",
    "ioc_id",
    "ioc_value",
    "ioc_type",
    "threat_type",
    "fk_malware",
    "malware_alias",
    "malware_printable",
    "last_seen_utc",
    "confidence_level",
    "reference",
    "tags",
    "anonymous",
    "reporter",
];

/// Whether the text is a ThreatFox CSV export: a comment that names ThreatFox or the export's
/// `ioc_value` column among the first lines.
pub(crate) fn looks_like(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(20)
        .take_while(|l| l.starts_with('#'))
        .any(|l| l.to_ascii_lowercase().contains("threatfox") || l.contains("\"ioc_value\""))
}

/// Reads a ThreatFox CSV export held in memory.
pub(crate) fn read(name: &str, text: &str, intake: &mut Intake<'_>) -> Result<(), ReadError> {
    read_stream(name, &mut text.as_bytes(), intake).map_err(|e| match e {
        StreamError::Read(e) => e,
        StreamError::Io(e) => ReadError::new(Source::line(name, 1), e.to_string()),
    })
}

/// Why a stream could not be read: the input itself is wrong, or reading it failed.
#[derive(Debug)]
pub(crate) enum StreamError {
    Read(ReadError),
    Io(std::io::Error),
}

/// Reads a ThreatFox CSV export from `input`, one record at a time.
pub(crate) fn read_stream(
    name: &str,
    input: &mut dyn BufRead,
    intake: &mut Intake<'_>,
) -> Result<(), StreamError> {
    let mut lines = Lines::new(input);
    // One copy of the name, shared by every row's source.
    let file: Arc<str> = Arc::from(name);
    let mut header: Option<String> = None;
    let mut at: Option<Columns> = None;
    let mut families = Families::default();
    let mut record = Record::default();
    let mut in_header = true;
    loop {
        let start = match lines.next_record(&mut record, in_header) {
            Ok(Some(start)) => start,
            Ok(None) => break,
            Err(LineError::Io(e)) => return Err(StreamError::Io(e)),
            Err(LineError::Utf8(line)) => {
                let found = Found {
                    source: Source::line(name, line),
                    raw: "",
                    declared: None,
                    meta: Metadata::default(),
                };
                intake.reject(found, "cannot read the row: it is not valid UTF-8");
                continue;
            }
        };
        if let Some(comment) = record.comment.take() {
            if in_header && comment.contains("ioc_value") {
                header = Some(comment);
            }
            continue;
        }
        in_header = false;
        let columns = match &at {
            Some(columns) => columns,
            None => at.insert(columns(name, header.as_deref(), intake)?),
        };
        if let Some(family) = columns
            .malware
            .and_then(|i| record.get(i))
            .and_then(non_null)
        {
            families.note(family);
        }
        read_row(&file, start, &record, columns, intake);
    }
    if at.is_none() {
        // No data row: the header is still checked, as for a file with rows.
        columns(name, header.as_deref(), intake)?;
    }
    families.name_detection(intake);
    Ok(())
}

/// Where each field of interest sits in a row, from the header comment or the export's usual
/// order.
fn columns(
    name: &str,
    header: Option<&str>,
    intake: &mut Intake<'_>,
) -> Result<Columns, StreamError> {
    let columns = match header.map(header_columns) {
        Some(columns) => columns,
        None => {
            intake.warn(
                &Source::line(name, 1),
                "no column header comment; assuming the export's usual column order",
            );
            DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect()
        }
    };
    let index = |name: &str| columns.iter().position(|c| c == name);
    let value = index("ioc_value").ok_or_else(|| {
        StreamError::Read(ReadError::new(
            Source::line(name, 1),
            "the column header has no ioc_value column",
        ))
    })?;
    Ok(Columns {
        value,
        kind: index("ioc_type"),
        threat_type: index("threat_type"),
        malware: index("malware_printable").or_else(|| index("fk_malware")),
        first_seen: index("first_seen_utc").or_else(|| index("first_seen")),
        confidence: index("confidence_level"),
        reference: index("reference"),
        tags: index("tags"),
    })
}

/// Where each field of interest sits in a row.
struct Columns {
    value: usize,
    kind: Option<usize>,
    threat_type: Option<usize>,
    malware: Option<usize>,
    first_seen: Option<usize>,
    confidence: Option<usize>,
    reference: Option<usize>,
    tags: Option<usize>,
}

fn read_row(file: &Arc<str>, line: u32, record: &Record, at: &Columns, intake: &mut Intake<'_>) {
    let field = |i: Option<usize>| i.and_then(|i| record.get(i)).and_then(non_null);
    let source = Source::line(file.clone(), line);
    let Some(value) = field(Some(at.value)) else {
        let row: Vec<&str> = record.iter().collect();
        let found = Found {
            source,
            raw: &row.join(", "),
            declared: field(at.kind),
            meta: Metadata::default(),
        };
        return intake.reject(found, "the row has no ioc_value");
    };
    let meta = Metadata {
        threat_type: field(at.threat_type).map(|t| intake.text(t)),
        first_seen: field(at.first_seen)
            .and_then(parse_date)
            .map(|d| intake.text(d)),
        confidence: field(at.confidence).and_then(parse_confidence),
        tags: field(at.tags)
            .map(|t| intake.tags(t, &[',']))
            .unwrap_or_default(),
        malware: field(at.malware).map(|m| intake.text(m)),
        reference: field(at.reference).map(|r| intake.text(r)),
    };
    intake.declared(Found {
        source,
        raw: value,
        declared: field(at.kind),
        meta,
    });
}

/// The export writes null as `None`.
fn non_null(field: &str) -> Option<&str> {
    (!field.is_empty() && field != "None").then_some(field)
}

/// The column names in a header comment line, lower-cased.
fn header_columns(line: &str) -> Vec<String> {
    let body = line.trim_start().trim_start_matches('#');
    let mut record = Record::default();
    record.split(body);
    record.iter().map(|c| c.to_ascii_lowercase()).collect()
}

/// One record's fields, in one buffer.
#[derive(Debug, Default)]
struct Record {
    text: String,
    /// The end of each field in `text`.
    ends: Vec<usize>,
    /// The whole line, when the record is a comment.
    comment: Option<String>,
    /// Whether a quoted field is still open at the end of what was split so far.
    open: bool,
}

impl Record {
    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).filter_map(|i| self.get(i))
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.comment = None;
        self.open = false;
    }

    /// Splits one line (without its line break) into fields, continuing a quoted field left
    /// open by the line before; leaves `open` set when a quote is still open at its end.
    ///
    /// As in the `csv` crate: a quote opens a quoted field only at the field's start, `""`
    /// inside one is a quote, and text after the closing quote is kept as it is.
    fn split(&mut self, line: &str) {
        let mut quoted = self.open;
        let mut at_start = !self.open;
        if self.open {
            // The line break belongs to the quoted field.
            self.text.push('\n');
        }
        let mut field_start = self.ends.last().copied().unwrap_or(0);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if at_start && (c == ' ' || c == '\t') {
                // The export's blank after a separator; a field's own blanks are trimmed.
                continue;
            }
            let was_start = std::mem::replace(&mut at_start, false);
            match c {
                '"' if quoted => {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        self.text.push('"');
                    } else {
                        quoted = false;
                    }
                }
                '"' if was_start => quoted = true,
                ',' if !quoted => {
                    self.end_field(field_start);
                    field_start = self.text.len();
                    at_start = true;
                }
                c => self.text.push(c),
            }
        }
        self.open = quoted;
        if !quoted {
            self.end_field(field_start);
        }
    }

    /// Ends the field that began at `start`, trimmed.
    fn end_field(&mut self, start: usize) {
        let field = &self.text[start..];
        if field.trim().len() != field.len() {
            let kept = field.trim().to_string();
            self.text.truncate(start);
            self.text.push_str(&kept);
        }
        self.ends.push(self.text.len());
    }
}

/// Why a line could not be had.
enum LineError {
    Io(std::io::Error),
    /// The record starting on this line is not UTF-8.
    Utf8(u32),
}

/// Physical lines with their numbers, joined into records.
struct Lines<'r> {
    input: &'r mut dyn BufRead,
    bytes: Vec<u8>,
    line: u32,
}

impl<'r> Lines<'r> {
    fn new(input: &'r mut dyn BufRead) -> Self {
        Lines {
            input,
            bytes: Vec::with_capacity(512),
            line: 0,
        }
    }

    /// Reads the next physical line into `bytes`, without its line break; `false` at the end.
    fn next_line(&mut self) -> Result<bool, std::io::Error> {
        self.bytes.clear();
        if self.input.read_until(b'\n', &mut self.bytes)? == 0 {
            return Ok(false);
        }
        self.line = self.line.saturating_add(1);
        if self.bytes.ends_with(b"\n") {
            self.bytes.pop();
        }
        if self.bytes.ends_with(b"\r") {
            self.bytes.pop();
        }
        Ok(true)
    }

    /// Reads the next record (skipping blank lines) into `record`; returns the line it starts
    /// on, or `None` at the end. A line starting with `#` is a comment, kept whole; in the header
    /// block (`header`) a leading blank before the `#` is allowed, as the export's header is read.
    fn next_record(&mut self, record: &mut Record, header: bool) -> Result<Option<u32>, LineError> {
        record.clear();
        loop {
            if !self.next_line().map_err(LineError::Io)? {
                return Ok(None);
            }
            if !self.bytes.is_empty() {
                break;
            }
        }
        let start = self.line;
        loop {
            let Ok(text) = std::str::from_utf8(&self.bytes) else {
                // Skip the rest of an open record: its end cannot be told apart.
                record.clear();
                return Err(LineError::Utf8(start));
            };
            if !record.open && record.ends.is_empty() {
                let trimmed = if header { text.trim_start() } else { text };
                if trimmed.starts_with('#') {
                    record.comment = Some(text.to_string());
                    return Ok(Some(start));
                }
            }
            record.split(text);
            if !record.open || !self.next_line().map_err(LineError::Io)? {
                return Ok(Some(start));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReadOptions;
    use ioc_core::{DetectionBuilder, RecordState};

    const SAMPLE: &str = concat!(
        "################################################################\n",
        "# ThreatFox IOCs: example export written for these tests       #\n",
        "################################################################\n",
        "#\n",
        "# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\",",
        "\"fk_malware\",\"malware_alias\",\"malware_printable\",\"last_seen_utc\",",
        "\"confidence_level\",\"reference\",\"tags\",\"anonymous\",\"reporter\"\n",
        "\"2026-03-01 08:00:00\", \"1001\", \"198.51.100.80:8080\", \"ip:port\", ",
        "\"botnet_cc\", \"win.example\", \"Alias,Other\", \"ExampleRAT\", \"None\", ",
        "\"75\", \"None\", \"c2,rat\", \"0\", \"someone\"\n",
        "\"2026-03-01 09:00:00\", \"1002\", \"https://files.example.org/a,b.zip\", ",
        "\"url\", \"payload_delivery\", \"win.example\", \"None\", \"ExampleRAT\", ",
        "\"None\", \"100\", \"https://example.org/r\", \"None\", \"0\", \"someone\"\n",
        "\"2026-03-01 10:00:00\", \"1003\", \"None\", \"domain\", \"botnet_cc\", ",
        "\"win.example\", \"None\", \"ExampleRAT\", \"None\", \"50\", \"None\", ",
        "\"None\", \"0\", \"someone\"\n",
    );

    #[test]
    fn reads_the_export_without_stray_quotes_or_spaces() {
        assert!(looks_like(SAMPLE));
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        read("tf.csv", SAMPLE, &mut Intake::new(&mut b, &options)).unwrap();
        let (d, records) = b.finish();
        let values: Vec<String> = d.indicators.iter().map(|i| i.value.to_string()).collect();
        assert_eq!(
            values,
            ["198.51.100.80:8080", "https://files.example.org/a,b.zip"]
        );
        let first = &d.indicators[0];
        assert_eq!(&*first.original, "198.51.100.80:8080");
        assert_eq!(first.source, Source::line("tf.csv", 6));
        assert_eq!(crate::tag_texts(&first.meta), ["c2", "rat"]);
        assert_eq!(first.meta.confidence, Some(75));
        assert_eq!(first.meta.reference, None);
        assert_eq!(
            d.indicators[1].meta.reference.as_deref(),
            Some("https://example.org/r")
        );
        assert_eq!(records.len(), 3);
        assert_eq!(records[2].source, Source::line("tf.csv", 8));
        assert!(
            matches!(&records[2].state, RecordState::Rejected(r) if r.contains("no ioc_value"))
        );
    }

    /// The export quotes every column name of its header comment, the first one too:
    /// `# "first_seen_utc","ioc_id",...`. The whole-text reader kept the quote that follows the
    /// `# ` on the first name, so `first_seen_utc` was never found and no first-seen date was
    /// read.
    #[test]
    fn the_first_header_column_is_found_despite_its_quote() {
        let columns = header_columns(SAMPLE.lines().nth(4).unwrap());
        assert_eq!(columns[0], "first_seen_utc");
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        read("tf.csv", SAMPLE, &mut Intake::new(&mut b, &options)).unwrap();
        let (d, _) = b.finish();
        let dates: Vec<Option<&str>> = d
            .indicators
            .iter()
            .map(|i| i.meta.first_seen.as_deref())
            .collect();
        assert_eq!(dates, [Some("2026-03-01"), Some("2026-03-01")]);
    }

    fn fields(lines: &[&str]) -> Vec<String> {
        let mut record = Record::default();
        for line in lines {
            record.split(line);
        }
        assert!(!record.open);
        record.iter().map(str::to_string).collect()
    }

    #[test]
    fn fields_split_on_separators_outside_quotes_only() {
        assert_eq!(fields(&["\"a\", \"b, c\",  d"]), ["a", "b, c", "d"]);
        assert_eq!(
            fields(&["\"say \"\"hi\"\"\", x\"y\""]),
            ["say \"hi\"", "x\"y\""]
        );
        assert_eq!(fields(&["\" a \",,\"\""]), ["a", "", ""]);
        assert_eq!(fields(&["\"two", "lines\", \"b\""]), ["two\nlines", "b"]);
    }

    #[test]
    fn a_record_starts_on_its_own_line_after_comments_blanks_and_long_fields() {
        let text = "# \"ioc_value\",\"ioc_type\"\n\n\"a.example.com\", \"domain\"\n\
                    # a comment\n\"multi\nline.example\", \"domain\"\n\"b.example.com\", \"domain\"\n";
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        read("t.csv", text, &mut Intake::new(&mut b, &options)).unwrap();
        let (_, records) = b.finish();
        let lines: Vec<Option<u32>> = records.iter().map(|r| r.source.line).collect();
        assert_eq!(lines, [Some(3), Some(5), Some(7)]);
        assert!(matches!(records[1].state, RecordState::Rejected(_)));
    }
}
