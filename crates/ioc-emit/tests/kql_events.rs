//! The emitted KQL, run on a tiny set of events by an offline KQL engine (duckdb-kql): a listed
//! ip:port matches and the crossed pair does not, subdomains match and look-alikes do not, URLs
//! match exactly, and an applied exclusion removes its events.
//!
//! Every event is named `hit-*` (must match) or `miss-*` (must not), so the expectation sits in
//! the data. The engine is installed by `cargo xtask setup`; a missing install fails the test.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use ioc_core::{EmitOptions, ExclusionMode, Mode};
use serde_json::{json, Value};

const REPORT: &str = "\
Malware Family: EventCheck Total IOCs: 6 IOC Types: ip:port, domain, url
| Type | Value | Threat Type | First Seen | Confidence |
|---|---|---|---|---|
| ip:port | 198[.]51[.]100[.]1:80 | botnet_cc | 2026-05-02 | 75% |
| ip:port | 198[.]51[.]100[.]2:443 | botnet_cc | 2026-05-02 | 75% |
| ip:port | 198[.]51[.]100[.]2:8443 | botnet_cc | 2026-05-02 | 75% |
| domain | evil[.]example | payload_delivery | 2026-05-02 | 100% |
| url | hxxps://drop[.]example/Get.php?id=A1 | payload_delivery | 2026-05-02 | 100% |
| sha256_hash | ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb | payload | 2026-05-02 | 95% |
Scenario: Backups
Filter/Exclusion: Filter by process.name = backup.exe
";

fn tables() -> Value {
    let net_columns = json!([
        ["TimeGenerated", "datetime"],
        ["DeviceName", "string"],
        ["ActionType", "string"],
        ["LocalIP", "string"],
        ["LocalPort", "int"],
        ["RemoteIP", "string"],
        ["RemotePort", "int"],
        ["RemoteUrl", "string"],
        ["InitiatingProcessAccountName", "string"],
        ["InitiatingProcessFileName", "string"],
        ["InitiatingProcessCommandLine", "string"]
    ]);
    let net = |name: &str, ip: &str, port: i64, url: &str, process: &str| {
        json!([
            "now-1d",
            name,
            "ConnectionSuccess",
            "10.0.0.5",
            50000,
            ip,
            port,
            url,
            "user",
            process,
            process
        ])
    };
    let cef_columns = json!([
        ["TimeGenerated", "datetime"],
        ["Computer", "string"],
        ["DeviceVendor", "string"],
        ["DeviceProduct", "string"],
        ["DeviceAction", "string"],
        ["Activity", "string"],
        ["SourceIP", "string"],
        ["SourcePort", "int"],
        ["DestinationIP", "string"],
        ["DestinationPort", "int"],
        ["DestinationHostName", "string"],
        ["RequestURL", "string"],
        ["SourceUserName", "string"],
        ["SourceProcessName", "string"],
        ["FileName", "string"],
        ["FileHash", "string"]
    ]);
    let cef = |name: &str, src: &str, sport: i64, dst: &str, dport: i64, host: &str, url: &str| {
        json!([
            "now-1d", name, "fw", "fw", "allow", "traffic", src, sport, dst, dport, host, url, "",
            "", "", ""
        ])
    };
    json!({
        "DeviceNetworkEvents": {"columns": net_columns, "rows": [
            net("hit-pair", "198.51.100.1", 80, "", "chrome.exe"),
            net("miss-crossed-pair", "198.51.100.1", 443, "", "chrome.exe"),
            net("hit-second-port", "198.51.100.2", 8443, "", "chrome.exe"),
            net("hit-mapped-ipv4", "::ffff:198.51.100.2", 443, "", "chrome.exe"),
            net("miss-other-ip", "198.51.100.3", 80, "", "chrome.exe"),
            net("miss-too-old", "198.51.100.1", 80, "", "chrome.exe"),
            net("hit-domain", "203.0.113.9", 443, "evil.example", "chrome.exe"),
            net("hit-subdomain-url", "203.0.113.9", 443, "https://A.Evil.example./x", "chrome.exe"),
            net("miss-lookalike", "203.0.113.9", 443, "notevil.example", "chrome.exe"),
            net("miss-suffix-lookalike", "203.0.113.9", 443, "evil.example.org", "chrome.exe"),
            net("hit-url-host-case", "203.0.113.9", 443, "https://DROP.example/Get.php?id=A1",
                "chrome.exe"),
            net("hit-url-schemeless", "203.0.113.9", 443, "drop.example/Get.php?id=A1", "chrome.exe"),
            net("miss-url-path-case", "203.0.113.9", 443, "https://drop.example/get.php?id=A1",
                "chrome.exe"),
            net("miss-url-longer", "203.0.113.9", 443, "https://drop.example/Get.php?id=A12",
                "chrome.exe"),
            net("excluded-backup", "198.51.100.1", 80, "", "BACKUP.EXE"),
        ]},
        "CommonSecurityLog": {"columns": cef_columns, "rows": [
            cef("hit-outbound", "10.0.0.5", 50000, "198.51.100.2", 443, "", ""),
            cef("hit-inbound", "198.51.100.1", 80, "10.0.0.5", 50000, "", ""),
            cef("miss-crossed", "10.0.0.5", 50000, "198.51.100.2", 80, "", ""),
            cef("hit-host", "10.0.0.5", 50000, "203.0.113.9", 443, "WWW.evil.example", ""),
            cef("miss-host-lookalike", "10.0.0.5", 50000, "203.0.113.9", 443, "xevil.example", ""),
        ]},
    })
}

fn run_engine(spec: &Value) -> Vec<Value> {
    let dir = common::root().join("tools/kql-run");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "the offline KQL engine is not installed: run `cargo xtask setup` (tools/kql-run/setup.sh)"
    );
    let mut child = Command::new(python)
        .arg(dir.join("run.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(spec.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the engine failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The names of the events each table's query returned.
fn matched(mode: ExclusionMode) -> BTreeSet<String> {
    matched_in(mode, Mode::Inline)
}

/// In lookup mode, the watchlist the backend wrote becomes a table, and `_GetWatchlist` (a
/// Sentinel function the engine does not have) reads it with the same `WatchlistItem` bag.
fn matched_in(mode: ExclusionMode, how: Mode) -> BTreeSet<String> {
    let mut spec = tables();
    // `miss-too-old` lies outside the 14-day lookback.
    for row in spec["DeviceNetworkEvents"]["rows"].as_array_mut().unwrap() {
        if row[1] == "miss-too-old" {
            row[0] = json!("now-30d");
        }
    }
    let options = EmitOptions {
        exclusions: mode,
        mode: how,
        ..EmitOptions::default()
    };
    let summary = common::emit("kql", "events.md", REPORT, &options).unwrap();
    let watchlist = "Watchlist";
    let queries: Vec<Value> = summary
        .queries
        .iter()
        .filter(|q| spec.get(&q.target).is_some())
        .map(|q| {
            let text = q.text.replace("_GetWatchlist(\"eventcheck\")", watchlist);
            json!({"id": q.name, "text": text})
        })
        .collect();
    if how == Mode::Inline {
        assert_eq!(queries.len(), 2, "one query per table with events");
    } else {
        assert!(queries.len() > 2, "lookup mode has a query per match type");
        assert!(queries
            .iter()
            .all(|q| q["text"].as_str().unwrap().contains("Watchlist |")));
        let csv = &summary.artifacts[0].content;
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        // Each watchlist row carries its columns in the dynamic bag WatchlistItem.
        let rows: Vec<Value> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                json!([json!({"IndicatorType": &r[0], "Indicator": &r[1], "Port": &r[2]})])
            })
            .collect();
        spec["Watchlist"] = json!({"columns": [["WatchlistItem", "dynamic"]], "rows": rows});
    }
    let results = run_engine(&json!({"tables": spec, "queries": queries}));
    let mut names = BTreeSet::new();
    for result in results {
        assert!(
            result.get("error").is_none(),
            "the engine refused a query: {result}"
        );
        for row in result["rows"].as_array().unwrap() {
            names.insert(row[1].as_str().unwrap().to_string());
        }
    }
    names
}

fn all_named(prefix: &str) -> BTreeSet<String> {
    let spec = tables();
    let mut out = BTreeSet::new();
    for table in spec.as_object().unwrap().values() {
        for row in table["rows"].as_array().unwrap() {
            let name = row[1].as_str().unwrap();
            if name.starts_with(prefix) {
                out.insert(name.to_string());
            }
        }
    }
    out
}

#[test]
fn queries_match_exactly_the_events_they_should() {
    let got = matched(ExclusionMode::Comment);
    let mut want = all_named("hit-");
    // With exclusions commented out, the backup event is a hit like any other.
    want.insert("excluded-backup".to_string());
    assert_eq!(got, want);
}

#[test]
fn an_applied_exclusion_removes_its_events() {
    let got = matched(ExclusionMode::Apply);
    assert_eq!(got, all_named("hit-"));
}

#[test]
fn lookup_mode_matches_the_same_events_through_the_watchlist() {
    let mut want = all_named("hit-");
    assert_eq!(matched_in(ExclusionMode::Apply, Mode::Lookup), want);
    want.insert("excluded-backup".to_string());
    assert_eq!(matched_in(ExclusionMode::Comment, Mode::Lookup), want);
}
