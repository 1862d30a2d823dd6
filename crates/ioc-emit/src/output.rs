//! What the user sees: queries on standard output, the account of the run on standard error.

use std::fmt::Write;
use std::io;

use ioc_core::text::single_line;
use ioc_core::{Backend, State, Summary};
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// The queries, separated by a blank line.
pub fn queries_text(summary: &Summary) -> String {
    let mut out = String::new();
    for (i, query) in summary.queries.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&query.text);
        out.push('\n');
    }
    out
}

/// The rule files, for a look before deploying with `--out-dir`. One file is printed as it is;
/// several are each introduced by a `---` line and a comment naming the file, which keeps a
/// stream of YAML rules (and of JSON templates, JSON being YAML) one valid YAML stream.
pub fn rules_text(summary: &Summary) -> String {
    if let [one] = summary.rules.as_slice() {
        return with_newline(&one.content);
    }
    let mut out = String::new();
    for rule in &summary.rules {
        // A document that opens with its own marker keeps it, after the comment.
        let body = rule.content.strip_prefix("---\n").unwrap_or(&rule.content);
        let _ = writeln!(out, "---\n# {}", ioc_core::text::single_line(&rule.name));
        out.push_str(&with_newline(body));
    }
    out
}

fn with_newline(text: &str) -> String {
    let mut text = text.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The whole summary as JSON, queries included, laid out as [`write_json`] does.
pub fn json(summary: &Summary) -> String {
    let mut out = Vec::new();
    write_json(&mut out, summary).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes the whole summary as JSON, queries included, and a line break.
///
/// The layout is serde_json's pretty one, except that each record sits on one line of its
/// own: a million records print as a million lines rather than sixteen million, a grep for a
/// value finds the whole record, and a diff of two runs shows one line per record that changed.
///
/// The records, most of a big run's bytes, are rendered on every core a window at a time and
/// written in order, so the output is the same as one thread's.
pub fn write_json(out: &mut impl std::io::Write, summary: &Summary) -> std::io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, RecordLines::default());
    InParallel(summary)
        .serialize(&mut serializer)
        .map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// The summary as its derived `Serialize` writes it, field for field, except that the records
/// are rendered in parallel. A test checks that the two agree, so a field added to [`Summary`]
/// and not here fails it.
struct InParallel<'s>(&'s Summary);

impl Serialize for InParallel<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let Summary {
            backend,
            profile,
            title,
            family,
            sources,
            counts,
            records,
            queries,
            exclusions,
            warnings,
            notes,
            artifacts,
            rules,
        } = self.0;
        let mut fields = serializer.serialize_struct("Summary", 13)?;
        fields.serialize_field("backend", backend)?;
        if profile.is_some() {
            fields.serialize_field("profile", profile)?;
        }
        fields.serialize_field("title", title)?;
        if family.is_some() {
            fields.serialize_field("family", family)?;
        }
        fields.serialize_field("sources", sources)?;
        fields.serialize_field("counts", counts)?;
        fields.serialize_field("records", &Records(records))?;
        fields.serialize_field("queries", queries)?;
        fields.serialize_field("exclusions", exclusions)?;
        fields.serialize_field("warnings", warnings)?;
        fields.serialize_field("notes", notes)?;
        if !artifacts.is_empty() {
            fields.serialize_field("artifacts", artifacts)?;
        }
        if !rules.is_empty() {
            fields.serialize_field("rules", rules)?;
        }
        fields.end()
    }
}

/// Records per window rendered at once: a few MB of text in flight.
const RECORD_WINDOW: usize = 1 << 14;

struct Records<'s>(&'s [ioc_core::summary::RecordReport]);

impl Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use rayon::prelude::*;
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for window in self.0.chunks(RECORD_WINDOW) {
            // Each record compactly, as RecordLines lays out a record; written raw below.
            let rendered = window
                .par_iter()
                .map(serde_json::value::to_raw_value)
                .collect::<Result<Vec<_>, _>>()
                .map_err(S::Error::custom)?;
            for record in &rendered {
                seq.serialize_element(record)?;
            }
        }
        seq.end()
    }
}

/// serde_json's pretty layout, with the elements of the top-level `records` array each written
/// compactly on one line.
#[derive(Default)]
struct RecordLines {
    pretty: PrettyFormatter<'static>,
    /// Arrays and objects open around the value being written; the summary itself is 1.
    depth: usize,
    /// The key of the top-level field being written, while it is written and after.
    key: Vec<u8>,
    in_key: bool,
    /// Whether the top-level field being written is the `records` array.
    in_records: bool,
}

impl RecordLines {
    /// Whether the bracket or separator about to be written belongs inside a record.
    fn flat(&self) -> bool {
        self.in_records && self.depth >= 3
    }
}

impl Formatter for RecordLines {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.depth == 1 {
            self.in_records = self.key == b"records";
        }
        self.depth += 1;
        if self.flat() {
            CompactFormatter.begin_array(w)
        } else {
            self.pretty.begin_array(w)
        }
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        let flat = self.flat();
        self.depth -= 1;
        if flat {
            CompactFormatter.end_array(w)
        } else {
            self.pretty.end_array(w)
        }
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if self.flat() {
            CompactFormatter.begin_array_value(w, first)
        } else {
            self.pretty.begin_array_value(w, first)
        }
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.flat() {
            CompactFormatter.end_array_value(w)
        } else {
            self.pretty.end_array_value(w)
        }
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        if self.flat() {
            CompactFormatter.begin_object(w)
        } else {
            self.pretty.begin_object(w)
        }
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        let flat = self.flat();
        self.depth -= 1;
        if flat {
            CompactFormatter.end_object(w)
        } else {
            self.pretty.end_object(w)
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if self.depth == 1 {
            // A new top-level field: whatever follows `records` is laid out as usual.
            self.in_records = false;
            self.key.clear();
            self.in_key = true;
        }
        if self.flat() {
            CompactFormatter.begin_object_key(w, first)
        } else {
            self.pretty.begin_object_key(w, first)
        }
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.in_key = false;
        if self.flat() {
            CompactFormatter.end_object_key(w)
        } else {
            self.pretty.end_object_key(w)
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.flat() {
            CompactFormatter.begin_object_value(w)
        } else {
            self.pretty.begin_object_value(w)
        }
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.flat() {
            CompactFormatter.end_object_value(w)
        } else {
            self.pretty.end_object_value(w)
        }
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if self.in_key {
            self.key.extend_from_slice(fragment.as_bytes());
        }
        w.write_all(fragment.as_bytes())
    }
}

/// Logs the account of the run: counts at info level, every row not emitted as a warning
/// (duplicates at info), and the notes.
pub fn report(summary: &Summary) {
    // Rejections are the reader's verdicts on the input and worth a look every time; skips and
    // unsupported kinds follow a stated policy, so they are detail, shown with -v.
    for record in &summary.records {
        let reason = record.reason.as_deref().unwrap_or("");
        let shown = single_line(&record.original);
        match record.state {
            State::Emitted => {}
            State::Duplicate => log::info!(
                "{}: {shown:?} duplicates {}",
                record.source,
                record
                    .duplicate_of
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            ),
            State::Rejected => log::warn!("{}: rejected {shown:?}: {reason}", record.source),
            State::Skipped => log::info!("{}: skipped {shown:?}: {reason}", record.source),
            State::Unsupported => log::info!("{}: unsupported {shown:?}: {reason}", record.source),
        }
    }
    const SHOWN: usize = 10;
    for (i, warning) in summary.warnings.iter().enumerate() {
        if i < SHOWN || log::log_enabled!(log::Level::Info) {
            log::warn!("{warning}");
        } else {
            log::warn!(
                "{} more warnings; -v shows them all",
                summary.warnings.len() - SHOWN
            );
            break;
        }
    }
    // The backend's notes say what to do with the output (upload this table, a mode it does
    // not have), and the counts are the account of the run: both are shown by default.
    for note in &summary.notes {
        log::warn!(target: NOTE, "{note}");
    }
    let counts: Vec<String> = summary
        .counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {}", state_name(*s)))
        .collect();
    let detail = summary.counts.iter().any(|(s, n)| {
        *n > 0 && matches!(s, State::Duplicate | State::Skipped | State::Unsupported)
    });
    let hint = if detail && !log::log_enabled!(log::Level::Info) {
        " (-v names each record)"
    } else {
        ""
    };
    let counted = |n: usize, one: &str, many: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    };
    log::warn!(
        target: NOTE,
        "{}: {}; {}{hint}",
        counted(summary.records.len(), "record", "records"),
        counts.join(", "),
        counted(summary.queries.len(), "query", "queries")
    );
}

/// The log target of messages shown by default that are not warnings: labelled "note".
pub const NOTE: &str = "ioc_emit::note";

fn state_name(state: State) -> &'static str {
    match state {
        State::Emitted => "emitted",
        State::Duplicate => "duplicate",
        State::Rejected => "rejected",
        State::Skipped => "skipped",
        State::Unsupported => "unsupported",
    }
}

/// One line per backend, sorted by name: name and version in aligned columns, then the
/// description, the kinds it hunts and the rules it writes under `--emit rule`. The golden test
/// of the list reads this format.
pub fn backend_list(backends: &[&'static dyn Backend]) -> String {
    let name_width = backends.iter().map(|b| b.name().len()).max().unwrap_or(0);
    let version_width = backends
        .iter()
        .map(|b| b.version().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for backend in backends {
        let kinds: Vec<&str> = backend.kinds().iter().map(|k| k.as_str()).collect();
        let _ = writeln!(
            out,
            "{:<name_width$}  {:<version_width$}  {}  (kinds: {}; rules: {})",
            backend.name(),
            backend.version(),
            backend.description(),
            kinds.join(", "),
            backend.rule_format().unwrap_or("none")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laid_out(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        let mut serializer =
            serde_json::Serializer::with_formatter(&mut out, RecordLines::default());
        value.serialize(&mut serializer).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The parallel writer writes what the derived `Serialize` of the summary says, field for
    /// field, with and without the optional fields, across more than one window of records.
    #[test]
    fn the_parallel_layout_says_what_the_derived_one_says() {
        let derived = |summary: &Summary| {
            let mut out = Vec::new();
            let mut serializer =
                serde_json::Serializer::with_formatter(&mut out, RecordLines::default());
            summary.serialize(&mut serializer).unwrap();
            out.push(b'\n');
            String::from_utf8(out).unwrap()
        };
        // Emitted, duplicate and rejected records, past one window.
        let mut text: String = (0..RECORD_WINDOW + 3)
            .map(|n| format!("h{n}.example.com\n"))
            .collect();
        text.push_str("h1.example.com\nhttp://[not a url\n");
        let backend = ioc_core::find_backend("kql").expect("kql is linked");
        let inputs = [("feed.txt".to_string(), text)];
        let options = ioc_core::EmitOptions::default();
        let mut summary = crate::pipeline::emit(&inputs, None, backend, &options)
            .unwrap()
            .summary;
        assert!(summary.records.len() > RECORD_WINDOW);
        assert_eq!(json(&summary), derived(&summary));
        summary.profile = None;
        summary.family = Some("fam \"x\"".into());
        summary.rules.push(ioc_core::Artifact {
            name: "r.yml".into(),
            content: "title: r\n".into(),
        });
        summary.artifacts.push(ioc_core::Artifact {
            name: "w.csv".into(),
            content: "a,b\n".into(),
        });
        assert_eq!(json(&summary), derived(&summary));
    }

    /// Records with nested and empty values are one line each; a field after `records` (keys
    /// sort, so `tail` follows it) is pretty again, nested objects too; no records is `[]`.
    #[test]
    fn records_are_one_line_each_and_the_rest_is_pretty() {
        let value = serde_json::json!({
            "records": [{"a": [], "b": {"c": [1, "x\ny"]}}, {}],
            "tail": {"d": [{"e": 1}]},
        });
        let text = laid_out(&value);
        assert_eq!(
            text,
            "{\n  \"records\": [\n    {\"a\":[],\"b\":{\"c\":[1,\"x\\ny\"]}},\n    {}\n  ],\n  \
             \"tail\": {\n    \"d\": [\n      {\n        \"e\": 1\n      }\n    ]\n  }\n}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
        let empty = serde_json::json!({"records": []});
        assert_eq!(laid_out(&empty), "{\n  \"records\": []\n}");
    }
}
