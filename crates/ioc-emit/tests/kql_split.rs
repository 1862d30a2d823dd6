//! Large indicator sets split into parts that fit Sentinel's limits: with 1,500 indicators every
//! part is at most 10,000 characters, passes the Kusto check (no KS245 depth error), and the
//! parts of each table hold each indicator exactly once, as the parser reads the literals back.

mod common;

use std::collections::BTreeMap;

use ioc_core::EmitOptions;

fn report(n: usize) -> String {
    let mut text = String::from(
        "Malware Family: Splitter Total IOCs: 0 IOC Types: many\n\
         | Type | Value | Threat Type | First Seen | Confidence |\n|---|---|---|---|---|\n",
    );
    for i in 0..n {
        let (kind, value) = match i % 3 {
            0 => (
                "ip:port",
                format!(
                    "10.{}.{}.{}:{}",
                    i / 65536 % 256,
                    i / 256 % 256,
                    i % 256,
                    1024 + i
                ),
            ),
            1 => ("domain", format!("host{i}.split-test.example")),
            _ => ("md5_hash", format!("{i:032x}")),
        };
        text.push_str(&format!(
            "| {kind} | {value} | botnet_cc | 2026-01-01 | 50% |\n"
        ));
    }
    text
}

#[test]
fn fifteen_hundred_indicators_split_into_valid_parts_covering_each_once() {
    let summary = common::emit("kql", "big.md", &report(1500), &EmitOptions::default()).unwrap();
    assert_eq!(summary.counts[&ioc_core::State::Emitted], 1500);

    let mut by_table: BTreeMap<&str, Vec<&ioc_core::summary::QueryReport>> = BTreeMap::new();
    for query in &summary.queries {
        assert!(
            query.text.chars().count() <= 10_000,
            "{} is too long",
            query.name
        );
        by_table.entry(&query.target).or_default().push(query);
    }
    assert!(
        by_table.values().any(|parts| parts.len() > 1),
        "nothing was split"
    );

    let batch: Vec<(String, String)> = summary
        .queries
        .iter()
        .map(|q| (q.name.clone(), q.text.clone()))
        .collect();
    let results = common::kusto_check(&["sentinel"], &batch, true);
    for (result, (name, _)) in results.iter().zip(&batch) {
        assert_eq!(result["ok"], true, "{name}: {}", result["diagnostics"]);
    }
    let literals: BTreeMap<&str, Vec<String>> = results
        .iter()
        .zip(&batch)
        .map(|(r, (name, _))| {
            let values = r["literals"].as_array().unwrap();
            (
                name.as_str(),
                values
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();

    for (table, parts) in &by_table {
        // From the summary: each indicator of the table in exactly one part.
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for part in parts {
            for value in &part.indicators {
                *seen.entry(value).or_default() += 1;
            }
        }
        assert!(
            seen.values().all(|&n| n == 1),
            "{table}: an indicator is in two parts"
        );
        // From the parser: the literal naming each indicator sits in exactly one part.
        for value in seen.keys() {
            let needle = value.split(':').next().unwrap();
            let holders = parts
                .iter()
                .filter(|p| literals[p.name.as_str()].iter().any(|l| l == needle))
                .count();
            assert_eq!(holders, 1, "{table}: {value} is named by {holders} parts");
        }
    }
}

#[test]
fn a_watchlist_over_the_upload_cap_needs_a_url_and_then_reads_it_with_externaldata() {
    let mut text = String::from("| Type | Value |\n|---|---|\n");
    for i in 0..60_000u32 {
        text.push_str(&format!("| sha256_hash | {i:064x} |\n"));
    }
    let lookup = EmitOptions {
        mode: ioc_core::Mode::Lookup,
        ..EmitOptions::default()
    };
    let err = common::emit("kql", "huge.md", &text, &lookup).unwrap_err();
    assert!(
        err.contains("3.8 MB") && err.contains("lookup-url"),
        "{err}"
    );

    let mut with_url = lookup.clone();
    with_url.settings.insert(
        "lookup-url".to_string(),
        "https://files.example/ioc\"feed\"\\x.csv?sv=1&sig=a%2Bb".to_string(),
    );
    let summary = common::emit("kql", "huge.md", &text, &with_url).unwrap();
    assert!(summary.artifacts[0].content.len() > 3_800_000);
    assert!(
        summary.notes.iter().any(|n| n.contains("externaldata")),
        "{:?}",
        summary.notes
    );
    let batch: Vec<(String, String)> = summary
        .queries
        .iter()
        .map(|q| (q.name.clone(), q.text.clone()))
        .collect();
    assert!(batch
        .iter()
        .all(|(_, t)| t.contains("externaldata(") && !t.contains("_GetWatchlist")));
    let results = common::kusto_check(&["sentinel"], &batch, true);
    for (result, (name, _)) in results.iter().zip(&batch) {
        assert_eq!(result["ok"], true, "{name}: {}", result["diagnostics"]);
        let literals = result["literals"].as_array().unwrap();
        assert!(literals
            .iter()
            .any(|l| l == "https://files.example/ioc\"feed\"\\x.csv?sv=1&sig=a%2Bb"));
    }
}
