//! What the user sees: queries on standard output, the account of the run on standard error.

use std::fmt::Write;

use ioc_core::text::single_line;
use ioc_core::{Backend, State, Summary};

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

/// The whole summary as pretty JSON, queries included.
pub fn json(summary: &Summary) -> String {
    let mut text = serde_json::to_string_pretty(summary).expect("the summary serialises");
    text.push('\n');
    text
}

/// Writes the whole summary as pretty JSON, queries included, and a line break: [`json`]
/// without building the text first.
pub fn write_json(out: &mut impl std::io::Write, summary: &Summary) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, summary).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
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
