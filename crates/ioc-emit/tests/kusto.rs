//! Every KQL query the tool emits parses and type-checks with Microsoft's Kusto.Language against
//! the schema of its profile: the fixtures and every shared report, under both profiles, with
//! exclusions both commented and applied (applied exclusions are code the parser must check).
//!
//! The checker is `tools/kusto-check`; `cargo xtask setup` installs it. A missing install fails
//! the test rather than skipping it.

mod common;

use ioc_core::{EmitOptions, ExclusionMode, IndicatorKind, Mode, State};

struct Batch {
    profile: &'static str,
    queries: Vec<(String, String)>,
}

/// Runs the checker on a batch; returns the failures as readable text.
fn check(batch: &Batch) -> Vec<String> {
    let results = common::kusto_check(&[batch.profile, "watchlist"], &batch.queries, false);
    let mut failures = Vec::new();
    for (result, (id, text)) in results.iter().zip(&batch.queries) {
        if result["ok"] != true {
            failures.push(format!(
                "{id}: {}\n{text}",
                serde_json::to_string_pretty(&result["diagnostics"]).unwrap()
            ));
        }
    }
    failures
}

fn batches(inputs: &[(String, String)]) -> Vec<Batch> {
    let mut out = Vec::new();
    for profile in ["sentinel", "defender"] {
        let mut queries = Vec::new();
        for (mode, how) in [
            (ExclusionMode::Comment, Mode::Inline),
            (ExclusionMode::Apply, Mode::Inline),
            (ExclusionMode::Apply, Mode::Lookup),
        ] {
            let options = EmitOptions {
                profile: Some(profile.to_string()),
                exclusions: mode,
                mode: how,
                // Read only where a watchlist cannot serve: Defender has none.
                settings: [(
                    "lookup-url".to_string(),
                    "https://files.example/ioc.csv".to_string(),
                )]
                .into(),
                ..EmitOptions::default()
            };
            for (name, text) in inputs {
                let Ok(summary) = common::emit("kql", name, text, &options) else {
                    continue;
                };
                for q in summary.queries {
                    queries.push((
                        format!("{name} [{profile}, {mode:?}, {how:?}] {}", q.name),
                        q.text,
                    ));
                }
            }
        }
        out.push(Batch { profile, queries });
    }
    out
}

#[test]
fn fixture_and_shared_report_queries_pass_the_kusto_check() {
    let mut inputs = common::fixture_inputs();
    inputs.extend(common::shared_reports());
    inputs.extend(common::shared_data());
    let batches = batches(&inputs);
    let total: usize = batches.iter().map(|b| b.queries.len()).sum();
    assert!(total >= 40, "expected a real batch of queries, got {total}");
    let failures: Vec<String> = batches.iter().flat_map(check).collect();
    assert!(
        failures.is_empty(),
        "{} of {total} queries failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_checker_rejects_a_broken_query() {
    // The same pipeline, with one query damaged: proves a failure would be seen.
    let batch = Batch {
        profile: "defender",
        queries: vec![(
            "wrong time column".to_string(),
            "DeviceNetworkEvents | where TimeGenerated > ago(1d) | where RemotePort == 80"
                .to_string(),
        )],
    };
    assert_eq!(check(&batch).len(), 1);
}

#[test]
fn every_shared_report_is_covered_with_ip_port_as_pairs() {
    let reports = common::shared_reports();
    for (name, text) in &reports {
        let summary = common::emit("kql", name, text, &EmitOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!summary.records.is_empty(), "{name}: no rows read");
        for record in &summary.records {
            match record.state {
                State::Emitted => assert!(!record.queries.is_empty(), "{name}: {record:?}"),
                State::Duplicate | State::Rejected => {}
                other => panic!(
                    "{name}: {} is {other:?}: {:?}",
                    record.original, record.reason
                ),
            }
        }
        // Each ip:port is matched as a pair: its address and its port sit in one group, and
        // the group names no port the report does not pair with that address.
        let network = summary
            .queries
            .iter()
            .find(|q| q.target == "DeviceNetworkEvents");
        for record in summary
            .records
            .iter()
            .filter(|r| r.kind == Some(IndicatorKind::IpPort))
        {
            let value = record.value.as_deref().unwrap();
            let (ip, port) = value.rsplit_once(':').unwrap();
            let query = network.unwrap_or_else(|| panic!("{name}: no DeviceNetworkEvents query"));
            let group = query
                .text
                .lines()
                .find(|l| l.contains(&format!("\"{ip}\",")) || l.contains(&format!("\"{ip}\")")))
                .unwrap_or_else(|| panic!("{name}: {ip} has no group"));
            let ports = group.split("RemotePort").nth(1).unwrap();
            let listed: Vec<&str> = ports
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .collect();
            assert!(
                listed.contains(&port),
                "{name}: {value} not paired in {group}"
            );
            let paired: Vec<String> = summary
                .records
                .iter()
                .filter_map(|r| r.value.as_deref())
                .filter_map(|v| v.strip_prefix(&format!("{ip}:")).map(str::to_string))
                .collect();
            for p in listed {
                assert!(
                    paired.iter().any(|x| x == p),
                    "{name}: {ip} crossed with port {p}"
                );
            }
        }
    }
}
