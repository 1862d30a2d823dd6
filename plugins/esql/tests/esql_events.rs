//! The emitted ES|QL, run over a small set of ECS events by the evaluator in `common/mod.rs`:
//! a listed ip:port matches and the crossed pair does not, subdomains match and look-alikes do
//! not, URLs match exactly, hashes only on the field for their algorithm, and an applied
//! exclusion removes its events but never an event that lacks the excluded field.
//!
//! Every event is named `hit-*` (must match) or `miss-*` (must not), so the expectation sits in
//! the data. There is no offline ES|QL engine; the evaluator follows the ES|QL reference for the
//! functions the backend uses, and its three-valued logic, and is tested by these very cases.

mod common;

use std::collections::BTreeSet;

use common::{Row, Val};
use ioc_core::ExclusionMode;

const REPORT: &str = "\
Malware Family: EventCheck Total IOCs: 11 IOC Types: many
| Type | Value | Threat Type | First Seen | Confidence |
|---|---|---|---|---|
| ip:port | 198[.]51[.]100[.]1:80 | botnet_cc | 2026-05-02 | 75% |
| ip:port | 198[.]51[.]100[.]2:443 | botnet_cc | 2026-05-02 | 75% |
| ip:port | 198[.]51[.]100[.]2:8443 | botnet_cc | 2026-05-02 | 75% |
| ip | 2001:db8::66 | botnet_cc | 2026-05-02 | 75% |
| cidr | 203[.]0[.]113[.]0/24 | botnet_cc | 2026-05-02 | 75% |
| domain | evil[.]example | payload_delivery | 2026-05-02 | 100% |
| url | hxxps://drop[.]example/Get.php?id=A1 | payload_delivery | 2026-05-02 | 100% |
| sha256_hash | CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB | payload | 2026-05-02 | 95% |
| md5_hash | 0cc175b9c0f1b6a831c399e269772661 | payload | 2026-05-02 | 95% |
| filename | Payload.exe | payload | 2026-05-02 | 95% |
| email | bad[@]evil-mail[.]example | phishing | 2026-05-02 | 95% |
Scenario: Backups
Filter/Exclusion: Filter by process.name = backup.exe
Scenario: Mirror
Filter/Exclusion: destination.address contains Mirror.Corp
";

const SHA256: &str = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";

fn event(name: &str, fields: &[(&str, Val)]) -> Row {
    let mut row = Row::new();
    row.insert("id".into(), Val::Str(name.into()));
    row.insert("@timestamp".into(), Val::Time(common::NOW - 86_400));
    for (field, value) in fields {
        row.insert(field.to_string(), value.clone());
    }
    row
}

fn ip(text: &str) -> Val {
    Val::Ip(text.parse().unwrap())
}

fn s(text: &str) -> Val {
    Val::Str(text.into())
}

fn connection(name: &str, address: &str, port: i64) -> Row {
    event(
        name,
        &[
            ("destination.ip", ip(address)),
            ("destination.port", Val::Int(port)),
            ("process.name", s("chrome.exe")),
        ],
    )
}

fn events() -> Vec<Row> {
    let mut too_old = connection("miss-too-old", "198.51.100.1", 80);
    too_old.insert("@timestamp".into(), Val::Time(common::NOW - 20 * 86_400));
    let mut no_process = connection("hit-no-process-name", "198.51.100.1", 80);
    no_process.remove("process.name");
    let mut backup = connection("excluded-backup", "198.51.100.1", 80);
    backup.insert("process.name".into(), s("BACKUP.EXE"));
    vec![
        connection("hit-pair", "198.51.100.1", 80),
        connection("miss-crossed-pair", "198.51.100.1", 443),
        connection("miss-crossed-pair-2", "198.51.100.2", 80),
        connection("hit-second-port", "198.51.100.2", 8443),
        connection("hit-mapped-ipv4", "::ffff:198.51.100.2", 443),
        connection("miss-other-ip", "198.51.100.3", 80),
        connection("hit-ipv6-any-port", "2001:db8:0:0::66", 5555),
        connection("hit-cidr", "203.0.113.77", 22),
        connection("miss-outside-cidr", "203.0.114.1", 22),
        too_old,
        no_process,
        backup,
        event(
            "hit-inbound",
            &[
                ("source.ip", ip("198.51.100.1")),
                ("source.port", Val::Int(80)),
            ],
        ),
        event(
            "excluded-mirror",
            &[
                ("destination.ip", ip("198.51.100.2")),
                ("destination.port", Val::Int(443)),
                ("destination.address", s("dl.mirror.corp.example")),
            ],
        ),
        event("hit-dns-exact", &[("dns.question.name", s("Evil.Example"))]),
        event(
            "hit-dns-sub",
            &[("dns.question.name", s("a.b.evil.example."))],
        ),
        event(
            "miss-dns-lookalike",
            &[("dns.question.name", s("notevil.example"))],
        ),
        event(
            "miss-dns-suffix",
            &[("dns.question.name", s("evil.example.attacker.net"))],
        ),
        event(
            "hit-net-domain",
            &[("destination.domain", s("CDN.evil.example"))],
        ),
        event("hit-web-domain", &[("url.domain", s("www.evil.example"))]),
        event(
            "hit-url-host-case",
            &[("url.full", s("HTTPS://DROP.example/Get.php?id=A1"))],
        ),
        event(
            "miss-url-path-case",
            &[("url.full", s("https://drop.example/get.php?id=a1"))],
        ),
        event(
            "miss-url-longer",
            &[("url.full", s("https://drop.example/Get.php?id=A1&x=1"))],
        ),
        event(
            "hit-file-hash",
            &[("file.hash.sha256", s(&SHA256.to_uppercase()))],
        ),
        event("hit-process-hash", &[("process.hash.sha256", s(SHA256))]),
        event("miss-hash-other-field", &[("file.hash.sha1", s(SHA256))]),
        event(
            "hit-md5",
            &[("file.hash.md5", s("0CC175B9C0F1B6A831C399E269772661"))],
        ),
        event("hit-file-name", &[("file.name", s("PAYLOAD.EXE"))]),
        event("hit-process-name", &[("process.name", s("payload.exe"))]),
        event(
            "miss-file-name-longer",
            &[("file.name", s("payload.exe.txt"))],
        ),
        event(
            "hit-email",
            &[("email.from.address", s("Bad@Evil-Mail.example"))],
        ),
    ]
}

/// The names of the events some query returned.
fn matched(mode: ExclusionMode) -> BTreeSet<String> {
    let summary = common::emit_report(REPORT, mode);
    assert_eq!(summary.counts[&ioc_core::State::Emitted], 11);
    let rows = events();
    let mut names = BTreeSet::new();
    for query in &summary.queries {
        let parsed = common::parse(&query.text)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", query.name, query.text));
        let kept = common::run(&parsed, &rows)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", query.name, query.text));
        names.extend(kept);
    }
    names
}

fn all_named(prefix: &str) -> BTreeSet<String> {
    events()
        .iter()
        .filter_map(|r| match &r["id"] {
            Val::Str(id) if id.starts_with(prefix) => Some(id.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn queries_match_exactly_the_events_they_should() {
    let got = matched(ExclusionMode::Comment);
    let mut want = all_named("hit-");
    // With exclusions commented out, the excluded events are hits like any other.
    want.extend(all_named("excluded-"));
    assert_eq!(got, want);
}

#[test]
fn an_applied_exclusion_removes_its_events_and_no_others() {
    let got = matched(ExclusionMode::Apply);
    assert_eq!(got, all_named("hit-"));
}
