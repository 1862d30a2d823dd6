//! `--warninglists DIR` and `--drop-warninglisted` as a user runs them: the same indicators are
//! flagged without the switch and skipped with it, each naming its list, and a folder that
//! holds no usable list stops the run with the place named.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn ioc_emit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ioc-emit"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

fn case() -> PathBuf {
    common::root().join("fixtures/warninglists")
}

/// The `--format json` summary of the fixture input checked against the fixture's lists, run
/// in the fixture's folder with relative names as the golden test runs it.
fn summary(extra: &[&str]) -> (Value, String) {
    let mut args = vec![
        "--backend",
        "kql",
        "--format",
        "json",
        "--warninglists",
        "warninglists",
    ];
    args.extend(extra);
    args.push("input.csv");
    let output = Command::new(env!("CARGO_BIN_EXE_ioc-emit"))
        .args(&args)
        .current_dir(case())
        .output()
        .expect("the binary runs");
    let err = stderr(&output);
    assert!(output.status.success(), "{args:?}: {err}");
    (serde_json::from_slice(&output.stdout).unwrap(), err)
}

/// The record at each line of the CSV, by line.
fn records_by_line(summary: &Value) -> BTreeMap<u64, &Value> {
    summary["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["source"]["line"].as_u64().unwrap(), r))
        .collect()
}

/// The line of each warning about a warninglist, with the warning.
fn warninglisted(summary: &Value) -> BTreeMap<u64, String> {
    summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .filter(|w| w.contains("MISP warninglist"))
        .map(|w| {
            let line = w
                .strip_prefix("input.csv:")
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("a warning without its line: {w}"));
            (line, w.to_string())
        })
        .collect()
}

#[test]
fn listed_indicators_are_kept_and_flagged_with_the_list() {
    let (summary, err) = summary(&[]);

    let flagged = warninglisted(&summary);
    assert_eq!(
        flagged.keys().copied().collect::<Vec<_>>(),
        [2, 4, 5, 6, 8, 9, 11, 12, 14],
        "{flagged:#?}"
    );
    assert_eq!(
        flagged[&2],
        "input.csv:2: 8.8.8.8 (ipv4) is on MISP warninglist \"Public DNS resolvers (test list)\" \
         (public-resolvers, entry 8.8.8.8); kept (--drop-warninglisted leaves such indicators \
         out)"
    );
    assert!(flagged[&8].contains("(example-cdn-names, entry edge-cdn.example)"));

    // Flagged is still hunted.
    assert_eq!(summary["counts"]["skipped"], 0);
    let records = records_by_line(&summary);
    assert_eq!(records[&2]["state"], "emitted");
    let texts: String = summary["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["text"].as_str().unwrap())
        .collect();
    assert!(texts.contains("\"8.8.8.8\""), "{texts}");

    // The list's unusable entries are named on stderr, once, with the file.
    assert!(
        err.contains(
            "resolver-ranges/list.json: warninglist \"Resolver address ranges (test list)\": \
             left out of the matching: list[2] \"see the vendor page\" is not an IP address or CIDR range"
        ),
        "{err}"
    );
}

#[test]
fn drop_warninglisted_skips_exactly_what_was_flagged_and_says_why() {
    let (flagging, _) = summary(&[]);
    let (dropping, err) = summary(&["--drop-warninglisted", "-v"]);

    let flagged = warninglisted(&flagging);
    assert!(
        warninglisted(&dropping).is_empty(),
        "{:#?}",
        dropping["warnings"]
    );
    let records = records_by_line(&dropping);
    let skipped: Vec<u64> = records
        .iter()
        .filter(|(_, r)| r["state"] == "skipped")
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(skipped, flagged.keys().copied().collect::<Vec<_>>());
    assert_eq!(dropping["counts"]["skipped"], flagged.len());

    let reason = records[&2]["reason"].as_str().unwrap();
    assert_eq!(
        reason,
        "8.8.8.8 is on MISP warninglist \"Public DNS resolvers (test list)\" \
         (public-resolvers, entry 8.8.8.8) (--drop-warninglisted)"
    );
    assert!(
        err.contains(&format!("input.csv:2: skipped \"8.8.8.8\": {reason}")),
        "{err}"
    );

    // What is not on a list is hunted as before: the real C2 and the look-alike domain.
    for line in [15, 16, 10] {
        assert_eq!(records[&line]["state"], "emitted", "line {line}");
    }
}

/// A temporary folder for one test, emptied first.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ioc-emit-wl-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs with the fixture input and `--warninglists dir`, expecting `code`, `message` on stderr,
/// no panic and nothing on stdout.
fn assert_refused(dir: &std::path::Path, code: i32, message: &str) {
    let input = case().join("input.csv");
    let args = [
        "--backend",
        "kql",
        "--warninglists",
        dir.to_str().unwrap(),
        input.to_str().unwrap(),
    ];
    let output = ioc_emit(&args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(code), "{args:?}: {err}");
    assert!(err.contains(message), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
}

#[test]
fn a_folder_without_usable_lists_stops_the_run_with_the_place() {
    let dir = scratch("refused");

    let missing = dir.join("nowhere");
    assert_refused(
        &missing,
        1,
        &format!(
            "{}: cannot open the --warninglists folder",
            missing.display()
        ),
    );
    assert_refused(
        &case().join("input.csv"),
        1,
        "input.csv: --warninglists wants a folder, not a file",
    );
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_refused(&empty, 1, "empty: no MISP warninglist in it");

    // A list cut short names its file, line and column (serde_json places the end on the last
    // character); the exit code is that of input which is not what it should be.
    let broken = dir.join("lists/broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("list.json"),
        "{\"name\": \"cut\",\n  \"list\": [\"8.8.8.8\"",
    )
    .unwrap();
    assert_refused(
        &dir,
        2,
        &format!(
            "{}:2:20: not a MISP warninglist: the JSON ends early",
            broken.join("list.json").display()
        ),
    );
    std::fs::write(broken.join("list.json"), "[\"8.8.8.8\"]").unwrap();
    assert_refused(
        &dir,
        2,
        "list.json:1:1: not a MISP warninglist: expected a JSON object with name, type and list",
    );

    std::fs::remove_dir_all(&dir).unwrap();
}

/// A list that is there but cannot be looked at stops the run: left out, it would be a list
/// the user asked for that flags nothing, with no word said.
#[cfg(unix)]
#[test]
fn a_list_that_cannot_be_read_is_not_skipped() {
    let dir = scratch("unreadable");
    let good = dir.join("lists/good");
    std::fs::create_dir_all(&good).unwrap();
    std::fs::write(
        good.join("list.json"),
        r#"{"name": "good", "type": "hostname", "list": ["example.com"]}"#,
    )
    .unwrap();
    let dangling = dir.join("lists/dangling");
    std::fs::create_dir_all(&dangling).unwrap();
    std::os::unix::fs::symlink(dir.join("gone.json"), dangling.join("list.json")).unwrap();
    assert_refused(
        &dir,
        1,
        &format!(
            "{}: a link to nothing",
            dangling.join("list.json").display()
        ),
    );
    // A folder in the lists folder without a list.json is not a list, and is passed over.
    std::fs::remove_dir_all(&dangling).unwrap();
    std::fs::create_dir_all(dir.join("lists/tools")).unwrap();
    let input = case().join("input.csv");
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--warninglists",
        dir.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn drop_warninglisted_needs_lists() {
    let input = case().join("input.csv");
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--drop-warninglisted",
        input.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--warninglists <DIR>"));
}
