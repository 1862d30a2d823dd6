//! Output is deterministic: the same input gives byte-identical output, and shuffling the rows
//! of the IOC table gives the same queries and rules, because order comes from kind and value,
//! never arrival. Only the source locations in the summary may differ. Every linked backend is
//! checked on every fixture write-up and shared report.

mod common;

use ioc_core::{registered_backends, EmitOptions, ExclusionMode};

/// Reorders the rows of each pipe table (keeping headers and separators in place) with a fixed
/// permutation: reversed, then rotated by a third.
fn shuffle_rows(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let is_row = |l: &str| l.trim_start().starts_with('|') && !l.contains("---");
        if is_row(lines[i]) && i > 0 && lines[i - 1].contains("---") {
            let start = i;
            while i < lines.len() && is_row(lines[i]) {
                i += 1;
            }
            let mut rows: Vec<&str> = lines[start..i].to_vec();
            rows.reverse();
            let k = rows.len() / 3;
            rows.rotate_left(k);
            out.extend(rows);
        } else {
            out.push(lines[i]);
            i += 1;
        }
    }
    out.join("\n") + "\n"
}

fn inputs() -> Vec<(String, String)> {
    let mut all = common::fixture_writeups();
    all.extend(common::shared_reports());
    all
}

#[test]
fn the_shuffle_really_reorders() {
    let text = "| Type | Value |\n|---|---|\n| domain | a.example |\n| domain | b.example |\n| domain | c.example |\n";
    assert_ne!(shuffle_rows(text), text);
    assert_eq!(shuffle_rows(text).lines().count(), 5);
}

#[test]
fn runs_are_byte_identical_and_row_order_does_not_matter() {
    let backends = registered_backends();
    assert!(!backends.is_empty());
    let mut compared = 0;
    for (name, text) in inputs() {
        let shuffled = shuffle_rows(&text);
        for backend in &backends {
            for mode in [ExclusionMode::Comment, ExclusionMode::Apply] {
                let options = EmitOptions {
                    exclusions: mode,
                    ..EmitOptions::default()
                };
                let Ok(first) = common::emit(backend.name(), &name, &text, &options) else {
                    continue;
                };
                let second = common::emit(backend.name(), &name, &text, &options).unwrap();
                assert_eq!(
                    serde_json::to_string(&first).unwrap(),
                    serde_json::to_string(&second).unwrap(),
                    "{name}: two runs of {} differ",
                    backend.name()
                );
                let other = common::emit(backend.name(), &name, &shuffled, &options).unwrap();
                let queries = |s: &ioc_core::Summary| -> Vec<(String, String, String)> {
                    s.queries
                        .iter()
                        .map(|q| (q.name.clone(), q.target.clone(), q.text.clone()))
                        .collect()
                };
                assert_eq!(
                    queries(&first),
                    queries(&other),
                    "{name}: shuffled rows change the output of {}",
                    backend.name()
                );
                assert_eq!(first.counts, other.counts, "{name}: {}", backend.name());
                compared += 1;
            }
        }
    }
    assert!(compared >= 20, "only {compared} comparisons ran");
}
