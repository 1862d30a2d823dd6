//! The generic CSV reader: vendor IOC lists, MISP CSV exports, spreadsheets saved as CSV.
//!
//! The value column is found by its header name (`value`, `ioc`, `indicator`, ...) or, when no
//! header names one, by content: the column whose cells most often are indicators. A type
//! column (`type`, `entity_type`, `ioc_type`, ...) is optional; without one, each value's
//! shape tells its kind. Each data row is one record at `file:line`.
//!
//! Vendors type loosely. A value typed `url` that has no scheme is read as what it is, an
//! `ip:port` or a host name, with a warning saying so; no scheme is ever invented for it,
//! since `http://` would make the hunt miss the TLS or raw-socket traffic it was meant for.

use std::sync::Arc;

use csv::{ReaderBuilder, StringRecord, Trim};

use ioc_core::{IndicatorKind, IndicatorValue, KindHint, MetaField, Metadata, Source};

use crate::intake::{clean, Found, Intake};
use crate::types::{self, TypeMeaning};
use crate::{parse_confidence, parse_date, shape, ReadError};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Value,
    Type,
    ThreatType,
    FirstSeen,
    Confidence,
    Tags,
    Malware,
    Reference,
    /// MISP's flag for values meant for detection.
    ToIds,
    Other,
}

/// Header names, lower-cased with spaces and dashes as underscores, and their roles.
const HEADERS: &[(&str, Role)] = &[
    ("value", Role::Value),
    ("ioc", Role::Value),
    ("iocs", Role::Value),
    ("ioc_value", Role::Value),
    ("indicator", Role::Value),
    ("indicator_value", Role::Value),
    ("observable", Role::Value),
    ("observable_value", Role::Value),
    ("type", Role::Type),
    ("entity_type", Role::Type),
    ("ioc_type", Role::Type),
    ("indicator_type", Role::Type),
    ("observable_type", Role::Type),
    ("threat_type", Role::ThreatType),
    ("first_seen", Role::FirstSeen),
    ("first_seen_utc", Role::FirstSeen),
    ("date", Role::FirstSeen),
    ("created", Role::FirstSeen),
    ("confidence", Role::Confidence),
    ("confidence_level", Role::Confidence),
    ("tags", Role::Tags),
    ("labels", Role::Tags),
    ("malware", Role::Malware),
    ("malware_family", Role::Malware),
    ("family", Role::Malware),
    ("malware_printable", Role::Malware),
    ("reference", Role::Reference),
    ("references", Role::Reference),
    ("to_ids", Role::ToIds),
];

/// Vendor type names that the shared table does not know, and the shared name they mean.
/// `file` is absent: it means a hash or a file name, told apart by the value.
const TYPE_ALIASES: &[(&str, &str)] = &[
    ("filehash-md5", "md5"),
    ("filehash-sha1", "sha1"),
    ("filehash-sha256", "sha256"),
    ("file_hash", "hash"),
    ("filehash", "hash"),
    ("sha-1", "sha1"),
    ("sha-256", "sha256"),
    ("ipv4-addr", "ip"),
    ("ipv6-addr", "ip"),
    ("ip address", "ip"),
    ("domain-name", "domain"),
    ("domain name", "domain"),
    ("email-addr", "email"),
    ("e-mail", "email"),
];

fn role_of(name: &str) -> Role {
    let key: String = name
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    HEADERS
        .iter()
        .find(|(h, _)| *h == key)
        .map_or(Role::Other, |(_, role)| *role)
}

/// Whether the text is a CSV file with a recognisable header: at least two columns, one of
/// them a value column by name, and a data row after it.
pub(crate) fn looks_like(text: &str) -> bool {
    let mut lines = significant_lines(text);
    let (Some(header), Some(_)) = (lines.next(), lines.next()) else {
        return false;
    };
    let Some(names) = first_record(header, delimiter_of(header)) else {
        return false;
    };
    names.len() >= 2
        && names.iter().all(|n| n.len() <= 40 && !n.contains('<'))
        && names.iter().any(|n| role_of(n) == Role::Value)
}

fn significant_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.trim_start_matches('\u{feff}'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

/// Commas unless the header line has more semicolons or tabs.
fn delimiter_of(header: &str) -> u8 {
    let count = |c: char| header.matches(c).count();
    let (commas, semicolons, tabs) = (count(','), count(';'), count('\t'));
    if tabs > commas && tabs >= semicolons {
        b'\t'
    } else if semicolons > commas {
        b';'
    } else {
        b','
    }
}

fn first_record(line: &str, delimiter: u8) -> Option<Vec<String>> {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(Trim::All)
        .delimiter(delimiter)
        .from_reader(line.as_bytes());
    let record = reader.records().next()?.ok()?;
    Some(record.iter().map(str::to_string).collect())
}

/// Where each role sits in a row.
#[derive(Debug, Default)]
struct Layout {
    value: usize,
    roles: Vec<Role>,
}

impl Layout {
    fn find(&self, role: Role) -> Option<usize> {
        self.roles.iter().position(|r| *r == role)
    }
}

/// Reads a CSV file.
pub(crate) fn read(name: &str, text: &str, intake: &mut Intake<'_>) -> Result<(), ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = significant_lines(text).next().map_or(b',', delimiter_of);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(Trim::All)
        .comment(Some(b'#'))
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let lines = LineIndex::new(text, true);
    let mut rows: Vec<(u32, StringRecord)> = Vec::new();
    // The last line of each row: past its first when a quoted cell holds a line break.
    let mut ends: Vec<u32> = Vec::new();
    let mut record = StringRecord::new();
    loop {
        let fallback = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.line(record.position().map_or(fallback, |p| p.byte()));
                rows.push((line, record.clone()));
                ends.push(lines.last_line(reader.position().byte()).max(line));
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
    let Some((header_line, first)) = rows.first() else {
        return Ok(());
    };
    let (layout, has_header) = layout(first, &rows).ok_or_else(|| {
        ReadError::new(
            Source::line(name, *header_line),
            "no column holds indicator values; name it value, ioc or indicator",
        )
    })?;
    let skip = usize::from(has_header);
    // One copy of the name, shared by every row's source.
    let file: Arc<str> = Arc::from(name);
    let delimiter = char::from(delimiter);
    for ((line, row), end) in rows.iter().zip(ends).skip(skip) {
        // A quote left open takes the rows after it into one cell, up to the next quote or the
        // end of the file. A quoted cell may hold line breaks, but one whose later lines hold
        // the delimiter has most likely swallowed rows: name the lines it took.
        let swallowed = end > *line
            && row
                .iter()
                .any(|cell| cell.lines().skip(1).any(|l| l.contains(delimiter)));
        if swallowed {
            intake.warn(
                &Source::line(file.clone(), *line),
                format!(
                    "a quoted cell runs from line {line} to line {end} and holds what look like \
                     rows; is a quote not closed? Lines {} to {end} are read as part of it",
                    line + 1
                ),
            );
        }
        read_row(&file, *line, row, &layout, intake);
    }
    Ok(())
}

/// The layout from the header names, or from the content when no header names a value column.
fn layout(first: &StringRecord, rows: &[(u32, StringRecord)]) -> Option<(Layout, bool)> {
    let roles: Vec<Role> = first.iter().map(role_of).collect();
    if let Some(value) = roles.iter().position(|r| *r == Role::Value) {
        return Some((Layout { value, roles }, true));
    }
    let width = rows.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    let sample: Vec<&StringRecord> = rows.iter().take(50).map(|(_, r)| r).collect();
    let score = |column: usize| {
        sample
            .iter()
            .filter(|r| r.get(column).is_some_and(is_indicator))
            .count()
    };
    // The leftmost of the best columns: vendors put the value first far more often than last.
    let value = (0..width)
        .map(|c| (score(c), c))
        .filter(|(s, _)| *s > 0)
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))?
        .1;
    let has_header = !first.get(value).is_some_and(is_indicator);
    let roles = if has_header {
        roles
    } else {
        vec![Role::Other; width]
    };
    Some((Layout { value, roles }, has_header))
}

fn is_indicator(cell: &str) -> bool {
    let value = clean(cell);
    shape::infer(&value).is_some_and(|hint| IndicatorValue::parse(hint, &value).is_ok())
}

/// Line numbers for the `csv` crate's byte positions.
///
/// The crate reports where it began looking for a record, which is before any blank or
/// comment lines it then skipped; the record's own line is found by skipping them here too.
pub(crate) struct LineIndex<'t> {
    text: &'t str,
    comments: bool,
    /// Byte offsets of every line break.
    breaks: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str, comments: bool) -> Self {
        let breaks = text.match_indices('\n').map(|(i, _)| i).collect();
        LineIndex {
            text,
            comments,
            breaks,
        }
    }

    /// The 1-based line on which the record that ends just before `byte` ends (its line break
    /// not counted).
    pub fn last_line(&self, byte: u64) -> u32 {
        let end = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        let body = self
            .text
            .get(..end)
            .unwrap_or(self.text)
            .trim_end_matches(['\n', '\r']);
        let line = self.breaks.partition_point(|&b| b < body.len()) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    /// The 1-based line of the record whose search began at `byte`.
    pub fn line(&self, byte: u64) -> u32 {
        let mut at = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while let Some(rest) = self.text.get(at..) {
            let skip = rest.starts_with(['\n', '\r']) || (self.comments && rest.starts_with('#'));
            if !skip {
                break;
            }
            match rest.find('\n') {
                Some(end) => at += end + 1,
                None => break,
            }
        }
        let line = self.breaks.partition_point(|&b| b < at) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}

fn read_row(
    file: &Arc<str>,
    line: u32,
    row: &StringRecord,
    layout: &Layout,
    intake: &mut Intake<'_>,
) {
    let cell = |role: Role| {
        layout
            .find(role)
            .and_then(|i| row.get(i))
            .filter(|c| !c.is_empty())
    };
    let source = Source::line(file.clone(), line);
    let declared = cell(Role::Type);
    let Some(value) = row.get(layout.value).filter(|v| !v.is_empty()) else {
        let cells: Vec<&str> = row.iter().collect();
        let found = Found {
            source,
            raw: &cells.join(","),
            declared,
            meta: Metadata::default(),
        };
        return intake.reject(found, "the row has no value");
    };
    let meta = Metadata {
        threat_type: cell(Role::ThreatType).map(|t| intake.text(MetaField::ThreatType, t)),
        first_seen: cell(Role::FirstSeen)
            .and_then(parse_date)
            .map(|d| intake.text(MetaField::FirstSeen, d)),
        confidence: cell(Role::Confidence).and_then(parse_confidence),
        tags: cell(Role::Tags)
            .map(|t| intake.tags(t, &[',', ';']))
            .unwrap_or_default(),
        malware: cell(Role::Malware).map(|m| intake.text(MetaField::Malware, m)),
        reference: cell(Role::Reference).map(|r| intake.text(MetaField::Reference, r)),
    };
    let found = Found {
        source,
        raw: value,
        declared,
        meta,
    };
    if let Some(flag) = cell(Role::ToIds) {
        if matches!(flag.to_ascii_lowercase().as_str(), "0" | "false" | "no") {
            return intake.skip(found, "to_ids is false: not meant for detection");
        }
    }
    match declared {
        Some(declared) => read_declared(found, declared, intake),
        None => {
            let cleaned = clean(value);
            match shape::infer(&cleaned) {
                Some(hint) => intake.hinted(found, hint),
                None => intake.reject(
                    found,
                    format!("cannot tell what kind of indicator {cleaned:?} is; add a type column"),
                ),
            }
        }
    }
}

fn read_declared(found: Found<'_>, declared: &str, intake: &mut Intake<'_>) {
    let lower = declared.trim().to_ascii_lowercase();
    // A MISP CSV export keeps MISP's composite types (`ip-dst|port` with `203.0.113.5|443`).
    let composite = lower.contains('|') || lower == "malware-sample";
    if composite && crate::misp::read_composite(found.clone(), &lower, intake) {
        return;
    }
    if lower == "file" {
        let cleaned = clean(found.raw);
        let hint =
            if shape::is_hash_shaped(&cleaned) || cleaned.bytes().all(|b| b.is_ascii_hexdigit()) {
                KindHint::AnyHash
            } else {
                IndicatorKind::FileName.into()
            };
        return intake.hinted(found, hint);
    }
    let type_name = TYPE_ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map_or(lower.as_str(), |(_, name)| name);
    let is_url =
        types::meaning(type_name) == Some(TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Url)));
    if is_url {
        if let Some(hint) = schemeless_url(&found, declared, intake) {
            return intake.hinted(found, hint);
        }
    }
    intake.declared_as(found, type_name);
}

/// A value typed as a URL that has no scheme: an `ip:port` or a host name, read as such with a
/// warning. `None` when the value has a scheme or is neither, so the URL check speaks.
fn schemeless_url(found: &Found<'_>, declared: &str, intake: &mut Intake<'_>) -> Option<KindHint> {
    let cleaned = clean(found.raw);
    if cleaned.contains("://") {
        return None;
    }
    let (hint, what) = if shape::looks_like_ip_port(&cleaned) {
        (IndicatorKind::IpPort.into(), "an ip:port")
    } else if IndicatorValue::parse(IndicatorKind::Domain.into(), &cleaned).is_ok() {
        (IndicatorKind::Domain.into(), "a host name")
    } else {
        return None;
    };
    if IndicatorValue::parse(hint, &cleaned).is_err() {
        return None;
    }
    intake.warn(
        &found.source,
        format!(
            "{cleaned:?} is typed {declared:?} but has no scheme; read as {what}, \
             without guessing a scheme"
        ),
    );
    Some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReadOptions;
    use ioc_core::{DetectionBuilder, Record, RecordState};

    fn run(text: &str) -> (ioc_core::Detection, Vec<Record>) {
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        read("v.csv", text, &mut Intake::new(&mut b, &options)).unwrap();
        b.finish()
    }

    fn values(d: &ioc_core::Detection) -> Vec<String> {
        d.indicators.iter().map(|i| i.value.to_string()).collect()
    }

    /// A quote left open takes the rows after it into its cell: a warning names the lines it
    /// took, whichever cell it was, and the row is read as it stands (a value with a line break
    /// is rejected). A quoted line break with no row-like line after it is plain CSV.
    #[test]
    fn an_open_quote_is_named_with_the_lines_it_took() {
        let run_warned = |text: &str| {
            let (d, records) = run(text);
            (values(&d), records, d.warnings.clone())
        };
        let (values, records, warnings) = run_warned(
            "value,type,comment\r\n\
             1.2.3.4,ip,\"spans\r\ntwo lines\"\r\n\
             \"unterminated,domain\r\n\
             example.com,domain\r\n\
             \r\n\
             example.net,domain",
        );
        assert_eq!(values, ["1.2.3.4"]);
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].source.line, Some(4));
        assert!(matches!(records[1].state, RecordState::Rejected(_)));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("v.csv:4")
                && warnings[0].contains("from line 4 to line 7")
                && warnings[0].contains("Lines 5 to 7"),
            "{warnings:?}"
        );
        // Open in a later column: the value is read, and the lines taken are still named.
        let (values, _, warnings) =
            run_warned("value,type,comment\n5.6.7.8,ip,\"oops\n9.9.9.9,ip,x\n");
        assert_eq!(values, ["5.6.7.8"]);
        assert!(
            warnings[0].contains("from line 2 to line 3"),
            "{warnings:?}"
        );
    }

    /// A MISP CSV export's composite types are split as the MISP reader splits them.
    #[test]
    fn misp_composite_types_are_split() {
        let (d, records) = run("type,value\n\
             ip-dst|port,203.0.113.5|443\n\
             domain|ip,c2.example.net|198.51.100.4\n\
             filename|md5,drop.exe|0cc175b9c0f1b6a831c399e269772661\n\
             ip-src|port,not a pair\n\
             ip-dst|port,203.0.113[.]6|8443\n\
             malware-sample,s.exe|900150983cd24fb0d6963f7d28e17f72\n");
        assert_eq!(
            values(&d),
            [
                "198.51.100.4",
                "203.0.113.5:443",
                "203.0.113.6:8443",
                "c2.example.net",
                "0cc175b9c0f1b6a831c399e269772661",
                "900150983cd24fb0d6963f7d28e17f72",
                "drop.exe",
                "s.exe"
            ]
        );
        assert_eq!(records.len(), 9);
        assert!(
            matches!(&records[5].state, RecordState::Rejected(why) if why == "expected ip|port")
        );
    }

    #[test]
    fn vendor_quirks() {
        let text = "\u{feff}value,entity_type,description\n\
                    198.51.100.12:443,url,C2 written without a scheme\n\
                    wss://relay.example.net/ws ,url,socket with a trailing space\n\
                    www.example.net,url,a host typed as a URL\n\
                    \"203.0.113.40\",ipaddress,quoted\n\
                    example.org,hostname,\n\
                    5ff36f2bfed0594959b6274942585334,file,sample\n\
                    ,url,empty\n";
        assert!(looks_like(text));
        let (d, records) = run(text);
        assert_eq!(
            values(&d),
            [
                "203.0.113.40",
                "198.51.100.12:443",
                "example.org",
                "www.example.net",
                "wss://relay.example.net/ws",
                "5ff36f2bfed0594959b6274942585334",
            ]
        );
        assert_eq!(records.len(), 7);
        assert_eq!(records[0].source, Source::line("v.csv", 2));
        assert_eq!(records[0].declared_type.as_deref(), Some("url"));
        assert!(matches!(&records[6].state, RecordState::Rejected(r) if r.contains("no value")));
        let reread: Vec<&String> = d
            .warnings
            .iter()
            .filter(|w| w.contains("no scheme"))
            .collect();
        assert_eq!(reread.len(), 2, "{:?}", d.warnings);
        assert!(reread[0].starts_with("v.csv:2: \"198.51.100.12:443\" is typed \"url\""));
    }

    #[test]
    fn value_column_by_content_and_no_header() {
        let text = "203.0.113.9;seen twice\nc2.example.com;\n";
        let (d, records) = run(text);
        assert_eq!(records.len(), 2);
        assert_eq!(values(&d), ["203.0.113.9", "c2.example.com"]);

        let text = "when,what\n2026-01-01,https://example.org/a\n2026-01-02,not an ioc\n";
        let (d, records) = run(text);
        assert_eq!(values(&d), ["https://example.org/a"]);
        assert_eq!(records.len(), 2);
        assert!(matches!(&records[1].state, RecordState::Rejected(r) if r.contains("add a type")));
    }

    #[test]
    fn misp_csv_to_ids_and_metadata() {
        let text = "uuid,event_id,category,type,value,comment,to_ids,date\n\
                    u1,1,Network activity,ip-dst,192.0.2.55,c2,1,2026-02-03\n\
                    u2,1,Payload delivery,md5,8f08609e4e0b3d26814b3073a42df415,\
                    clean,0,2026-02-03\n";
        let (d, records) = run(text);
        assert_eq!(values(&d), ["192.0.2.55"]);
        assert_eq!(
            d.indicators[0].meta.first_seen.as_deref(),
            Some("2026-02-03")
        );
        assert!(matches!(&records[1].state, RecordState::Skipped(r) if r.contains("to_ids")));
    }

    #[test]
    fn no_value_column_is_an_error() {
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        let err = read("x.csv", "a,b\nc,d\n", &mut Intake::new(&mut b, &options)).unwrap_err();
        assert_eq!(err.location, Source::line("x.csv", 1));
    }
}
