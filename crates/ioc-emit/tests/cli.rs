//! The `ioc-emit` binary as a user runs it: the backend list, exit codes, and the errors for
//! input it cannot read.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn ioc_emit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ioc-emit"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

fn fixture(case: &str) -> String {
    common::root()
        .join("fixtures")
        .join(case)
        .join("input.md")
        .to_string_lossy()
        .to_string()
}

#[test]
fn every_builtin_backend_is_linked() {
    let output = ioc_emit(&["--list-backends"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    // A backend crate that is not linked vanishes from this list without any other sign.
    for expected in ["esql", "kql", "sigma", "spl"] {
        assert!(
            names.contains(&expected),
            "backend {expected} is not linked: {names:?}"
        );
    }
    assert!(text.contains("(kinds: ipv4, ipv6, ip:port"), "{text}");
}

#[test]
fn the_json_summary_is_pretty_with_one_line_per_record() {
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--format",
        "json",
        &fixture("writeup-pipe"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Each record is one line, four spaces in, and parses alone as that record.
    let records = summary["records"].as_array().unwrap();
    let start = text
        .find("\n  \"records\": [\n")
        .expect("records at the top level")
        + 1;
    let lines: Vec<&str> = text[start..].lines().skip(1).take(records.len()).collect();
    for (line, record) in lines.iter().zip(records) {
        let body = line.strip_prefix("    ").expect("indented by four");
        assert!(!body.starts_with(' '), "{line}");
        let body = body.strip_suffix(',').unwrap_or(body);
        let parsed: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(&parsed, record);
    }
    assert_eq!(lines.len(), records.len());
    let after = text[start..].lines().nth(records.len() + 1).unwrap();
    assert_eq!(after, "  ],", "the records end on the line after the last");
    // Outside the records, the layout is the pretty one.
    assert!(
        text[..start].contains("\n  \"counts\": {\n    \""),
        "{text}"
    );
    assert!(
        text[start..].contains("\n  \"queries\": [\n    {\n      \"name\": "),
        "{text}"
    );
}

#[test]
fn emits_kql_for_a_report_and_accounts_in_json() {
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--format",
        "json",
        &fixture("writeup-pipe"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let records = summary["records"].as_array().unwrap();
    assert_eq!(records.len(), 14, "one record per table row");
    let counts = &summary["counts"];
    let total: u64 = ["emitted", "duplicate", "rejected", "skipped", "unsupported"]
        .iter()
        .map(|k| counts[k].as_u64().unwrap())
        .sum();
    assert_eq!(total, 14);
    assert_eq!(counts["rejected"], 2);
    assert_eq!(counts["duplicate"], 1);
    let first = &summary["queries"][0];
    for key in [
        "name",
        "backend",
        "target",
        "text",
        "indicators",
        "exclusions",
    ] {
        assert!(first.get(key).is_some(), "query has no {key}");
    }
}

#[test]
fn reads_standard_input_for_a_dash() {
    let text = std::fs::read(fixture("writeup-pipe")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ioc-emit"))
        .args(["--backend", "kql", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(out.contains("// Source: <stdin>"), "{out}");
}

#[test]
fn defender_profile_leaves_out_log_analytics_tables_and_says_so() {
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--profile",
        "defender",
        "--format",
        "json",
        &fixture("writeup-pipe"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let targets: Vec<&str> = summary["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["target"].as_str().unwrap())
        .collect();
    assert!(
        !targets.contains(&"CommonSecurityLog") && !targets.contains(&"DnsEvents"),
        "{targets:?}"
    );
    let notes = summary["notes"].to_string();
    assert!(notes.contains("CommonSecurityLog and DnsEvents"), "{notes}");
    for query in summary["queries"].as_array().unwrap() {
        let text = query["text"].as_str().unwrap();
        assert!(
            text.contains("Timestamp > ago(14d)") && !text.contains("TimeGenerated"),
            "{text}"
        );
    }
}

/// What the user should do with the output, and the account of the run, are shown without -v;
/// a mode the backend does not have is said, not silently ignored.
#[test]
fn notes_and_the_counts_are_shown_by_default() {
    let output = ioc_emit(&[
        "--backend",
        "esql",
        "--mode",
        "lookup",
        &fixture("writeup-pipe"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("ioc-emit: note: lookup mode is for the KQL and SPL backends only"),
        "{err}"
    );
    assert!(
        err.contains("ioc-emit: note: 14 records: 11 emitted, 1 duplicate, 2 rejected;"),
        "{err}"
    );
    let quiet = ioc_emit(&["--backend", "esql", "-q", &fixture("writeup-pipe")]);
    assert!(stderr(&quiet).is_empty(), "{}", stderr(&quiet));
}

/// A filter on a field no record carries leaves nothing out; the run says so, in the summary.
#[test]
fn a_filter_on_a_field_no_record_has_is_reported() {
    let dir = scratch("filters");
    let input = dir.join("feed.csv");
    std::fs::write(&input, "value,type\n198.51.100.61:443,ip:port\n").unwrap();
    let run = |extra: &[&str], file: &str| {
        let mut args = vec!["--backend", "kql", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(file);
        let output = ioc_emit(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        summary["warnings"].to_string()
    };
    let filters = ["--min-confidence", "50", "--since", "2026-05-01"];
    let warnings = run(&filters, input.to_str().unwrap());
    assert!(
        warnings.contains(
            "--min-confidence 50 left nothing out: no indicator read states a confidence"
        ),
        "{warnings}"
    );
    assert!(
        warnings.contains("--since 2026-05-01 left nothing out"),
        "{warnings}"
    );
    // The write-up states both for its rows: no such warning.
    let warnings = run(&filters, &fixture("writeup-pipe"));
    assert!(!warnings.contains("left nothing out"), "{warnings}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What PowerShell's `>` writes: UTF-16 with a byte-order mark is read as the same text; without
/// the mark it is refused as UTF-16, not as "binary", at the place of the first NUL.
#[test]
fn utf16_with_a_byte_order_mark_is_read_and_without_one_is_named() {
    let dir = scratch("utf16");
    let text = std::fs::read_to_string(fixture("writeup-pipe")).unwrap();
    let units = |big: bool| -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    };
    let queries = |path: &std::path::Path| {
        let output = ioc_emit(&["--backend", "kql", path.to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        output.stdout
    };
    let plain = dir.join("report.md");
    std::fs::write(&plain, &text).unwrap();
    let expected = queries(&plain);
    for (bom, big) in [(&[0xff, 0xfe][..], false), (&[0xfe, 0xff][..], true)] {
        std::fs::write(&plain, [bom, &units(big)].concat()).unwrap();
        assert_eq!(queries(&plain), expected, "big-endian: {big}");
    }
    std::fs::write(&plain, units(false)).unwrap();
    let output = ioc_emit(&["--backend", "kql", plain.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(
            "report.md:1:2: a NUL byte; this looks like UTF-16 text without a byte-order mark"
        ),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Applied exclusions filter a whole query; with several inputs, a write-up's exclusions also
/// filter the other inputs' indicators, and the run says so.
#[test]
fn applied_exclusions_shared_across_inputs_are_reported() {
    let warnings = |mode: &str, inputs: &[String]| {
        let mut args = vec!["--backend", "kql", "--format", "json", "--exclusions", mode];
        args.extend(inputs.iter().map(String::as_str));
        let output = ioc_emit(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        summary["warnings"].to_string()
    };
    let feed = fixture("threatfox-csv").replace("input.md", "input.csv");
    let two = [fixture("writeup-pipe"), feed];
    let shared = warnings("apply", &two);
    assert!(
        shared.contains("the exclusions from") && shared.contains("writeup-pipe/input.md"),
        "{shared}"
    );
    assert!(
        shared.contains("so they also filter hits on the indicators of"),
        "{shared}"
    );
    assert!(!warnings("comment", &two).contains("--exclusions apply"));
    assert!(!warnings("apply", &two[..1]).contains("--exclusions apply"));
}

#[test]
fn lookback_is_validated_and_used() {
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--lookback",
        "36h",
        &fixture("writeup-pipe"),
    ]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("ago(36h)"));
    let bad = ioc_emit(&[
        "--backend",
        "kql",
        "--lookback",
        "2 weeks",
        &fixture("writeup-pipe"),
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

#[test]
fn usage_errors_exit_2() {
    let unknown = ioc_emit(&["--backend", "nosuch", &fixture("writeup-pipe")]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("unknown backend \"nosuch\"; linked backends: "));
    let small = ioc_emit(&[
        "--backend",
        "kql",
        "--max-query-chars",
        "499",
        &fixture("writeup-pipe"),
    ]);
    assert_eq!(small.status.code(), Some(2));
    assert!(
        stderr(&small).contains("499 is too small: a part needs at least 500 characters"),
        "{}",
        stderr(&small)
    );
    let profile = ioc_emit(&[
        "--backend",
        "kql",
        "--profile",
        "splunk",
        &fixture("writeup-pipe"),
    ]);
    assert_eq!(profile.status.code(), Some(2));
    assert!(
        stderr(&profile).contains("sentinel, defender"),
        "{}",
        stderr(&profile)
    );
}

#[test]
fn unreadable_inputs_exit_1_and_name_the_place() {
    let dir = std::env::temp_dir().join(format!("ioc-emit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).to_string_lossy().to_string();
    std::fs::write(
        path("bad.md"),
        b"| Type | Value |\n|---|---|\n| domain | a\xffb |\n",
    )
    .unwrap();
    std::fs::write(path("empty.md"), b"").unwrap();
    std::fs::write(path("binary.bin"), [0x7f, b'E', b'L', b'F', 0, 0, 1]).unwrap();
    std::fs::write(path("prose.md"), "No table here, only words.\n").unwrap();
    let cases = [
        (path("missing.md"), "missing.md: cannot open"),
        (dir.to_string_lossy().to_string(), "is a directory"),
        (path("bad.md"), "bad.md:3:13: invalid UTF-8"),
        (path("empty.md"), "the file is empty"),
        (path("binary.bin"), "binary file"),
        (path("prose.md"), "prose.md:1: cannot tell the input format"),
    ];
    for (file, message) in cases {
        assert_refused(&["--backend", "kql", &file], message);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs with `args`, expecting exit code 1, `message` on stderr, no panic and no output.
fn assert_refused(args: &[&str], message: &str) {
    let output = ioc_emit(args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{args:?}: {err}");
    assert!(err.contains(message), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
}

/// A temporary folder for one test, emptied first.
fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ioc-emit-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn truncated_json_is_refused_at_its_line_and_column() {
    let dir = scratch("truncated");
    let whole =
        std::fs::read_to_string(common::root().join("fixtures/threatfox-json/input.json")).unwrap();
    // Cut inside the key on the third line; serde_json places the end at the last character.
    let cut: String = whole.lines().take(3).collect::<Vec<_>>().join("\n");
    let cut = &cut[..cut.len() - 4];
    let line = cut.lines().count();
    let column = cut.lines().last().unwrap().chars().count();
    let path = dir.join("feed.json");
    std::fs::write(&path, cut).unwrap();
    let path = path.to_str().unwrap();
    assert_refused(
        &["--backend", "kql", path],
        &format!("feed.json:{line}:{column}: not valid JSON: the JSON ends early"),
    );
    // Named as JSON with --from, it fails the same way.
    assert_refused(
        &["--backend", "kql", "--from", "threatfox-json", path],
        &format!("feed.json:{line}:{column}: not valid JSON: the JSON ends early"),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_wrong_from_says_what_the_input_looks_like() {
    let writeup = fixture("writeup-pipe");
    for format in ["threatfox-json", "misp", "stix", "threatfox-csv", "csv"] {
        assert_refused(
            &["--backend", "kql", "--from", format, &writeup],
            &format!("read as {format} because of --from, but the input looks like writeup"),
        );
    }
    let stix = common::root().join("fixtures/stix-bundle/input.json");
    assert_refused(
        &["--backend", "kql", "--from", "misp", stix.to_str().unwrap()],
        "input.json:1: expected a MISP event: an object with an Event member; read as misp \
         because of --from, but the input looks like stix",
    );
    let output = ioc_emit(&["--backend", "kql", "--from", "yaml", &writeup]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("unknown format \"yaml\"; choose one of writeup, "));
}

/// Single-line JSON exports are normal, so a 100 MB line is read, not refused. The line is
/// mostly one long string per entry, so that the test stays quick while the reader still walks
/// all of it; peak memory is measured by hand (README, "Bad input").
#[test]
fn a_100_mb_single_line_json_is_read_whole() {
    use std::io::Write;

    let dir = scratch("100mb");
    let path = dir.join("export.json");
    let count = 1000;
    let padding = "A".repeat(100 * 1024 * 1024 / count);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    write!(out, r#"{{"query_status": "ok", "data": ["#).unwrap();
    for i in 0..count {
        if i > 0 {
            out.write_all(b", ").unwrap();
        }
        write!(
            out,
            r#"{{"id": "{i}", "ioc": "host{i}.example.com", "ioc_type": "domain", "#
        )
        .unwrap();
        write!(out, r#""comment": "{padding}", "confidence_level": 75}}"#).unwrap();
    }
    out.write_all(b"]}").unwrap();
    out.into_inner().unwrap().sync_all().unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 100 * 1024 * 1024);

    let output = ioc_emit(&[
        "--backend",
        "spl",
        "--format",
        "json",
        path.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["counts"]["emitted"], count);
    assert_eq!(summary["records"].as_array().unwrap().len(), count);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn out_dir_writes_every_file_or_none() {
    let dir = std::env::temp_dir().join(format!("ioc-emit-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("queries");
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--out-dir",
        out.to_str().unwrap(),
        &fixture("writeup-pipe"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        output.stdout.is_empty(),
        "with --out-dir nothing goes to stdout"
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(names.contains(&"summary.json".to_string()), "{names:?}");
    assert!(
        names.contains(&"quietcrane-devicenetworkevents.kql".to_string()),
        "{names:?}"
    );
    let query = std::fs::read_to_string(out.join("quietcrane-dnsevents.kql")).unwrap();
    assert!(query.starts_with("// QuietCrane indicators") && query.ends_with("desc\n"));

    // A folder where a file must go: refused before anything is written.
    let blocked = dir.join("blocked");
    std::fs::create_dir_all(blocked.join("summary.json")).unwrap();
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--out-dir",
        blocked.to_str().unwrap(),
        &fixture("writeup-pipe"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let left: Vec<_> = std::fs::read_dir(&blocked).unwrap().collect();
    assert_eq!(left.len(), 1, "only the blocking folder remains");

    // An out-dir that is a file cannot be created.
    let file = dir.join("file");
    std::fs::write(&file, "x").unwrap();
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--out-dir",
        file.to_str().unwrap(),
        &fixture("writeup-pipe"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot create"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A second run into the same folder leaves only what it wrote itself, besides files ioc-emit
/// never wrote, which it names: a rule an earlier run wrote for indicators this run filtered
/// out must not stay behind to be deployed.
#[test]
fn out_dir_removes_what_an_earlier_run_wrote_and_this_one_did_not() {
    let dir = std::env::temp_dir().join(format!("ioc-emit-rerun-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |backend: &str, extra: &[&str]| {
        let mut args = vec!["--backend", backend, "--out-dir", dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        let input = fixture("writeup-pipe");
        args.push(&input);
        let output = ioc_emit(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        (names, stderr(&output))
    };
    let (all, _) = run("kql", &[]);
    assert!(
        all.contains(&"quietcrane-devicefileevents.kql".to_string()),
        "{all:?}"
    );
    std::fs::write(dir.join("notes.txt"), "the team's own file").unwrap();

    // The hashes fall below the bar: their queries go, and only theirs.
    let (fewer, err) = run("kql", &["--min-confidence", "100", "-v"]);
    assert!(
        !fewer.contains(&"quietcrane-devicefileevents.kql".to_string()),
        "{fewer:?}"
    );
    assert!(
        fewer.contains(&"quietcrane-dnsevents.kql".to_string()),
        "{fewer:?}"
    );
    assert!(fewer.contains(&"notes.txt".to_string()), "{fewer:?}");
    assert!(
        err.contains("quietcrane-devicefileevents.kql: removed"),
        "{err}"
    );
    assert!(
        err.contains("did not write, left in place: notes.txt"),
        "{err}"
    );

    // A file an earlier run wrote and the user changed since is not removed, but named.
    let edited = dir.join("quietcrane-dnsevents.kql");
    let mut text = std::fs::read_to_string(&edited).unwrap();
    text.push_str("// tuned by the team\n");
    std::fs::write(&edited, &text).unwrap();

    // Another backend's run replaces the KQL files with its own.
    let (spl, err) = run("spl", &[]);
    assert!(
        err.contains("quietcrane-dnsevents.kql: written by an earlier run, not by this one, and changed since: left in place"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), text);
    assert!(
        spl.iter()
            .all(|n| !n.ends_with(".kql") || n == "quietcrane-dnsevents.kql"),
        "{spl:?}"
    );
    assert!(spl.iter().any(|n| n.ends_with(".spl")), "{spl:?}");
    assert!(spl.contains(&"notes.txt".to_string()), "{spl:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn out_dir_writes_the_rule_files_of_each_backend() {
    let dir = std::env::temp_dir().join(format!("ioc-emit-rules-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let detection = common::root().join("fixtures/deploy-rules/detection.toml");
    for (backend, expected) in [
        ("kql", "harborfinch-devicenetworkevents.yaml"),
        ("spl", "savedsearches.conf"),
        ("sigma", "harborfinch-dns-query-for-reported-domain.yml"),
    ] {
        let out = dir.join(backend);
        let output = ioc_emit(&[
            "--backend",
            backend,
            "--emit",
            "rule",
            "--detection",
            detection.to_str().unwrap(),
            "--out-dir",
            out.to_str().unwrap(),
            &fixture("deploy-rules"),
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        let names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert!(
            names.contains(&expected.to_string()),
            "{backend}: {names:?}"
        );
        assert!(names.contains(&"summary.json".to_string()), "{names:?}");
        // Rule files replace the bare queries.
        assert!(
            !names
                .iter()
                .any(|n| n.ends_with(".kql") || n.ends_with(".spl")),
            "{names:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn init_writes_a_template_that_the_tool_reads_back() {
    let output = ioc_emit(&["init"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let template = String::from_utf8(output.stdout).unwrap();
    assert!(template.starts_with("# ioc-emit detection file"));

    let dir = std::env::temp_dir().join(format!("ioc-emit-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rules.toml");
    let path_arg = path.to_str().unwrap();
    assert!(ioc_emit(&["init", path_arg]).status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), template);
    // An existing file is kept unless --force.
    let again = ioc_emit(&["init", path_arg]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert!(ioc_emit(&["init", "--force", path_arg]).status.success());

    // The template drives a run: its title, level and exclusion reach the rules.
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--emit",
        "rule",
        "--detection",
        path_arg,
        "-v",
        &fixture("writeup-pipe"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rules = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(
        rules.contains("name: 'QuietCrane loader infrastructure ("),
        "{rules}"
    );
    assert!(rules.contains("severity: 'High'"), "{rules}");
    assert!(rules.contains("queryPeriod: '1h'"), "{rules}");
    // The conflict with the report's own title is reported at -v.
    assert!(
        stderr(&output).contains("title: ") && stderr(&output).contains("replaces"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_detection_file_with_an_unknown_key_names_its_line() {
    let dir = std::env::temp_dir().join(format!("ioc-emit-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "title = \"x\"\n\n[spl]\nfeilds = { dest_ip = \"d\" }\n",
    )
    .unwrap();
    let output = ioc_emit(&[
        "--backend",
        "spl",
        "--detection",
        path.to_str().unwrap(),
        &fixture("writeup-pipe"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("bad.toml:4:1: unknown field `feilds`"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nothing_to_hunt_exits_4_and_lookup_files_need_a_place() {
    let dir = std::env::temp_dir().join(format!("ioc-emit-none-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let all_bad = dir.join("bad.md");
    std::fs::write(
        &all_bad,
        "| Type | Value |\n|---|---|\n| domain | not a host |\n",
    )
    .unwrap();
    let output = ioc_emit(&["--backend", "kql", all_bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no queries"),
        "{}",
        stderr(&output)
    );

    // The watchlist CSV cannot travel on stdout as text.
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--mode",
        "lookup",
        &fixture("writeup-pipe"),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--out-dir"), "{}", stderr(&output));
    // Nothing is written, so no note tells the user to upload it.
    assert!(!stderr(&output).contains("upload"), "{}", stderr(&output));
    assert!(output.stdout.is_empty());

    // Defender has no watchlists: the CSV must be read from a URL.
    let output = ioc_emit(&[
        "--backend",
        "kql",
        "--profile",
        "defender",
        "--mode",
        "lookup",
        "--format",
        "json",
        &fixture("writeup-pipe"),
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("lookup-url"),
        "{}",
        stderr(&output)
    );

    // On Sentinel a small watchlist is read as a watchlist: a URL given is named as unused,
    // and one that is not an http(s) address is refused, with nothing written.
    let run = |url: &str| {
        ioc_emit(&[
            "--backend",
            "kql",
            "--mode",
            "lookup",
            "--format",
            "json",
            "--set",
            &format!("lookup-url={url}"),
            &fixture("writeup-pipe"),
        ])
    };
    let output = run("https://files.example/iocs.csv?sv=1&sig=SECRET");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("lookup-url https://files.example/iocs.csv is not used"),
        "{}",
        stderr(&output)
    );
    // The token of an unused URL is not repeated, on standard error or in the summary.
    assert!(!stderr(&output).contains("SECRET"), "{}", stderr(&output));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("SECRET"));
    // A bad backend setting exits with the backend's code, as the README's Limits say.
    let output = run("notaurl");
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("lookup-url=\"notaurl\""),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn settings_reach_the_backend_which_refuses_unknown_ones() {
    let malformed = ioc_emit(&[
        "--backend",
        "esql",
        "--set",
        "index",
        &fixture("writeup-pipe"),
    ]);
    assert_eq!(malformed.status.code(), Some(2), "{}", stderr(&malformed));
    assert!(stderr(&malformed).contains("is not KEY=VALUE"));

    let set = |backend: &str, setting: &str| {
        ioc_emit(&[
            "--backend",
            backend,
            "--set",
            setting,
            &fixture("writeup-pipe"),
        ])
    };
    let used = set("esql", "index.dns=logs-dns-*");
    assert!(used.status.success(), "{}", stderr(&used));
    assert!(String::from_utf8_lossy(&used.stdout).contains("FROM logs-dns-*\n"));
    for (backend, setting) in [("esql", "indx=logs-*"), ("kql", "index=logs-*")] {
        let refused = set(backend, setting);
        assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
        assert!(
            stderr(&refused).contains("unknown setting"),
            "{}",
            stderr(&refused)
        );
    }
}

/// A ThreatFox export longer than the readers' look-ahead is streamed row by row; the account
/// must be the one the whole-text reader gives.
#[test]
fn a_long_threatfox_export_streams_to_the_same_account() {
    let mut text = String::from(
        "# ThreatFox IOCs: long export\n# \"first_seen_utc\",\"ioc_value\",\"ioc_type\"\n",
    );
    for i in 0..4000 {
        text.push_str(&format!(
            "\"2026-01-01 00:00:00\", \"h{i}.stream-test.example\", \"domain\"\n"
        ));
        if i % 1000 == 0 {
            text.push_str("\"2026-01-01 00:00:00\", \"not a host\", \"domain\"\n");
        }
    }
    let dir = std::env::temp_dir().join(format!("ioc-emit-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("long.csv");
    std::fs::write(&path, &text).unwrap();
    let output = ioc_emit(&[
        "--backend",
        "spl",
        "--format",
        "json",
        "-q",
        path.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let streamed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    let name = path.to_string_lossy().to_string();
    let inputs = [(name, text)];
    let backend = ioc_core::find_backend("spl").unwrap();
    let whole = ioc_emit::emit(&inputs, None, backend, &ioc_core::EmitOptions::default()).unwrap();
    assert_eq!(streamed, serde_json::to_value(&whole.summary).unwrap());
    assert_eq!(streamed["counts"]["rejected"], 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Progress is drawn only on a terminal: a big input read with standard error in a pipe, as
/// here, in CI or in a script, leaves no bar in it.
#[test]
fn no_progress_when_standard_error_is_not_a_terminal() {
    let mut text = String::from(
        "# ThreatFox IOCs: big export\n# \"ioc_value\",\"ioc_type\"\n\
         \"big.stream-test.example\", \"domain\"\n",
    );
    // Blank lines are skipped at once, and make the input as big as a real export.
    text.push_str(&"\n".repeat(11 * 1024 * 1024));
    let dir = std::env::temp_dir().join(format!("ioc-emit-progress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.csv");
    std::fs::write(&path, &text).unwrap();
    let output = ioc_emit(&["--backend", "spl", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    // Only log lines (the account of the run): no bar redrawn with carriage returns or escapes.
    let err = stderr(&output);
    assert!(!err.contains(['\r', '\u{1b}']), "{err:?}");
    assert!(err.lines().all(|l| l.starts_with("ioc-emit: ")), "{err:?}");
    assert!(
        err.contains("ioc-emit: note: 1 record: 1 emitted"),
        "{err:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
