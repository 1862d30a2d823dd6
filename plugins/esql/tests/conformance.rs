//! The ES|QL backend through the conformance kit: every fixture, the kit's adversarial
//! detections and the shared reports beside the checkout, with an ES|QL reader written from
//! Elastic's grammar decoding the literals.

mod common;

use std::fs;
use std::path::Path;

use ioc_conformance::Kit;

/// Every write-up in `shared/reports` beside the checkout, when it is there.
fn shared_reports() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reports");
    let Ok(entries) = fs::read_dir(&dir) else {
        eprintln!(
            "NOTE: {} is absent; only the fixtures are checked",
            dir.display()
        );
        return Vec::new();
    };
    let mut reports: Vec<(String, String)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, fs::read_to_string(&p).expect("a report is text"))
        })
        .collect();
    reports.sort();
    reports
}

#[test]
fn esql_conforms() {
    let mut kit = Kit::new(&ioc_backend_esql::Esql, &common::EsqlLiterals);
    for (name, text) in shared_reports() {
        kit = kit.input(&name, &text);
    }
    let report = kit.check();
    assert!(report.queries >= 50, "{report:?}");
}

#[test]
fn esql_conforms_with_index_settings() {
    Kit::new(&ioc_backend_esql::Esql, &common::EsqlLiterals)
        .setting("index", "logs-endpoint.events.*,remote:logs-*")
        .setting("index.dns", "logs-network_traffic.dns-*")
        .check();
}
