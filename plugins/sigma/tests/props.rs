//! Property test: no text breaks out of a Sigma value or ends a YAML scalar early.
//!
//! Arbitrary Unicode strings go in as a URL path, a file name, exclusion values, and the text
//! of the title, family, source name and prose exclusion (see the shared `hostile` module).
//! Every rule is then read back three ways: by PyYAML (YAML 1.1, as pySigma and sigma-cli read
//! rules; all rules in one batch), by serde-saphyr, and by sigma-rust. The two YAML readers
//! must agree; the document must have the same keys, nesting and list lengths as the rule for
//! the twin text; no string may hold a line break; and every value must come back, after the
//! Sigma unescaping of wildcards and backslashes, exactly as it went in.

mod common;

#[path = "../../../crates/ioc-emit/tests/common/hostile.rs"]
mod hostile;

use std::io::Write;
use std::process::{Command, Stdio};

use ioc_backend_sigma::Sigma;
use ioc_core::text::is_line_break;
use ioc_core::{Backend, EmitOptions, ExclusionMode};
use serde_json::Value;

use hostile::Places;

/// Reads a Sigma string as the specification's "Escape Character" section describes: `\*`,
/// `\?` and `\\` are the characters themselves, another backslash stands for itself. `None`
/// when an unescaped wildcard is left, so the string is a pattern rather than a literal.
fn unescape(sigma: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = sigma.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => return None,
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    out.push(n);
                    chars.next();
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// Parses YAML documents with PyYAML from the Sigma checker's venv, in one process. Equal
/// documents are parsed once: the twins repeat.
fn pyyaml(documents: &[String]) -> Vec<Value> {
    let mut unique: Vec<&String> = documents.iter().collect();
    unique.sort();
    unique.dedup();
    let python = common::root().join("tools/sigma-check/.venv/bin/python");
    assert!(
        python.is_file(),
        "the Sigma checker is not installed: run `cargo xtask setup`"
    );
    let script = "import json, sys, yaml\n\
                  docs = json.load(sys.stdin)\n\
                  out = [yaml.load(d, Loader=yaml.CSafeLoader) for d in docs]\n\
                  json.dump(out, sys.stdout, default=str)\n";
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python runs");
    let payload = serde_json::to_vec(&unique).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&payload));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "PyYAML could not read the batch");
    let parsed: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(parsed.len(), unique.len());
    let by_text: std::collections::HashMap<&String, Value> =
        unique.into_iter().zip(parsed).collect();
    documents.iter().map(|d| by_text[d].clone()).collect()
}

/// The document with every string blanked: keys, nesting, numbers and list lengths remain.
fn shape(value: &Value) -> Value {
    match value {
        Value::String(_) => Value::String(String::new()),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (blank_key(k), shape(v))).collect())
        }
        other => other.clone(),
    }
}

/// Keys name fields and modifiers, which no value may change; only numbered names vary.
fn blank_key(key: &str) -> String {
    key.to_string()
}

fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

struct Rule {
    input: usize,
    twin: bool,
    text: String,
}

#[test]
fn sigma_values_and_metadata_hold_any_text() {
    let inputs = hostile::inputs();
    let mut rules = Vec::new();
    let mut places_of = Vec::new();
    let mut details = Vec::new();
    for mode in [ExclusionMode::Apply, ExclusionMode::Comment] {
        let options = EmitOptions {
            exclusions: mode,
            ..EmitOptions::default()
        };
        for (n, text) in inputs.iter().enumerate() {
            let places = Places::of(text);
            let detection = hostile::detection(&places);
            let twin = hostile::detection(&places.twin());
            let emission = Sigma.emit(&detection, &options).unwrap();
            let plain = Sigma.emit(&twin, &options).unwrap();
            assert_eq!(emission.queries.len(), plain.queries.len(), "{text:?}");
            for (query, twin_query) in emission.queries.iter().zip(&plain.queries) {
                rules.push(Rule {
                    input: n,
                    twin: false,
                    text: query.text.clone(),
                });
                rules.push(Rule {
                    input: n,
                    twin: true,
                    text: twin_query.text.clone(),
                });
            }
            if mode == ExclusionMode::Apply {
                details.push(hostile::expected_values(&detection, &places));
                places_of.push(places);
            }
        }
    }
    let texts: Vec<String> = rules.iter().map(|r| r.text.clone()).collect();
    let parsed = pyyaml(&texts);

    let mut found = vec![vec![false; 0]; inputs.len()];
    for (n, values) in details.iter().enumerate() {
        found[n] = vec![false; values.len()];
    }
    for (pair, docs) in rules.chunks(2).zip(parsed.chunks(2)) {
        let (rule, twin) = (&pair[0], &pair[1]);
        assert!(!rule.twin && twin.twin);
        let input = &inputs[rule.input];
        let doc = &docs[0];
        assert!(
            doc.is_object(),
            "input {input:?}: not a mapping\n{}",
            rule.text
        );

        let saphyr: Value = serde_saphyr::from_str(&rule.text)
            .unwrap_or_else(|e| panic!("input {input:?}: serde-saphyr: {e}\n{}", rule.text));
        assert_eq!(&saphyr, doc, "input {input:?}: the YAML readers disagree");
        sigma_rust::rule_from_yaml(&rule.text)
            .unwrap_or_else(|e| panic!("input {input:?}: sigma-rust: {e}\n{}", rule.text));

        assert_eq!(
            shape(doc),
            shape(&docs[1]),
            "input {input:?} changed the rule\n{}\n--- twin:\n{}",
            rule.text,
            twin.text
        );
        // Metadata is one line of text; detection values are the values, breaks included.
        let mut metadata = Vec::new();
        for (key, value) in doc.as_object().unwrap() {
            if key != "detection" {
                strings(value, &mut metadata);
            }
        }
        for s in &metadata {
            assert!(
                !s.chars().any(is_line_break),
                "input {input:?}: a string spans lines: {s:?}"
            );
        }

        let mut leaves = Vec::new();
        strings(&doc["detection"], &mut leaves);
        let read: Vec<String> = leaves.iter().filter_map(|l| unescape(l)).collect();
        for (value, seen) in details[rule.input].iter().zip(&mut found[rule.input]) {
            // `process.name = X` is written as `Image|endswith: '\X'`.
            if read
                .iter()
                .any(|r| r == value || *r == format!("\\{value}"))
            {
                *seen = true;
            }
        }
    }
    for (n, seen) in found.iter().enumerate() {
        for (value, ok) in details[n].iter().zip(seen) {
            assert!(
                ok,
                "input {:?}: {value:?} was not read back from any rule ({:?})",
                inputs[n], places_of[n]
            );
        }
    }
}
