//! Every rule the backend writes passes pySigma's own linter (`sigma check`, offline) and the
//! Sigma rule JSON schema: the fixtures and every shared report, with exclusions suggested and
//! applied, each rule in the file `--emit rule` names for it (which pySigma's file name checks
//! see), and once more with a detection file's level, ATT&CK tags and log source. A write-up
//! big enough to split every hunt into parts is among the inputs.
//!
//! The checker is `tools/sigma-check`; `tools/sigma-check/check.sh --setup` (which
//! `cargo xtask setup` runs) installs it. A missing install fails the test rather than skipping
//! it, so a green run always means the rules were checked.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ioc_backend_sigma::Sigma;
use ioc_core::{
    Backend, Detection, EmitOptions, ExclusionMode, ExclusionState, Expr, Output, Query,
};
use ioc_read::DetectionFile;

/// A detection file that overrides what the backend decides for itself.
const DETECTION_FILE: &str = "level = \"critical\"\n\
    tags = [\"attack.initial-access\", \"attack.t1566.002\", \"tlp.amber\"]\n\
    [sigma.logsources.network_connection]\nproduct = \"linux\"\n\
    [sigma.logsources.proxy]\nproduct = \"zeek\"\nservice = \"http\"\n";

fn checker() -> PathBuf {
    let dir = common::root().join("tools/sigma-check");
    assert!(
        dir.join(".venv/bin/sigma").is_file(),
        "the Sigma checker is not installed: run `cargo xtask setup` or `{}/check.sh --setup` \
         (it needs Python 3 and the package registry once; checking then runs offline)",
        dir.display()
    );
    dir.join("check.sh")
}

/// Values that a YAML 1.1 reader (PyYAML, as in pySigma) would read as booleans, numbers, dates
/// or syntax if they were written bare. The schema check reads them back with PyYAML.
fn yaml_1_1_writeup() -> String {
    let names = [
        "yes",
        "on",
        "0x1F",
        "#hash",
        "a: b.exe",
        "1234567890",
        "*lead.exe",
        "2026-05-10",
        "~",
    ];
    let rows: Vec<String> = names
        .iter()
        .map(|n| format!("filename | {n} | payload | 2026-05-02 | 90%"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    common::writeup(
        "no",
        &rows,
        "Scenario: yes\nFilter/Exclusion: process.command_line contains \"on: off\"\n",
    )
}

/// Enough indicators of every kind that each hunt splits into parts (200 of each: more than
/// `MAX_VALUES_PER_LIST` in every rule's list), so the part names, titles and ids are checked.
fn split_writeup() -> String {
    let rows: Vec<String> = (0..1400_u32)
        .map(|i| {
            let n = i / 7;
            let (kind, value) = match i % 7 {
                0 => ("ip:port", format!("203.0.113.{}:{}", n % 256, 2000 + n)),
                1 => ("domain", format!("node{n}.split-check.example")),
                2 => ("url", format!("https://cdn{n}.example.net/get?id={n}")),
                3 => ("md5_hash", format!("{:032x}", 0xfeed_0000 + n)),
                4 => ("ip", format!("198.51.100.{n}")),
                5 => ("filename", format!("update{n}.exe")),
                _ => ("cidr", format!("198.18.{n}.0/24")),
            };
            format!("{kind} | {value} | botnet_cc | 2026-05-02 | 75%")
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    common::writeup("Split Check", &rows, "")
}

/// The rule id written in a rule's text.
fn rule_id(text: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix("id: '"))
        .and_then(|rest| rest.strip_suffix('\''))
        .expect("every rule has an id")
        .to_string()
}

fn dir_name(input: &str, mode: &str) -> String {
    let safe: String = input
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{safe}-{mode}")
}

/// Writes each input's rules under `out`, one directory per input and exclusion mode, and
/// returns the directories and the ids of rules whose escaped wildcards are confirmed.
fn write_rules(out: &Path, inputs: &[(String, String)]) -> (Vec<PathBuf>, BTreeSet<String>) {
    let mut dirs = Vec::new();
    let mut confirmed = BTreeSet::new();
    let file = DetectionFile::parse("rules.toml", DETECTION_FILE).unwrap();
    let mut overridden = false;
    for (name, text) in inputs {
        let mut detection = match common::detection(name, text) {
            Ok(detection) => detection,
            Err(err) => {
                eprintln!("NOTE: {name} is not read, so not checked: {err}");
                continue;
            }
        };
        let mut previous: Option<Vec<String>> = None;
        let mut runs = vec![
            (ExclusionMode::Comment, "comment"),
            (ExclusionMode::Apply, "apply"),
        ];
        if !overridden {
            // The first input read once more, with the detection file's overrides.
            runs.push((ExclusionMode::Apply, "detection-file"));
            overridden = true;
        }
        for (mode, mode_name) in runs {
            let mut settings = std::collections::BTreeMap::new();
            if mode_name == "detection-file" {
                file.apply(&mut detection);
                settings = file.settings("sigma");
            }
            let options = EmitOptions {
                exclusions: mode,
                output: Output::Rules,
                settings,
                ..EmitOptions::default()
            };
            let emission = Sigma.emit(&detection, &options).expect("the backend emits");
            let texts: Vec<String> = emission.queries.iter().map(|q| q.text.clone()).collect();
            if previous.as_ref() == Some(&texts) {
                // Without structured exclusions both modes write the same rules.
                continue;
            }
            previous = Some(texts);
            let dir = out.join(dir_name(name, mode_name));
            fs::create_dir_all(&dir).unwrap();
            assert_eq!(emission.rules.len(), emission.queries.len(), "{name}");
            for (query, rule) in emission.queries.iter().zip(&emission.rules) {
                let path = dir.join(&rule.name);
                assert!(!path.exists(), "{name}: two rules are named {}", rule.name);
                assert_eq!(rule.content, format!("{}\n", query.text));
                if mode_name == "detection-file" {
                    assert!(
                        rule.content.contains("level: 'critical'"),
                        "{}",
                        rule.content
                    );
                    assert!(
                        rule.content.contains("- 'attack.t1566.002'"),
                        "{}",
                        rule.content
                    );
                    if query.target == "network_connection" {
                        assert!(
                            rule.content.contains("product: 'linux'"),
                            "{}",
                            rule.content
                        );
                    }
                }
                fs::write(&path, &rule.content).unwrap();
                // pySigma asks for escaped wildcards to be confirmed as intended. They are
                // when the character stands in a value the rule lists, an indicator or an
                // applied exclusion's: the backend escaped it so that it matches only itself.
                let listed = query
                    .indicators
                    .iter()
                    .map(|&i| detection.indicators[i].value.to_string())
                    .chain(applied_values(&detection, query));
                if listed.into_iter().any(|v| v.contains(['*', '?'])) {
                    confirmed.insert(rule_id(&query.text));
                }
            }
            dirs.push(dir);
        }
    }
    (dirs, confirmed)
}

#[test]
fn every_rule_passes_sigma_check_and_the_schema() {
    let check = checker();
    let mut inputs = common::fixture_inputs();
    inputs.push(("yaml-1-1.md".to_string(), yaml_1_1_writeup()));
    inputs.push(("split.md".to_string(), split_writeup()));
    inputs.extend(common::shared_reports());
    assert!(!inputs.is_empty(), "no inputs to check");

    // One directory per process: other runs of this test may share the target directory.
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("sigma-check-{}", std::process::id()));
    let _ = fs::remove_dir_all(&out);
    let (dirs, confirmed) = write_rules(&out, &inputs);
    assert!(!dirs.is_empty(), "no rules were written");
    assert!(dirs
        .iter()
        .any(|d| d.to_string_lossy().ends_with("-detection-file")));
    let split = dirs
        .iter()
        .filter(|d| d.to_string_lossy().contains("split-md"))
        .flat_map(|d| fs::read_dir(d).unwrap())
        .filter(|f| {
            let name = f.as_ref().unwrap().file_name();
            name.to_string_lossy().contains("-part-")
        })
        .count();
    assert!(split > 7, "the split write-up made {split} part files");

    let mut command = Command::new("bash");
    command.arg(&check);
    for id in &confirmed {
        command.arg("--confirmed-escape").arg(id);
    }
    let output = command.args(&dirs).output().expect("bash runs check.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "sigma-check failed on the rules in {}:\n{stdout}\n{stderr}",
        out.display()
    );
    assert!(
        stdout.contains(&format!("schema: {} passed, 0 failed", count_rules(&dirs))),
        "the schema check did not see every rule:\n{stdout}"
    );
    // Kept on failure, for a look at the rules the messages name.
    let _ = fs::remove_dir_all(&out);
}

/// Every value of the exclusions a query applies.
fn applied_values(detection: &Detection, query: &Query) -> Vec<String> {
    let mut out = Vec::new();
    for used in &query.exclusions {
        if used.state != ExclusionState::Applied {
            continue;
        }
        let exclusion = detection.exclusions.iter().find(|e| e.id == used.id);
        if let Some(expr) = exclusion.and_then(|e| e.expr()) {
            collect_values(expr, &mut out);
        }
    }
    out
}

fn collect_values(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| collect_values(e, out)),
        Expr::Not(inner) => collect_values(inner, out),
        Expr::Cmp { values, .. } => out.extend(values.iter().cloned()),
    }
}

fn count_rules(dirs: &[PathBuf]) -> usize {
    dirs.iter().map(|d| fs::read_dir(d).unwrap().count()).sum()
}
