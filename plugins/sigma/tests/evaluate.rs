//! The rules match the events they should and no others, evaluated in-process by sigma-rust
//! against small JSON events shaped like Sysmon's and a proxy's.
//!
//! sigma-rust types values strictly (rule value `443` does not match event value `"443"`); the
//! events here carry ports as numbers, as Sysmon records them.

mod common;

use ioc_core::{EmitOptions, ExclusionMode};
use serde_json::json;
use sigma_rust::{check_rule, event_from_json, rule_from_yaml, Rule};

/// The emitted rule whose query name ends with `hunt` (log source and hunt, such as
/// `dns-query-domain`), parsed by sigma-rust.
fn rule(text: &str, hunt: &str, mode: ExclusionMode) -> Rule {
    let options = EmitOptions {
        exclusions: mode,
        ..EmitOptions::default()
    };
    let emission = common::emit("test.md", text, &options).expect("the write-up emits");
    let query = emission
        .queries
        .iter()
        .find(|q| q.name.ends_with(hunt))
        .unwrap_or_else(|| panic!("no {hunt} rule in {:#?}", emission.queries));
    rule_from_yaml(&query.text)
        .unwrap_or_else(|e| panic!("sigma-rust cannot read the rule: {e}\n{}", query.text))
}

fn matches(rule: &Rule, event: serde_json::Value) -> bool {
    let event = event_from_json(&event.to_string()).expect("the event is JSON");
    check_rule(rule, &event)
}

const C2: &str = "Filter/Exclusion: process.name = curl.exe and destination.port = 8443";

fn c2_writeup() -> String {
    common::writeup(
        "TestRat",
        &[
            "ip:port | 198[.]51[.]100[.]7:8443 | botnet_cc | 2026-05-02 | 75%",
            "ip:port | 203[.]0[.]113[.]9:80 | botnet_cc | 2026-05-01 | 75%",
        ],
        &format!("Scenario: Updater\n{C2}\n"),
    )
}

fn connection(ip: &str, port: u16, image: &str) -> serde_json::Value {
    json!({"DestinationIp": ip, "DestinationPort": port, "Image": image})
}

#[test]
fn an_address_matches_on_its_own_port_only() {
    let rule = rule(
        &c2_writeup(),
        "network-connection-ip-port",
        ExclusionMode::Comment,
    );
    let image = r"C:\Users\a\AppData\Local\Temp\run.exe";
    assert!(matches(&rule, connection("198.51.100.7", 8443, image)));
    assert!(matches(&rule, connection("203.0.113.9", 80, image)));
    // Each pair is its own selection: a listed address on another listed pair's port is not
    // a listed pair.
    assert!(!matches(&rule, connection("198.51.100.7", 80, image)));
    assert!(!matches(&rule, connection("198.51.100.7", 443, image)));
    assert!(!matches(&rule, connection("198.51.100.8", 8443, image)));
    // sigma-rust compares types: a port recorded as text is not the number in the rule.
    assert!(!matches(
        &rule,
        json!({"DestinationIp": "198.51.100.7", "DestinationPort": "8443"})
    ));
}

#[test]
fn an_applied_exclusion_drops_the_excluded_process_only() {
    let curl = r"C:\Windows\System32\curl.exe";
    let applied = rule(
        &c2_writeup(),
        "network-connection-ip-port",
        ExclusionMode::Apply,
    );
    assert!(!matches(&applied, connection("198.51.100.7", 8443, curl)));
    // The name is matched as the last path component, not as any suffix.
    assert!(matches(
        &applied,
        connection("198.51.100.7", 8443, r"C:\Tools\notcurl.exe")
    ));
    // The exclusion needs both of its comparisons: curl on the other pair's port stays.
    assert!(matches(&applied, connection("203.0.113.9", 80, curl)));

    let suggested = rule(
        &c2_writeup(),
        "network-connection-ip-port",
        ExclusionMode::Comment,
    );
    assert!(matches(&suggested, connection("198.51.100.7", 8443, curl)));
}

#[test]
fn a_domain_matches_itself_and_its_subdomains_not_look_alikes() {
    let text = common::writeup(
        "TestDns",
        &["domain | evil[.]com | payload_delivery | 2026-05-02 | 100%"],
        "",
    );
    let dns = rule(&text, "dns-query-domain", ExclusionMode::Comment);
    let query = |name: &str| json!({"QueryName": name, "Image": r"C:\x\a.exe"});
    assert!(matches(&dns, query("evil.com")));
    assert!(matches(&dns, query("EVIL.com")));
    assert!(matches(&dns, query("cdn.a.evil.com")));
    assert!(!matches(&dns, query("notevil.com")));
    assert!(!matches(&dns, query("evil.com.example.net")));
    assert!(!matches(&dns, query("evil.co")));

    let proxy = rule(&text, "proxy-domain", ExclusionMode::Comment);
    assert!(matches(&proxy, json!({"cs-host": "www.evil.com"})));
    assert!(!matches(&proxy, json!({"cs-host": "notevil.com"})));
}

#[test]
fn a_url_matches_exactly_with_its_question_mark_literal() {
    let text = common::writeup(
        "TestUrl",
        &[
            "url | hxxps://evil[.]example/gate.php?id=7*x | payload_delivery | 2026-05-02 | 75%",
            "url | hxxps://bare[.]example | payload_delivery | 2026-05-02 | 75%",
        ],
        "",
    );
    let proxy = rule(&text, "proxy-url", ExclusionMode::Comment);
    let uri = |u: &str| json!({ "c-uri": u });
    assert!(matches(&proxy, uri("https://evil.example/gate.php?id=7*x")));
    // `?` and `*` are escaped, so they match only themselves.
    assert!(!matches(
        &proxy,
        uri("https://evil.example/gate.phpXid=7*x")
    ));
    assert!(!matches(
        &proxy,
        uri("https://evil.example/gate.php?id=7yyx")
    ));
    assert!(!matches(
        &proxy,
        uri("https://evil.example/gate.php?id=7*x&more")
    ));
    assert!(matches(&proxy, uri("https://bare.example")));
    assert!(matches(&proxy, uri("https://bare.example/")));
    assert!(!matches(&proxy, uri("https://bare.example/other")));
}

#[test]
fn hashes_match_in_sysmons_hashes_field() {
    let md5 = "0cc175b9c0f1b6a831c399e269772661";
    let text = common::writeup(
        "TestHash",
        &[&format!("md5_hash | {md5} | payload | 2026-05-02 | 95%")],
        "",
    );
    let process = rule(&text, "process-creation-hash", ExclusionMode::Comment);
    let hashes = |h: String| json!({"Image": r"C:\x\a.exe", "Hashes": h});
    assert!(matches(
        &process,
        hashes(format!(
            "SHA1=86F7E437FAA5A7FCE15D1DDCB9EAEAEA377667B8,MD5={},IMPHASH=00",
            md5.to_uppercase()
        ))
    ));
    // The same hex as another algorithm's value is not this MD5.
    assert!(!matches(
        &process,
        hashes(format!("SHA256={}00000000000000000000000000000000", md5))
    ));
}

#[test]
fn a_range_matches_its_addresses() {
    let text = common::writeup(
        "TestNet",
        &["cidr | 203.0.113.0/28 | botnet_cc | 2026-05-02 | 75%"],
        "",
    );
    let net = rule(&text, "network-connection-cidr", ExclusionMode::Comment);
    let to = |ip: &str| json!({"DestinationIp": ip, "DestinationPort": 443});
    assert!(matches(&net, to("203.0.113.15")));
    assert!(!matches(&net, to("203.0.113.16")));
}

#[test]
fn a_file_name_is_the_last_path_component() {
    let text = common::writeup(
        "TestFile",
        &["filename | invoice_0412.pdf.exe | payload | 2026-05-02 | 90%"],
        "",
    );
    let file = rule(&text, "file-event-filename", ExclusionMode::Comment);
    let created = |path: &str| json!({"TargetFilename": path, "Image": r"C:\x\a.exe"});
    assert!(matches(
        &file,
        created(r"C:\Users\a\Downloads\invoice_0412.pdf.exe")
    ));
    assert!(!matches(
        &file,
        created(r"C:\Users\a\Downloads\my-invoice_0412.pdf.exe")
    ));
}
