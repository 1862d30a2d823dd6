//! The output is a function of the input alone: two runs write the same bytes, the order of the
//! IOC rows changes nothing, and a rule keeps its id when an indicator is added.

mod common;

use ioc_core::{EmitOptions, Query};

const ROWS: &[&str] = &[
    "ip:port | 198[.]51[.]100[.]7:8443 | botnet_cc | 2026-05-02 | 75%",
    "ip:port | 198[.]51[.]100[.]7:443 | botnet_cc | 2026-05-04 | 75%",
    "ip:port | 203[.]0[.]113[.]9:80 | botnet_cc | 2026-05-01 | 50%",
    "ip | 192[.]0[.]2[.]10 | botnet_cc | 2026-05-03 | 90%",
    "domain | evil[.]example | payload_delivery | 2026-04-30 | 100%",
    "domain | cdn[.]evil[.]example | payload_delivery | 2026-05-05 | 100%",
    "url | hxxps://evil[.]example/a?b=1 | payload_delivery | 2026-05-02 | 75%",
    "md5_hash | 0CC175B9C0F1B6A831C399E269772661 | payload | 2026-05-01 | 95%",
    concat!(
        "sha256_hash | ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
        " | payload | 2026-05-01 | 95%"
    ),
    "filename | invoice.pdf.exe | payload | 2026-05-01 | 90%",
];

const TRAILER: &str = "Scenario: Updater\n\
    Filter/Exclusion: process.name = updater.exe and destination.port = 443\n";

fn queries(rows: &[&str]) -> Vec<Query> {
    let text = common::writeup("OrderTest", rows, TRAILER);
    common::emit("order.md", &text, &EmitOptions::default())
        .expect("the write-up emits")
        .queries
}

fn ids(queries: &[Query]) -> Vec<(String, String)> {
    queries
        .iter()
        .map(|q| {
            let id = q
                .text
                .lines()
                .find(|l| l.starts_with("id: "))
                .expect("an id")
                .to_string();
            (q.name.clone(), id)
        })
        .collect()
}

/// Deterministic permutations: reversed, rotated, and interleaved orders.
fn orders(n: usize) -> Vec<Vec<usize>> {
    let mut out = vec![(0..n).rev().collect::<Vec<_>>()];
    for shift in 1..n {
        out.push((0..n).map(|i| (i + shift) % n).collect());
    }
    let (evens, odds): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| i % 2 == 0);
    out.push(odds.into_iter().chain(evens).collect());
    out
}

#[test]
fn two_runs_write_the_same_bytes() {
    let first = queries(ROWS);
    let second = queries(ROWS);
    assert_eq!(first, second);
    assert_eq!(
        first.len(),
        8,
        "{:#?}",
        first.iter().map(|q| &q.name).collect::<Vec<_>>()
    );
}

#[test]
fn row_order_changes_nothing() {
    let reference = queries(ROWS);
    for order in orders(ROWS.len()) {
        let rows: Vec<&str> = order.iter().map(|&i| ROWS[i]).collect();
        let shuffled = queries(&rows);
        assert_eq!(ids(&shuffled), ids(&reference), "order {order:?}");
        // Indicators are sorted by the model, so the whole text is the same too.
        let texts = |q: &[Query]| q.iter().map(|q| q.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&shuffled), texts(&reference), "order {order:?}");
    }
}

#[test]
fn adding_an_indicator_keeps_the_ids() {
    let reference = queries(ROWS);
    let mut more = ROWS.to_vec();
    more.push("ip:port | 198[.]51[.]100[.]99:9001 | botnet_cc | 2026-05-06 | 75%");
    more.push("domain | other[.]example | payload_delivery | 2026-05-06 | 100%");
    let grown = queries(&more);
    assert_eq!(ids(&grown), ids(&reference));
    let changed: Vec<&str> = grown
        .iter()
        .zip(&reference)
        .filter(|(a, b)| a.text != b.text)
        .map(|(a, _)| a.name.as_str())
        .collect();
    assert_eq!(
        changed,
        [
            "ordertest-network-connection-ip-port",
            "ordertest-dns-query-domain",
            "ordertest-proxy-domain"
        ]
    );
}

#[test]
fn a_rule_without_dates_of_its_own_takes_the_earliest_of_the_detection() {
    let rows = [
        "ip:port | 198[.]51[.]100[.]7:8443 | botnet_cc | 2026-05-02 | 75%",
        "domain | evil[.]example | payload_delivery | 2026-04-30 | 100%",
        "md5_hash | 0CC175B9C0F1B6A831C399E269772661 | payload |  | 95%",
    ];
    let queries = queries(&rows);
    let date = |name_part: &str| {
        let q = queries
            .iter()
            .find(|q| q.name.contains(name_part))
            .unwrap_or_else(|| panic!("a {name_part} rule"));
        q.text
            .lines()
            .find_map(|l| l.strip_prefix("date: "))
            .map(|d| d.trim_matches('\'').to_string())
    };
    assert_eq!(date("ip-port").as_deref(), Some("2026-05-02"));
    assert_eq!(date("dns-query").as_deref(), Some("2026-04-30"));
    // The hash row has no date: its rule takes the detection's earliest, 2026-04-30.
    assert_eq!(date("process-creation").as_deref(), Some("2026-04-30"));
}
