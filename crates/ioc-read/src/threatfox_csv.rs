//! The ThreatFox CSV export reader.
//!
//! The export opens with `#` comment lines, the last of which names the columns. Its rows quote
//! every field and separate them with `", "`, a comma and a space, which CSV does not allow
//! before a quote; null is written `None`. The space is taken out before the `csv` crate reads
//! the rows, so that quoted fields (tags hold commas) are split correctly and no value keeps a
//! stray quote or a leading space.

use csv::{ReaderBuilder, StringRecord, Trim};

use ioc_core::{Metadata, Source};

use crate::generic_csv::LineIndex;
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

/// Reads a ThreatFox CSV export.
pub(crate) fn read(name: &str, text: &str, intake: &mut Intake<'_>) -> Result<(), ReadError> {
    let columns = match header(text) {
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
    let value_at = index("ioc_value").ok_or_else(|| {
        ReadError::new(
            Source::line(name, 1),
            "the column header has no ioc_value column",
        )
    })?;
    let at = Columns {
        value: value_at,
        kind: index("ioc_type"),
        threat_type: index("threat_type"),
        malware: index("malware_printable").or_else(|| index("fk_malware")),
        first_seen: index("first_seen_utc").or_else(|| index("first_seen")),
        confidence: index("confidence_level"),
        reference: index("reference"),
        tags: index("tags"),
    };

    let normalized = close_gaps(text);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .comment(Some(b'#'))
        .flexible(true)
        .trim(Trim::All)
        .from_reader(normalized.as_bytes());
    let lines = LineIndex::new(&normalized, true);
    let mut record = StringRecord::new();
    let mut families = Families::default();
    loop {
        let fallback = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.line(record.position().map_or(fallback, |p| p.byte()));
                if let Some(family) = at.malware.and_then(|i| record.get(i)).and_then(non_null) {
                    families.note(family);
                }
                read_row(name, line, &record, &at, intake);
            }
            Err(e) => {
                let line = lines.line(e.position().map_or(fallback, |p| p.byte()));
                let found = Found {
                    source: Source::line(name, line),
                    raw: "",
                    declared: None,
                    meta: Metadata::default(),
                };
                intake.reject(found, format!("cannot read the row: {e}"));
            }
        }
    }
    families.name_detection(intake);
    Ok(())
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

fn read_row(name: &str, line: u32, record: &StringRecord, at: &Columns, intake: &mut Intake<'_>) {
    let field = |i: Option<usize>| i.and_then(|i| record.get(i)).and_then(non_null);
    let source = Source::line(name, line);
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
        threat_type: field(at.threat_type).map(str::to_string),
        first_seen: field(at.first_seen).and_then(parse_date),
        confidence: field(at.confidence).and_then(parse_confidence),
        tags: field(at.tags)
            .map(|t| {
                t.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        malware: field(at.malware).map(str::to_string),
        reference: field(at.reference).map(str::to_string),
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

/// The column names from the last comment line that names `ioc_value`.
fn header(text: &str) -> Option<Vec<String>> {
    let line = text
        .lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .filter(|l| l.contains("ioc_value"))
        .last()?;
    let body = line.trim_start().trim_start_matches('#');
    let body = close_gaps(body);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .trim(Trim::All)
        .from_reader(body.as_bytes());
    let record = reader.records().next()?.ok()?;
    Some(record.iter().map(|c| c.to_ascii_lowercase()).collect())
}

/// Removes the blanks that follow a field separator, outside quotes, so that `"a", "b"` reads
/// as two quoted fields. Quotes inside a quoted field are doubled, which toggles the state
/// twice and so leaves it right. Line breaks are kept, so line numbers still match the input.
fn close_gaps(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_quotes = false;
    let mut after_comma = false;
    for c in text.chars() {
        if after_comma && (c == ' ' || c == '\t') {
            continue;
        }
        after_comma = false;
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => after_comma = true,
            _ => {}
        }
        out.push(c);
    }
    out
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
        assert_eq!(first.original, "198.51.100.80:8080");
        assert_eq!(first.source, Source::line("tf.csv", 6));
        assert_eq!(first.meta.tags, ["c2", "rat"]);
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

    #[test]
    fn gaps_close_only_outside_quotes() {
        assert_eq!(close_gaps("\"a\", \"b, c\",  d"), "\"a\",\"b, c\",d");
    }
}
