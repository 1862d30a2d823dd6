//! The ES|QL backend through the conformance kit: every fixture and the kit's adversarial
//! detections, with an ES|QL reader written from Elastic's grammar decoding the literals.

mod common;

#[test]
fn esql_conforms() {
    let report = ioc_conformance::check(&ioc_backend_esql::Esql, &common::EsqlLiterals);
    assert!(report.queries >= 50, "{report:?}");
}

#[test]
fn esql_conforms_with_index_settings() {
    ioc_conformance::Kit::new(&ioc_backend_esql::Esql, &common::EsqlLiterals)
        .setting("index", "logs-endpoint.events.*,remote:logs-*")
        .setting("index.dns", "logs-network_traffic.dns-*")
        .check();
}
