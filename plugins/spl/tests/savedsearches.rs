//! The `savedsearches.conf` of `--emit rule`, read by Splunk's own conf-file parser
//! (`tools/splunk-conf-check`, `addonfactory-splunk-conf-parser-lib`): for every fixture and
//! shared report, under both profiles and both exclusion modes, the file parses, has one
//! stanza per search with the schedule and alert settings, and each stanza's `search` is the
//! search the backend emitted: the same text line for line once the continuation backslashes
//! Splunk drops are removed, and the same tokens as the query itself. A missing install of the
//! checker fails the test rather than skipping it.

mod lexer;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ioc_backend_spl::{conf_value, Spl};
use ioc_core::{
    Backend, Detection, DetectionBuilder, EmitOptions, ExclusionMode, Level, Lookback, Output,
};

type Parsed = BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(name: &str, text: &str) -> Option<Detection> {
    let mut builder = DetectionBuilder::new();
    ioc_read::read(name, text, None, &mut builder).ok()?;
    Some(builder.finish().0)
}

/// Every fixture input and shared report, as (name, detection).
fn detections() -> Vec<(String, Detection)> {
    let mut files: Vec<PathBuf> = Vec::new();
    for case in fs::read_dir(root().join("fixtures")).unwrap().flatten() {
        for entry in fs::read_dir(case.path()).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with("input") {
                files.push(entry.path());
            }
        }
    }
    let reports = root().join("../shared/reports");
    for entry in fs::read_dir(&reports).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|x| x == "md") {
            files.push(entry.path());
        }
    }
    files.sort();
    files
        .iter()
        .filter_map(|path| {
            let text = fs::read_to_string(path).ok()?;
            let name = path.file_name()?.to_string_lossy().to_string();
            read(&name, &text).map(|d| (path.display().to_string(), d))
        })
        .collect()
}

/// Runs the checker on the files; fails the test if it is missing or refuses one.
fn parse(files: &[PathBuf]) -> Parsed {
    let dir = root().join("tools/splunk-conf-check");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "the conf checker is not installed: run `cargo xtask setup` ({})",
        dir.join("setup.sh").display()
    );
    let output = Command::new(python)
        .arg(dir.join("check.py"))
        .args(files)
        .output()
        .expect("the checker runs");
    assert!(
        output.status.success(),
        "the parser refused a file: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The value Splunk reads: the parser keeps the backslash that continues a line, Splunk does
/// not.
fn as_splunk_reads(parsed: &str) -> String {
    parsed.replace("\\\n", "\n")
}

fn work_dir(name: &str) -> PathBuf {
    let dir = root().join("target").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_savedsearches_conf_parses_and_holds_the_emitted_searches() {
    let dir = work_dir("splunk-conf-check");
    let mut expected: Vec<(PathBuf, Vec<String>, String)> = Vec::new();
    for (n, (name, detection)) in detections().iter().enumerate() {
        for profile in ["cim", "raw"] {
            for mode in [ExclusionMode::Comment, ExclusionMode::Apply] {
                let options = EmitOptions {
                    profile: Some(profile.to_string()),
                    exclusions: mode,
                    output: Output::Rules,
                    lookback: "1d".parse().unwrap(),
                    schedule: Some(Lookback::HOUR),
                    ..EmitOptions::default()
                };
                let emission = Spl.emit(detection, &options).unwrap();
                let label = format!("{name} ({profile}, {mode:?})");
                if emission.queries.is_empty() {
                    assert!(emission.rules.is_empty(), "{label}");
                    continue;
                }
                let [file] = emission.rules.as_slice() else {
                    panic!("{label}: expected one savedsearches.conf");
                };
                assert_eq!(file.name, "savedsearches.conf");
                let path = dir.join(format!("{n}-{profile}-{mode:?}.conf"));
                fs::write(&path, &file.content).unwrap();
                let searches = emission.queries.iter().map(|q| q.text.clone()).collect();
                expected.push((path, searches, label));
            }
        }
    }
    assert!(expected.len() >= 40, "only {} files", expected.len());

    let files: Vec<PathBuf> = expected.iter().map(|(p, _, _)| p.clone()).collect();
    let parsed = parse(&files);
    let mut checked = 0;
    for (path, searches, label) in &expected {
        let stanzas = &parsed[&path.display().to_string()];
        assert_eq!(stanzas.len(), searches.len(), "{label}");
        for (search, (stanza, settings)) in
            searches.iter().zip(stanzas_in_file_order(path, stanzas))
        {
            let read = as_splunk_reads(&settings["search"]);
            assert_eq!(read, conf_value(search), "{label}: [{stanza}]");
            let tokens = |text: &str| lexer::lex(text).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(tokens(&read), tokens(search), "{label}: [{stanza}]");
            for (key, value) in [
                ("enableSched", "1"),
                ("cron_schedule", "0 * * * *"),
                ("dispatch.earliest_time", "-1d"),
                ("dispatch.latest_time", "now"),
                ("counttype", "number of events"),
                ("relation", "greater than"),
                ("quantity", "0"),
                ("alert.track", "1"),
                ("alert.severity", "4"),
                ("actions", ""),
            ] {
                assert_eq!(settings[key], value, "{label}: [{stanza}] {key}");
            }
            assert!(!settings["description"].is_empty(), "{label}");
            checked += 1;
        }
    }
    assert!(checked >= 100, "only {checked} stanzas checked");
}

/// The stanzas in the order the file lists them (the checker's JSON sorts them by name).
fn stanzas_in_file_order<'a>(
    path: &Path,
    stanzas: &'a BTreeMap<String, BTreeMap<String, String>>,
) -> Vec<(&'a String, &'a BTreeMap<String, String>)> {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix('[')?.strip_suffix(']'))
        .map(|name| {
            stanzas
                .get_key_value(name)
                .expect("a stanza the parser read")
        })
        .collect()
}

#[test]
fn hostile_titles_and_levels_survive_the_parser() {
    let text = "Malware Family: x\n\n| Type | Value |\n|---|---|\n| domain | evil.example |\n";
    let mut builder = DetectionBuilder::new();
    ioc_read::read("t.md", text, None, &mut builder).unwrap();
    let (mut detection, _) = builder.finish();
    detection.title = "[TLP:RED] a ; b # c".to_string();
    detection.description = Some("Runs hourly ; see the runbook".to_string());
    detection.level = Some(Level::Critical);
    let options = EmitOptions {
        output: Output::Rules,
        lookback: Lookback::HOUR,
        ..EmitOptions::default()
    };
    let emission = Spl.emit(&detection, &options).unwrap();
    let dir = work_dir("splunk-conf-check-hostile");
    let path = dir.join("savedsearches.conf");
    fs::write(&path, &emission.rules[0].content).unwrap();
    let parsed = parse(std::slice::from_ref(&path));
    let stanzas = &parsed[&path.display().to_string()];
    let (name, settings) = stanzas.iter().next().unwrap();
    assert!(name.starts_with("(TLP:RED) a ; b # c - "), "{name}");
    assert_eq!(
        as_splunk_reads(&settings["search"]),
        conf_value(&emission.queries[0].text)
    );
    assert!(as_splunk_reads(&settings["search"]).starts_with("\n```[TLP:RED] a ; b"));
    assert!(settings["description"].ends_with("see the runbook"));
    assert_eq!(settings["alert.severity"], "6");
}

#[test]
fn schedules_without_a_cron_are_refused() {
    let text = "Malware Family: x\n\n| Type | Value |\n|---|---|\n| domain | evil.example |\n";
    let detection = read("t.md", text).unwrap();
    let options = EmitOptions {
        output: Output::Rules,
        lookback: "1d".parse().unwrap(),
        schedule: Some("5h".parse().unwrap()),
        ..EmitOptions::default()
    };
    let err = Spl.emit(&detection, &options).unwrap_err().to_string();
    assert!(err.contains("no cron schedule"), "{err}");
}
