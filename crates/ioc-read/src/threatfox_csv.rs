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
use std::sync::{mpsc, Arc};

use ioc_core::{MetaField, Metadata, Source};

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
///
/// Two threads share the work: this one reads and splits the lines, a second one validates the
/// rows in the order they were read, so the output is the same as one thread's. Rows travel in
/// batches over a bounded channel, which keeps the memory in flight small whatever the input's
/// size, and the emptied batches come back with their records for reuse.
pub(crate) fn read_stream(
    name: &str,
    input: &mut dyn BufRead,
    intake: &mut Intake<'_>,
) -> Result<(), StreamError> {
    let mut rows = Rows::new(name);
    let (consumed, produced) = std::thread::scope(|scope| {
        let (send, batches) = mpsc::sync_channel::<Vec<Split>>(BATCHES_IN_FLIGHT);
        let (give_back, spare) = mpsc::channel::<Vec<Split>>();
        let (rows, intake) = (&mut rows, &mut *intake);
        let consumer = scope.spawn(move || {
            for mut batch in batches {
                for split in &mut batch {
                    rows.take(split, intake)?;
                }
                // The reader may have stopped; the batch is then simply dropped.
                let _ = give_back.send(batch);
            }
            Ok(())
        });
        let produced = split_lines(input, &send, &spare);
        drop(send);
        let consumed = consumer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (consumed, produced)
    });
    consumed?;
    // A row the validator refused came before the point where reading stopped, so its error
    // wins; the end of the input is checked only once all of it was read.
    produced.map_err(StreamError::Io)?;
    rows.finish(intake)
}

/// Rows per batch handed from the reading thread to the validating one.
const BATCH_ROWS: usize = 1024;
/// Batches read ahead of the validating thread.
const BATCHES_IN_FLIGHT: usize = 8;

/// A record as the reading thread split it, or the line of one it could not read.
enum Split {
    Row(u32, Record),
    NotUtf8(u32),
}

/// Reads and splits the records of `input` into batches for `send`, reusing the records of
/// batches that come back on `spare`. Stops early, without error, when the receiving side has
/// stopped.
fn split_lines(
    input: &mut dyn BufRead,
    send: &mpsc::SyncSender<Vec<Split>>,
    spare: &mpsc::Receiver<Vec<Split>>,
) -> Result<(), std::io::Error> {
    let mut lines = Lines::new(input);
    let mut pool: Vec<Record> = Vec::new();
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut in_header = true;
    loop {
        let mut record = pool.pop().unwrap_or_default();
        match lines.next_record(&mut record, in_header) {
            Ok(Some(start)) => {
                in_header &= record.comment.is_some();
                batch.push(Split::Row(start, record));
            }
            Ok(None) => break,
            Err(LineError::Io(e)) => {
                let _ = send.send(batch);
                return Err(e);
            }
            Err(LineError::Utf8(line)) => {
                pool.push(record);
                batch.push(Split::NotUtf8(line));
            }
        }
        if batch.len() == BATCH_ROWS {
            if send.send(batch).is_err() {
                return Ok(());
            }
            batch = match spare.try_recv() {
                Ok(mut used) => {
                    pool.extend(used.drain(..).filter_map(|split| match split {
                        Split::Row(_, record) => Some(record),
                        Split::NotUtf8(_) => None,
                    }));
                    used
                }
                Err(_) => Vec::with_capacity(BATCH_ROWS),
            };
        }
    }
    let _ = send.send(batch);
    Ok(())
}

/// The validating side of [`read_stream`]: the header, the columns it names, and the families
/// the rows name.
struct Rows<'n> {
    name: &'n str,
    /// One copy of the name, shared by every row's source.
    file: Arc<str>,
    header: Option<String>,
    at: Option<Columns>,
    families: Families,
    in_header: bool,
}

impl<'n> Rows<'n> {
    fn new(name: &'n str) -> Self {
        Rows {
            name,
            file: Arc::from(name),
            header: None,
            at: None,
            families: Families::default(),
            in_header: true,
        }
    }

    fn take(&mut self, split: &mut Split, intake: &mut Intake<'_>) -> Result<(), StreamError> {
        let (start, record) = match split {
            Split::Row(start, record) => (*start, record),
            Split::NotUtf8(line) => {
                let found = Found {
                    source: Source::line(self.file.clone(), *line),
                    raw: "",
                    declared: None,
                    meta: Metadata::default(),
                };
                intake.reject(found, "cannot read the row: it is not valid UTF-8");
                return Ok(());
            }
        };
        if let Some(comment) = record.comment.take() {
            if self.in_header && comment.contains("ioc_value") {
                self.header = Some(comment);
            }
            return Ok(());
        }
        self.in_header = false;
        let columns = match &self.at {
            Some(columns) => columns,
            None => self
                .at
                .insert(columns(self.name, self.header.as_deref(), intake)?),
        };
        if let Some(family) = columns
            .malware
            .and_then(|i| record.get(i))
            .and_then(non_null)
        {
            self.families.note(family);
        }
        read_row(&self.file, start, record, columns, intake);
        Ok(())
    }

    fn finish(self, intake: &mut Intake<'_>) -> Result<(), StreamError> {
        if self.at.is_none() {
            // No data row: the header is still checked, as for a file with rows.
            columns(self.name, self.header.as_deref(), intake)?;
        }
        self.families.name_detection(intake);
        Ok(())
    }
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
        threat_type: field(at.threat_type).map(|t| intake.text(MetaField::ThreatType, t)),
        first_seen: field(at.first_seen)
            .and_then(parse_date)
            .map(|d| intake.text(MetaField::FirstSeen, d)),
        confidence: field(at.confidence).and_then(parse_confidence),
        tags: field(at.tags)
            .map(|t| intake.tags(t, &[',']))
            .unwrap_or_default(),
        malware: field(at.malware).map(|m| intake.text(MetaField::Malware, m)),
        reference: field(at.reference).map(|r| intake.text(MetaField::Reference, r)),
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

    /// An export of several batches, with a row that is not UTF-8 and one that is not a domain:
    /// the validating thread sees every row once, in order, with its own line.
    #[test]
    fn rows_over_many_batches_keep_their_order_and_lines() {
        let rows = BATCH_ROWS * 3 + 17;
        let mut text = b"# \"ioc_value\",\"ioc_type\"\n".to_vec();
        for i in 0..rows {
            match i {
                1500 => text.extend_from_slice(b"\"\xff\xfe.example\", \"domain\"\n"),
                2500 => text.extend_from_slice(b"\"not a host\", \"domain\"\n"),
                _ => text.extend_from_slice(format!("\"h{i}.example\", \"domain\"\n").as_bytes()),
            }
        }
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        read_stream(
            "tf.csv",
            &mut text.as_slice(),
            &mut Intake::new(&mut b, &options),
        )
        .unwrap();
        let (_, records) = b.finish();
        assert_eq!(records.len(), rows);
        for (i, record) in records.iter().enumerate() {
            // The header is line 1.
            assert_eq!(record.source, Source::line("tf.csv", i as u32 + 2));
            match i {
                1500 => assert!(
                    matches!(&record.state, RecordState::Rejected(r) if r.contains("UTF-8")),
                    "{record:?}"
                ),
                2500 => assert!(matches!(&record.state, RecordState::Rejected(_))),
                _ => {
                    assert_eq!(&*record.original, format!("h{i}.example"));
                    assert!(matches!(record.state, RecordState::Indicator(_)));
                }
            }
        }
    }

    /// Gives its bytes, then fails.
    struct Failing(Vec<u8>);

    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk gone"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0.drain(..n);
            Ok(n)
        }
    }

    /// Reading fails part-way: the rows read before the failure are kept, and the failure is
    /// what the reader returns.
    #[test]
    fn a_read_error_part_way_stops_with_the_rows_before_it() {
        let mut text = String::from("# \"ioc_value\",\"ioc_type\"\n");
        for i in 0..3000 {
            text.push_str(&format!("\"h{i}.example\", \"domain\"\n"));
        }
        let mut input = std::io::BufReader::new(Failing(text.into_bytes()));
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        let err = read_stream("tf.csv", &mut input, &mut Intake::new(&mut b, &options));
        assert!(matches!(err, Err(StreamError::Io(e)) if e.to_string() == "disk gone"));
        let (_, records) = b.finish();
        assert_eq!(records.len(), 3000);
    }

    /// A header with no ioc_value column is refused at the first row, or at the end of a file
    /// with none. When reading fails before either, the failure is what the reader returns:
    /// the file's end was never seen, so nothing is said about it.
    #[test]
    fn a_read_error_before_any_row_is_not_taken_for_the_end() {
        let text = "# \"ioc_value_old\",\"ioc_type\"\n".as_bytes().to_vec();
        let mut input = std::io::BufReader::new(Failing(text));
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        let err = read_stream("tf.csv", &mut input, &mut Intake::new(&mut b, &options));
        assert!(
            matches!(&err, Err(StreamError::Io(e)) if e.to_string() == "disk gone"),
            "{err:?}"
        );
        let (d, records) = b.finish();
        assert!(records.is_empty());
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    }

    /// The validating thread refuses the file at its first row (no ioc_value column): the
    /// reading thread stops too, and the refusal is what the reader returns.
    #[test]
    fn a_refused_header_stops_both_threads() {
        // The comment names ioc_value, so it is the header, but no column is ioc_value.
        let mut text = String::from("# \"ioc_value_old\",\"ioc_type\"\n");
        for i in 0..(BATCH_ROWS * (BATCHES_IN_FLIGHT + 4)) {
            text.push_str(&format!("\"h{i}.example\", \"domain\"\n"));
        }
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        let err = read_stream(
            "tf.csv",
            &mut text.as_bytes(),
            &mut Intake::new(&mut b, &options),
        );
        assert!(
            matches!(&err, Err(StreamError::Read(e)) if e.to_string().contains("no ioc_value")),
            "{err:?}"
        );
        assert!(b.finish().1.is_empty());
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
