//! The write-up reader: a report with a `Malware Family` line, an IOC table, and false-positive
//! scenarios with filter clauses.
//!
//! Two page layouts are read. The usual one has a Markdown pipe table. The other is the same
//! page copied from a browser, where the table lost its separators and each row runs its cells
//! together (`md5_hash5ff3...payload2026-06-2395%`); there the cells are split by their shapes,
//! working inwards from both ends so that only the value is free text.

use ioc_core::{parse_clause, DetectionBuilder, ExclusionKind, Metadata, Polarity, Source};
use std::sync::Arc;

use crate::intake::{clean, Found, Intake};
use crate::{accept_value_with, parse_confidence, parse_date, text, types, ReadError, ReadOptions};

/// Column roles, found by header name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Type,
    Value,
    ThreatType,
    FirstSeen,
    Confidence,
    Tags,
    Malware,
    Reference,
    Other,
}

/// Header names and their roles, lower-cased. Longest first where one is a prefix of another,
/// because run-together headers are split by matching these in order.
const HEADERS: &[(&str, Column)] = &[
    ("indicator type", Column::Type),
    ("threat type", Column::ThreatType),
    ("first seen", Column::FirstSeen),
    ("confidence", Column::Confidence),
    ("reference", Column::Reference),
    ("indicators", Column::Value),
    ("indicator", Column::Value),
    ("ioc type", Column::Type),
    ("malware", Column::Malware),
    ("value", Column::Value),
    ("tags", Column::Tags),
    ("type", Column::Type),
    ("iocs", Column::Value),
    ("ioc", Column::Value),
];

/// Value headers that make a table an IOC table without a Type column. `Value` alone does not:
/// a `| Setting | Value |` table holds configuration, not indicators.
const UNTYPED_VALUE_HEADERS: &[&str] = &["indicator", "indicators", "ioc", "iocs"];

/// ThreatFox's threat types, longest first so that `payload_delivery` wins over `payload`.
const THREAT_TYPES: &[&str] = &["payload_delivery", "cc_skimming", "botnet_cc", "payload"];

/// Labels of the lines that carry filter clauses, and how each is worded.
const FILTER_LABELS: &[(&str, Polarity)] = &[
    ("filter/exclusion:", Polarity::Exclude),
    ("filter / exclusion:", Polarity::Exclude),
    ("exclusion:", Polarity::Exclude),
    ("example filter:", Polarity::Keep),
];

/// Whether the text looks like a write-up.
pub fn looks_like(text: &str) -> bool {
    text.lines().take(400).any(|line| {
        line.contains("Malware Family:")
            || pipe_header(line).is_some_and(|columns| columns.contains(&Column::Type))
            || run_together_header(line.trim()).is_some()
    })
}

/// Reads a write-up into the builder.
pub fn read(
    name: &str,
    text: &str,
    options: &ReadOptions,
    builder: &mut DetectionBuilder,
) -> Result<(), ReadError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut rows_seen = 0usize;
    let mut stated_total: Option<(usize, u32)> = None;
    let mut scenario: Option<String> = None;
    let mut in_summary = false;
    let mut in_fence = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        let number = line_number(i);
        let starts_table =
            |l: &str| pipe_cells(l).is_some() && lines.get(i + 1).is_some_and(|n| is_separator(n));
        if is_fence(line) {
            in_fence = !in_fence;
            i += 1;
            continue;
        }
        // An IOC table is read; any other table's indicators are recorded as skipped. A code
        // block shows logs or samples: there only a typed IOC table is read, and the rest of
        // the block is passed over.
        if let Some(columns) = pipe_header(line).filter(|c| !in_fence || has_type_and_value(c)) {
            let (count, next) = read_pipe_rows(name, &lines, i + 1, &columns, options, builder);
            rows_seen += count;
            i = next;
            continue;
        }
        if starts_table(line) {
            let reason = if in_fence {
                IN_CODE_BLOCK
            } else {
                NOT_AN_IOC_TABLE
            };
            i = pass_over_table(name, &lines, i + 1, reason, options, builder);
            continue;
        }
        if in_fence {
            i += 1;
            continue;
        }
        if let Some(url) = source_comment(line) {
            builder.add_reference(url);
        } else if let Some(rest) = line.strip_prefix("Original source:") {
            builder.add_reference(rest.trim());
        } else if let Some(rest) = line.strip_prefix("Malware Family:") {
            let (family, total) = family_line(rest);
            builder.set_family(family);
            if let Some(total) = total {
                stated_total = Some((total, number));
            }
            in_summary = true;
        } else if let Some(columns) = run_together_header(line) {
            let (count, next) =
                read_run_together_rows(name, &lines, i + 1, &columns, options, builder);
            rows_seen += count;
            i = next;
            continue;
        } else if let Some(rest) = line.strip_prefix("Scenario:") {
            scenario = Some(rest.trim().to_string());
        } else if let Some((clause, polarity)) = filter_clause(line) {
            let kind = match parse_clause(clause, polarity) {
                Some(expr) => ExclusionKind::Structured { expr },
                None => ExclusionKind::Prose,
            };
            // A keep-filter reads backwards as an exclusion, so it keeps its label in the text.
            let text = if polarity == Polarity::Keep {
                line
            } else {
                clause
            };
            builder.add_exclusion(text, scenario.as_deref(), Source::line(name, number), kind);
        } else if !in_summary && is_description(line) {
            builder.set_description(line);
        } else if let Some(title) = title_line(line) {
            builder.set_title(title);
        }
        i += 1;
    }

    if rows_seen == 0 {
        return Err(ReadError::new(
            Source::line(name, 1),
            "no IOC table found: expected a table with a 'Value', 'IOC' or 'Indicator' column; \
             --from text reads every indicator in the text",
        ));
    }
    if let Some((total, line)) = stated_total {
        if total != rows_seen {
            builder.warn(
                &Source::line(name, line),
                format!("the write-up states {total} IOCs but its table has {rows_seen} rows"),
            );
        }
    }
    Ok(())
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

fn source_comment(line: &str) -> Option<&str> {
    let inner = line.strip_prefix("<!--")?.strip_suffix("-->")?.trim();
    let url = inner.strip_prefix("source:")?.trim();
    (!url.is_empty()).then_some(url)
}

/// Splits `DCRat Total IOCs: 3 IOC Types: ip:port` into the family and the stated total.
fn family_line(rest: &str) -> (&str, Option<usize>) {
    let (family, after) = match rest.find("Total IOCs:") {
        Some(at) => (&rest[..at], Some(&rest[at + "Total IOCs:".len()..])),
        None => (rest, None),
    };
    let total = after.and_then(|a| {
        let digits: String = a
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    });
    (family.trim(), total)
}

/// A prose line long enough to be the opening paragraph.
fn is_description(line: &str) -> bool {
    line.len() >= 80 && !line.starts_with(['|', '/', '<', '#']) && !line.contains("Malware Family:")
}

/// `ThreatFox: Formbook IOCs` on the browser-copied layout, or a Markdown heading.
fn title_line(line: &str) -> Option<&str> {
    if let Some(heading) = line.strip_prefix("# ") {
        return Some(heading.trim());
    }
    (line.starts_with("ThreatFox:") && line.ends_with("IOCs") && line.len() < 120).then_some(line)
}

fn filter_clause(line: &str) -> Option<(&str, Polarity)> {
    FILTER_LABELS.iter().find_map(|(label, polarity)| {
        let head = line.get(..label.len())?;
        head.eq_ignore_ascii_case(label)
            .then(|| (line[label.len()..].trim(), *polarity))
            .filter(|(clause, _)| !clause.is_empty())
    })
}

fn column_of(name: &str) -> Column {
    let lower = name.trim().to_ascii_lowercase();
    HEADERS
        .iter()
        .find(|(h, _)| *h == lower)
        .map_or(Column::Other, |(_, c)| *c)
}

fn pipe_cells(line: &str) -> Option<Vec<&str>> {
    let inner = line.strip_prefix('|')?;
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    Some(inner.split('|').map(str::trim).collect())
}

fn has_type_and_value(columns: &[Column]) -> bool {
    columns.contains(&Column::Type) && columns.contains(&Column::Value)
}

/// The columns of an IOC table's header: Type and Value columns, or a value column named as
/// indicators (`IOC`, `Indicator`) without a Type column.
fn pipe_header(line: &str) -> Option<Vec<Column>> {
    let cells = pipe_cells(line.trim())?;
    let columns: Vec<Column> = cells.iter().copied().map(column_of).collect();
    let untyped = || {
        cells
            .iter()
            .any(|c| UNTYPED_VALUE_HEADERS.contains(&c.trim().to_ascii_lowercase().as_str()))
    };
    (has_type_and_value(&columns) || untyped()).then_some(columns)
}

/// Whether a line opens or closes a fenced code block.
fn is_fence(line: &str) -> bool {
    line.starts_with("```") || line.starts_with("~~~")
}

fn is_separator(line: &str) -> bool {
    pipe_cells(line).is_some_and(|cells| {
        cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
    })
}

/// One table row, split into its cells, ready to become an indicator.
struct Row<'a> {
    /// The Type cell; `None` in a table with no Type column, where the value's shape tells.
    declared: Option<&'a str>,
    value: &'a str,
    meta: Metadata,
}

impl<'a> Row<'a> {
    fn from_cells(columns: &[Column], cells: &[&'a str]) -> Result<Row<'a>, String> {
        let mut row = Row {
            declared: None,
            value: "",
            meta: Metadata::default(),
        };
        for (column, cell) in columns.iter().zip(cells) {
            let cell = cell.trim();
            match column {
                Column::Type => row.declared = Some(cell),
                Column::Value => row.value = cell,
                Column::ThreatType => row.meta.threat_type = non_empty(cell),
                Column::FirstSeen => row.meta.first_seen = parse_date(cell).map(Arc::from),
                Column::Confidence => row.meta.confidence = parse_confidence(cell),
                Column::Tags => {
                    row.meta.tags = cell
                        .split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(Arc::from)
                        .collect()
                }
                Column::Malware => row.meta.malware = non_empty(cell),
                Column::Reference => row.meta.reference = non_empty(cell),
                Column::Other => {}
            }
        }
        if row.declared == Some("") {
            return Err("the row has no type".to_string());
        }
        if row.value.is_empty() {
            return Err("the row has no value".to_string());
        }
        Ok(row)
    }
}

fn non_empty(cell: &str) -> Option<Arc<str>> {
    (!cell.is_empty()).then(|| Arc::from(cell))
}

fn read_pipe_rows(
    name: &str,
    lines: &[&str],
    start: usize,
    columns: &[Column],
    options: &ReadOptions,
    builder: &mut DetectionBuilder,
) -> (usize, usize) {
    let mut i = start;
    let mut count = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if !line.starts_with('|') {
            break;
        }
        if is_separator(line) {
            i += 1;
            continue;
        }
        let source = Source::line(name, line_number(i));
        let cells = pipe_cells(line).unwrap_or_default();
        count += 1;
        if cells.len() != columns.len() {
            builder.reject(
                source,
                line,
                None,
                format!(
                    "the row has {} cells, the header has {}",
                    cells.len(),
                    columns.len()
                ),
            );
        } else {
            match Row::from_cells(columns, &cells) {
                Ok(Row {
                    declared: Some(declared),
                    value,
                    meta,
                }) => accept_value_with(builder, options, source, value, declared, meta),
                Ok(Row {
                    declared: None,
                    value,
                    meta,
                }) => accept_untyped(builder, options, source, value, meta),
                Err(reason) => builder.reject(source, line, None, reason),
            }
        }
        i += 1;
    }
    (count, i)
}

/// A value from a table with no Type column: read by the rules of free text, so that a name
/// such as `payload.zip` is not taken for a domain unless written defanged.
fn accept_untyped(
    builder: &mut DetectionBuilder,
    options: &ReadOptions,
    source: Source,
    raw: &str,
    meta: Metadata,
) {
    let mut intake = Intake::new(builder, options);
    if !text::read_cell(&source, raw, &meta, &mut intake) {
        let found = Found {
            source,
            raw,
            declared: None,
            meta,
        };
        let reason = format!(
            "cannot tell what kind of indicator {:?} is; add a Type column",
            clean(raw)
        );
        intake.reject(found, reason);
    }
}

/// Why the indicators of a table that is not an IOC table are skipped.
const NOT_AN_IOC_TABLE: &str = "in a table with no IOC or Indicator column (nor Type and \
                                Value), so not read as an indicator (--from text reads every \
                                indicator in the text)";
const IN_CODE_BLOCK: &str = "in a table inside a code block, so not read as an indicator \
                             (--from text reads every indicator in the text)";

/// Passes over a table that is not an IOC table (no Value, IOC or Indicator column), from its
/// separator line. What its cells mention that looks like an indicator is recorded as skipped
/// with the reason, so that it is seen, not lost. Returns the index of the line after it.
fn pass_over_table(
    name: &str,
    lines: &[&str],
    start: usize,
    reason: &str,
    options: &ReadOptions,
    builder: &mut DetectionBuilder,
) -> usize {
    let mut i = start;
    let mut intake = Intake::new(builder, options);
    while i < lines.len() {
        let line = lines[i].trim();
        if !line.starts_with('|') {
            break;
        }
        if !is_separator(line) {
            let source = Source::line(name, line_number(i));
            for raw in text::candidates(line) {
                intake.skip(
                    Found {
                        source: source.clone(),
                        raw,
                        declared: None,
                        meta: Metadata::default(),
                    },
                    reason,
                );
            }
        }
        i += 1;
    }
    i
}

/// Splits a header such as `TypeValueThreat TypeFirst SeenConfidence` into its columns.
fn run_together_header(line: &str) -> Option<Vec<Column>> {
    if line.contains('|') || line.len() > 120 {
        return None;
    }
    let lower = line.to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut columns = Vec::new();
    while !rest.is_empty() {
        let (header, column) = HEADERS.iter().find(|(h, _)| rest.starts_with(h))?;
        columns.push(*column);
        rest = rest[header.len()..].trim_start();
    }
    (columns.len() >= 2 && columns[0] == Column::Type && has_type_and_value(&columns))
        .then_some(columns)
}

fn read_run_together_rows(
    name: &str,
    lines: &[&str],
    start: usize,
    columns: &[Column],
    options: &ReadOptions,
    builder: &mut DetectionBuilder,
) -> (usize, usize) {
    let mut i = start;
    while i < lines.len() && lines[i].trim().is_empty() {
        i += 1;
    }
    let mut count = 0;
    while i < lines.len() && !lines[i].trim().is_empty() {
        let line = lines[i].trim();
        let source = Source::line(name, line_number(i));
        count += 1;
        match split_run_together(columns, line) {
            Ok(cells) => match Row::from_cells(columns, &cells) {
                Ok(row) => {
                    // The layout's first column is always the type.
                    let declared = row.declared.unwrap_or_default();
                    accept_value_with(builder, options, source, row.value, declared, row.meta)
                }
                Err(reason) => builder.reject(source, line, None, reason),
            },
            Err(reason) => builder.reject(source, line, None, reason),
        }
        i += 1;
    }
    (count, i)
}

/// Splits a run-together row into cells. Every column but the value has a shape (a known type
/// name, a known threat type, a date, a percentage); those are taken from the two ends, and
/// what is left in the middle is the value.
fn split_run_together<'a>(columns: &[Column], line: &'a str) -> Result<Vec<&'a str>, String> {
    let value_at = columns
        .iter()
        .position(|c| *c == Column::Value)
        .ok_or("no value column")?;
    let mut cells = vec![""; columns.len()];
    let mut rest = line;
    for (k, column) in columns[..value_at].iter().enumerate() {
        let len = shaped_prefix(*column, rest)
            .ok_or_else(|| format!("cannot find the {column:?} cell at the start of the row"))?;
        cells[k] = &rest[..len];
        rest = &rest[len..];
    }
    let suffix_columns: Vec<(usize, Column)> = columns
        .iter()
        .copied()
        .enumerate()
        .skip(value_at + 1)
        .collect();
    let rest = split_suffixes(&suffix_columns, rest, &mut cells)
        .ok_or("cannot split the cells after the value by their shapes")?;
    if rest.is_empty() {
        return Err("the row has no value between its other cells".to_string());
    }
    cells[value_at] = rest;
    Ok(cells)
}

fn shaped_prefix(column: Column, text: &str) -> Option<usize> {
    match column {
        Column::Type => types::names_longest_first()
            .into_iter()
            // `get` and not `[..]`: the row may start with a character wider than one byte.
            .find(|name| {
                text.get(..name.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(name))
            })
            .map(str::len),
        _ => None,
    }
}

/// Takes the shaped cells off the end of `text`, last column first, trying every length each
/// shape allows: `2026-06-2395%` is a date and `95%` only when the confidence takes two digits.
/// Returns what is left, the value.
fn split_suffixes<'a>(
    columns: &[(usize, Column)],
    text: &'a str,
    cells: &mut [&'a str],
) -> Option<&'a str> {
    let Some((&(k, column), earlier)) = columns.split_last() else {
        return Some(text);
    };
    for len in shaped_suffixes(column, text) {
        let (head, cell) = text.split_at(text.len() - len);
        if let Some(rest) = split_suffixes(earlier, head, cells) {
            cells[k] = cell;
            return Some(rest);
        }
    }
    None
}

/// The lengths of the suffixes of `text` that fit the column's shape, longest first.
fn shaped_suffixes(column: Column, text: &str) -> Vec<usize> {
    let fits = |n: usize| text.len() >= n && text.is_char_boundary(text.len() - n);
    match column {
        Column::Confidence => (2..=4)
            .rev()
            .filter(|&n| fits(n))
            .filter(|&n| {
                let cell = &text[text.len() - n..];
                cell.ends_with('%')
                    && cell[..n - 1].bytes().all(|b| b.is_ascii_digit())
                    && parse_confidence(cell).is_some()
            })
            .collect(),
        Column::FirstSeen => [23usize, 19, 10]
            .into_iter()
            .filter(|&n| {
                fits(n)
                    && parse_date(&text[text.len() - n..]).is_some()
                    && (n == 10 || text[text.len() - n + 10..].starts_with(' '))
            })
            .collect(),
        Column::ThreatType => THREAT_TYPES
            .iter()
            .filter(|t| text.ends_with(*t))
            .map(|t| t.len())
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ioc_core::RecordState;

    const PIPE: &str = "\
<!-- source: https://example.invalid/report -->
An opening paragraph that explains what the hunt looks for, long enough to count as one.
IOC Summary
Malware Family: Example RAT Total IOCs: 4 IOC Types: ip:port, domain
| Type | Value | Threat Type | First Seen | Confidence |
|---|---|---|---|---|
| ip:port | 198[.]51[.]100[.]7:8080 | botnet_cc | 2026-05-17 | 75% |
| domain | c2[.]example[.]net | botnet_cc | 2026-05-16 | 100% |
| domain | not a host | botnet_cc | 2026-05-16 | 100% |
| ip:port | 198.51.100.7:8080 | botnet_cc | 2026-05-15 | 50% |
Scenario: Backups
Filter/Exclusion: Filter by process.name = rsync and destination.port = 873.
Filter/Exclusion: process.name = rsync or similar tools
";

    /// Found by the `writeup` fuzz target: a run-together row that starts with a character
    /// wider than one byte was cut inside it when compared with the type names.
    #[test]
    fn a_row_starting_with_a_wide_character_is_rejected_not_a_panic() {
        let text = "Malware Family: Kite\nTypeValueThreat TypeFirst SeenConfidence\n\
                    \u{2190}url\nmd5_hash900150983cd24fb0d6963f7d28e17f72payload2026-06-2395%\n";
        let mut b = DetectionBuilder::new();
        read("r.md", text, &ReadOptions::default(), &mut b).unwrap();
        let (d, _) = b.finish();
        assert_eq!(d.indicators.len(), 1);
    }

    #[test]
    fn reads_the_pipe_layout() {
        let mut b = DetectionBuilder::new();
        read("r.md", PIPE, &ReadOptions::default(), &mut b).unwrap();
        let (d, records) = b.finish();
        assert_eq!(d.family.as_deref(), Some("Example RAT"));
        assert_eq!(d.references, ["https://example.invalid/report"]);
        assert!(d.description.as_deref().unwrap().starts_with("An opening"));
        let values: Vec<String> = d.indicators.iter().map(|i| i.value.to_string()).collect();
        assert_eq!(values, ["198.51.100.7:8080", "c2.example.net"]);
        assert_eq!(
            d.indicators[0].meta.first_seen.as_deref(),
            Some("2026-05-15")
        );
        assert_eq!(d.indicators[0].source, Source::line("r.md", 7));
        assert!(matches!(records[2].state, RecordState::Rejected(_)));
        assert!(matches!(records[3].state, RecordState::Duplicate(0)));
        assert_eq!(d.exclusions.len(), 2);
        assert!(d.exclusions[0].expr().is_some());
        assert_eq!(d.exclusions[0].scenario.as_deref(), Some("Backups"));
        assert!(d.exclusions[1].expr().is_none());
        // The only warnings are the reader policy's notes on documentation-range addresses.
        assert!(
            d.warnings
                .iter()
                .all(|w| w.contains("reserved for documentation")),
            "{:?}",
            d.warnings
        );
    }

    #[test]
    fn reads_the_run_together_layout() {
        let text = "\
Malware Family: Formbook Total IOCs: 3 IOC Types: md5_hash, url

TypeValueThreat TypeFirst SeenConfidence
md5_hash5ff36f2bfed0594959b6274942585334payload2026-06-2395%
urlhxxps://a[.]example/payloadpayload_delivery2026-06-23 10:00:00100%
ip:port198.51.100.9:443botnet_cc2026-06-237%

More text.
";
        let mut b = DetectionBuilder::new();
        read("alt.md", text, &ReadOptions::default(), &mut b).unwrap();
        let (d, records) = b.finish();
        assert_eq!(records.len(), 3);
        let got: Vec<(String, Option<u8>)> = d
            .indicators
            .iter()
            .map(|i| (i.value.to_string(), i.meta.confidence))
            .collect();
        assert_eq!(
            got,
            [
                ("198.51.100.9:443".to_string(), Some(7)),
                ("https://a.example/payload".to_string(), Some(100)),
                ("5ff36f2bfed0594959b6274942585334".to_string(), Some(95)),
            ]
        );
        assert_eq!(
            d.indicators[1].meta.threat_type.as_deref(),
            Some("payload_delivery")
        );
    }

    #[test]
    fn a_table_with_fewer_rows_than_stated_warns() {
        let text = "Malware Family: X Total IOCs: 2 IOC Types: domain\n\
                    | Type | Value |\n|---|---|\n| domain | a.example |\n";
        let mut b = DetectionBuilder::new();
        read("w.md", text, &ReadOptions::default(), &mut b).unwrap();
        let (d, _) = b.finish();
        assert_eq!(
            d.warnings,
            ["w.md:1: the write-up states 2 IOCs but its table has 1 rows"]
        );
    }

    #[test]
    fn a_table_without_a_type_column_is_read_by_shape_and_others_are_recorded() {
        let text = "\
Malware Family: X

| Type | Value |
|---|---|
| domain | a.example |

| IOC | Description |
|---|---|
| b[.]example | C2 |
| 198.51.100[.]7 | C2 |
| just words | ? |

| Tool | Talks to |
|---|---|
| rclone | c[.]example |
";
        let mut b = DetectionBuilder::new();
        read("t.md", text, &ReadOptions::default(), &mut b).unwrap();
        let (d, records) = b.finish();
        let values: Vec<String> = d.indicators.iter().map(|i| i.value.to_string()).collect();
        assert_eq!(values, ["198.51.100.7", "a.example", "b.example"]);
        let states: Vec<(u32, &str)> = records
            .iter()
            .map(|r| {
                let state = match &r.state {
                    RecordState::Indicator(_) => "emitted",
                    RecordState::Duplicate(_) => "duplicate",
                    RecordState::Rejected(_) => "rejected",
                    RecordState::Skipped(reason) => {
                        assert!(reason.contains("no IOC or Indicator column"));
                        "skipped"
                    }
                };
                (r.source.line.unwrap(), state)
            })
            .collect();
        assert_eq!(
            states,
            [
                (5, "emitted"),
                (9, "emitted"),
                (10, "emitted"),
                (11, "rejected"),
                (15, "skipped")
            ]
        );
    }

    /// A configuration table's `Value` column is not an IOC column, a table in a code block is
    /// a sample, and a header spelled `IOC Type` is the type column; names such as `payload.zip`
    /// in an untyped table are not taken for domains.
    #[test]
    fn only_indicator_tables_are_read_and_code_blocks_are_samples() {
        let text = "\
Malware Family: X

| Type | Value |
|---|---|
| domain | c2.example.com |

| Setting | Value |
|---|---|
| Build version | 4.2.0.1 |
| Mutex | Global\\exrat |

```
| Indicator | Hits |
|---|---|
| 10.0.0.5 | 42 |
```

| IOC | IOC Type |
|---|---|
| 44d88612fea8a8f36de82e1278abb02f | MD5 hash |
| readme.mov | File name |

| Indicators |
|---|
| payload.zip |
| payload[.]zip |
";
        let mut b = DetectionBuilder::new();
        read("t.md", text, &ReadOptions::default(), &mut b).unwrap();
        let (d, records) = b.finish();
        let values: Vec<String> = d.indicators.iter().map(|i| i.value.to_string()).collect();
        assert_eq!(
            values,
            [
                "c2.example.com",
                "payload.zip",
                "44d88612fea8a8f36de82e1278abb02f",
                "readme.mov"
            ]
        );
        let kinds: Vec<String> = d.indicators.iter().map(|i| i.kind().to_string()).collect();
        assert_eq!(kinds, ["domain", "domain", "md5", "filename"]);
        let skipped: Vec<(u32, &str)> = records
            .iter()
            .filter_map(|r| match &r.state {
                RecordState::Skipped(reason) => Some((r.source.line.unwrap(), reason.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(skipped.len(), 3, "{skipped:?}");
        assert_eq!(skipped[0].0, 9);
        assert!(skipped[0].1.contains("no IOC or Indicator column"));
        assert_eq!(skipped[1].0, 15);
        assert!(skipped[1].1.contains("inside a code block"));
        // The bare name is skipped as a possible file name; the defanged one is the domain.
        assert_eq!(skipped[2].0, 25);
        assert!(skipped[2].1.contains("looks like a file or field name"));
    }

    #[test]
    fn no_table_is_an_error_with_a_location() {
        let mut b = DetectionBuilder::new();
        let err = read(
            "empty.md",
            "Malware Family: X\n",
            &ReadOptions::default(),
            &mut b,
        )
        .unwrap_err();
        assert_eq!(err.location, Source::line("empty.md", 1));
    }
}
