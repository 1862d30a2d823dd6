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

/// The whole summary as pretty JSON, queries included.
pub fn json(summary: &Summary) -> String {
    let mut text = serde_json::to_string_pretty(summary).expect("the summary serialises");
    text.push('\n');
    text
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
    for note in &summary.notes {
        log::info!("{note}");
    }
    let counts: Vec<String> = summary
        .counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {}", state_name(*s)))
        .collect();
    log::info!(
        "{} records: {}; {} queries",
        summary.records.len(),
        counts.join(", "),
        summary.queries.len()
    );
}

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
/// description and the kinds it hunts. The golden test of the list reads this format.
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
            "{:<name_width$}  {:<version_width$}  {}  (kinds: {})",
            backend.name(),
            backend.version(),
            backend.description(),
            kinds.join(", ")
        );
    }
    out
}
