//! Hunts too big for one rule split into several: read back from the YAML, each indicator is
//! listed in exactly one rule of each of its hunts, no rule lists more than a converter handles
//! well, ids and names follow the part's hash-prefix label, and an event made from an
//! indicator matches its own part only.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use ioc_backend_sigma::{Sigma, MAX_VALUES_PER_LIST};
use ioc_core::{Backend, Detection, Emission, EmitOptions, IndicatorValue, Mode, Output, Query};
use serde_json::{json, Value};
use sigma_rust::{check_rule, event_from_json, rule_from_yaml};

/// The longest rule file name pySigma's `filename_length` check allows, `.yml` included.
const MAX_FILE_NAME: usize = 90;

/// A write-up with `n` indicators: ip:port pairs, domains, URLs with a path and URLs without
/// one (listed twice, with and without `/`), in turn.
fn writeup(family: &str, n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| match i % 4 {
            0 => format!(
                "ip:port | 198.51.{}.{}:{} | botnet_cc | 2026-05-02 | 75%",
                100 + i / 256 % 2,
                i % 256,
                1024 + i
            ),
            1 => format!("domain | host{i}.split-test.example | botnet_cc | 2026-05-02 | 75%"),
            2 => format!(
                "url | https://cdn{i}.example.net/p/{i} | payload_delivery | 2026-05-02 | 90%"
            ),
            _ => format!("url | https://edge{i}.example.org | payload_delivery | 2026-05-02 | 90%"),
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    common::writeup(family, &rows, "")
}

fn emit(d: &Detection, options: &EmitOptions) -> Emission {
    Sigma.emit(d, options).expect("the backend emits")
}

fn parse(q: &Query) -> Value {
    serde_saphyr::from_str(&q.text).unwrap_or_else(|e| panic!("{e}\n{}", q.text))
}

fn id(q: &Query) -> String {
    parse(q)["id"].as_str().expect("an id").to_string()
}

/// The hunt of a rule: its title without the part.
fn hunt(q: &Query) -> String {
    let title = parse(q)["title"].as_str().expect("a title").to_string();
    match title.rsplit_once(" - Part ") {
        Some((hunt, _)) => hunt.to_string(),
        None => title,
    }
}

/// A Sigma string with the escapes of "Escape Character" undone.
fn unescape(sigma: &str) -> String {
    let mut out = String::new();
    let mut chars = sigma.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&n @ ('*' | '?' | '\\'))) => {
                out.push(n);
                chars.next();
            }
            (c, _) => out.push(c),
        }
    }
    out
}

/// What a rule's detection lists, as indicator values: an address and port selection as
/// `ip:port`, every other string unescaped. The condition is not a value.
fn listed(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (name, selection) in doc["detection"].as_object().expect("a detection") {
        if name == "condition" {
            continue;
        }
        let map = selection.as_object().expect("a selection is a map");
        if let (Some(Value::String(ip)), Some(Value::Number(port))) =
            (map.get("DestinationIp"), map.get("DestinationPort"))
        {
            out.push(format!("{ip}:{port}"));
            continue;
        }
        for value in map.values() {
            match value {
                Value::String(s) => out.push(unescape(s)),
                Value::Array(items) => out.extend(
                    items
                        .iter()
                        .map(|v| unescape(v.as_str().expect("a string"))),
                ),
                other => panic!("an unexpected value {other}"),
            }
        }
    }
    out
}

/// The longest list in a rule's detection, or its number of selections when that is more.
fn breadth(doc: &Value) -> usize {
    let selections = doc["detection"].as_object().expect("a detection");
    let longest = selections
        .values()
        .filter_map(Value::as_object)
        .flat_map(|m| m.values().map(|v| v.as_array().map_or(1, Vec::len)))
        .max()
        .unwrap_or(0);
    longest.max(selections.len() - 1)
}

#[test]
fn a_big_hunt_splits_into_rules_that_list_each_indicator_once() {
    let d = common::detection("big.md", &writeup("Big Feed", 1600)).unwrap();
    let e = emit(&d, &EmitOptions::default());
    assert!(e.skipped.is_empty() && e.notes.is_empty(), "{e:?}");
    assert!(e.queries.len() > 4, "nothing was split");

    // Every value each rule lists, by hunt: the values must be exactly the hunt's indicators,
    // each in one rule.
    let mut by_hunt: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for q in &e.queries {
        let doc = parse(q);
        assert!(breadth(&doc) <= MAX_VALUES_PER_LIST, "{}", q.name);
        let mut values = listed(&doc);
        // The subdomain list repeats each domain after a dot; a URL without a path is listed
        // with `/` as well. Both are forms of a listed value, not values of their own.
        values.retain(|v| !v.starts_with('.') && !v.ends_with(".example.org/"));
        let mut covered: Vec<String> = q
            .indicators
            .iter()
            .map(|&i| d.indicators[i].value.to_string())
            .collect();
        covered.sort();
        values.sort();
        assert_eq!(values, covered, "{}: lists what it does not cover", q.name);
        by_hunt.entry(hunt(q)).or_default().extend(values);
        rule_from_yaml(&q.text).unwrap_or_else(|e| panic!("{e}\n{}", q.text));
    }
    let of_kind = |prefix: &str| -> BTreeSet<String> {
        d.indicators
            .iter()
            .map(|i| i.value.to_string())
            .filter(|v| v.starts_with(prefix))
            .collect()
    };
    let want = [
        (
            "Big Feed - Network Connection To Reported IP And Port",
            of_kind("198.51."),
        ),
        ("Big Feed - DNS Query For Reported Domain", of_kind("host")),
        (
            "Big Feed - Proxy Request To Reported Domain",
            of_kind("host"),
        ),
        (
            "Big Feed - Proxy Request To Reported URL",
            of_kind("https://"),
        ),
    ];
    assert_eq!(by_hunt.len(), want.len(), "{:?}", by_hunt.keys());
    for (hunt, expected) in want {
        let values = &by_hunt[hunt];
        let unique: BTreeSet<String> = values.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            values.len(),
            "{hunt}: a value is in two rules"
        );
        assert_eq!(unique, expected, "{hunt}");
    }
    // 400 of each kind in the write-up, and two kinds of URL.
    let sizes: Vec<usize> = by_hunt.values().map(Vec::len).collect();
    assert_eq!(sizes, [400, 400, 400, 800]);

    let ids: BTreeSet<String> = e.queries.iter().map(id).collect();
    assert_eq!(ids.len(), e.queries.len(), "every part has its own id");
}

#[test]
fn parts_are_named_by_their_label_within_the_file_name_limit() {
    let family = "A Very Long Campaign Name ".repeat(8);
    let d = common::detection("big.md", &writeup(family.trim(), 900)).unwrap();
    let options = EmitOptions {
        output: Output::Rules,
        ..EmitOptions::default()
    };
    let e = emit(&d, &options);
    assert_eq!(e.rules.len(), e.queries.len());
    let mut split = 0;
    for (q, rule) in e.queries.iter().zip(&e.rules) {
        assert!(q.name.len() + ".yml".len() <= MAX_FILE_NAME, "{}", q.name);
        assert!(rule.name.len() <= MAX_FILE_NAME, "{}", rule.name);
        let title = parse(q)["title"].as_str().unwrap().to_string();
        if let Some((_, label)) = q.name.split_once("-part-") {
            split += 1;
            assert!(label.chars().all(|c| c == '0' || c == '1'), "{}", q.name);
            assert!(title.ends_with(&format!(" - Part {label}")), "{title}");
            assert!(
                rule.name.ends_with(&format!("-part-{label}.yml")),
                "{}",
                rule.name
            );
            let about = parse(q)["description"].as_str().unwrap().to_string();
            assert!(
                about.contains(&format!("Part {label} of the rules")),
                "{about}"
            );
        } else {
            assert!(!title.contains(" - Part "), "{title}");
        }
    }
    assert!(split > 2, "nothing was split");
    let names: BTreeSet<&str> = e.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names.len(), e.rules.len(), "two rule files share a name");
}

#[test]
fn an_event_matches_the_part_of_its_indicator_only() {
    let d = common::detection("big.md", &writeup("Big Feed", 1200)).unwrap();
    let e = emit(&d, &EmitOptions::default());
    let parts: Vec<&Query> = e
        .queries
        .iter()
        .filter(|q| q.name.contains("-network-connection-ip-port"))
        .collect();
    assert!(parts.len() > 1);
    let rules: Vec<_> = parts
        .iter()
        .map(|q| rule_from_yaml(&q.text).unwrap())
        .collect();
    for (n, part) in parts.iter().enumerate() {
        for &i in part.indicators.iter().take(5) {
            let IndicatorValue::IpPort { ip, port } = &d.indicators[i].value else {
                panic!("{} covers {}", part.name, d.indicators[i].value);
            };
            let event = json!({"DestinationIp": ip.to_string(), "DestinationPort": port});
            let event = event_from_json(&event.to_string()).unwrap();
            let hits: Vec<usize> = (0..rules.len())
                .filter(|&r| check_rule(&rules[r], &event))
                .collect();
            assert_eq!(hits, [n], "{ip}:{port}");
        }
    }
}

#[test]
fn the_split_is_the_same_whatever_the_row_order() {
    let text = writeup("Big Feed", 800);
    let first = emit(
        &common::detection("big.md", &text).unwrap(),
        &EmitOptions::default(),
    );
    let again = emit(
        &common::detection("big.md", &text).unwrap(),
        &EmitOptions::default(),
    );
    assert_eq!(first, again);

    let (head, table) = text.split_at(text.find("| ip:port").unwrap());
    let mut rows: Vec<&str> = table.lines().collect();
    rows.reverse();
    let reversed = format!("{head}{}\n", rows.join("\n"));
    let other = emit(
        &common::detection("big.md", &reversed).unwrap(),
        &EmitOptions::default(),
    );
    let texts = |e: &Emission| e.queries.iter().map(|q| q.text.clone()).collect::<Vec<_>>();
    assert_eq!(texts(&first), texts(&other));
}

#[test]
fn adding_an_indicator_keeps_every_other_rule_and_its_id() {
    let text = writeup("Big Feed", 1600);
    let before = emit(
        &common::detection("big.md", &text).unwrap(),
        &EmitOptions::default(),
    );
    let more = format!("{text}| domain | newcomer.example | botnet_cc | 2026-05-02 | 75% |\n");
    let d = common::detection("big.md", &more).unwrap();
    let after = emit(&d, &EmitOptions::default());
    let newcomer = d
        .indicators
        .iter()
        .position(|i| i.value.to_string() == "newcomer.example")
        .unwrap();

    let old: BTreeMap<&str, &Query> = before
        .queries
        .iter()
        .map(|q| (q.name.as_str(), q))
        .collect();
    let mut new_names = Vec::new();
    for q in &after.queries {
        let home = q.indicators.contains(&newcomer);
        match old.get(q.name.as_str()) {
            Some(was) if home => assert_eq!(id(was), id(q), "{}: the id moved", q.name),
            Some(was) => assert_eq!(
                was.text, q.text,
                "{}: changed, but the newcomer is not in it",
                q.name
            ),
            None => new_names.push(q.name.as_str()),
        }
    }
    // The domain is hunted in DNS and proxy logs; each of its two parts may have split once.
    assert!(new_names.len() <= 4, "{new_names:?}");
    let homes = after
        .queries
        .iter()
        .filter(|q| q.indicators.contains(&newcomer))
        .count();
    assert_eq!(homes, 2);
}

#[test]
fn lookup_mode_splits_inline_and_says_so() {
    let d = common::detection("big.md", &writeup("Big Feed", 600)).unwrap();
    let inline = emit(&d, &EmitOptions::default());
    let lookup = emit(
        &d,
        &EmitOptions {
            mode: Mode::Lookup,
            ..EmitOptions::default()
        },
    );
    assert_eq!(inline.queries, lookup.queries);
    assert!(lookup.artifacts.is_empty());
    assert!(inline.notes.is_empty());
    assert_eq!(lookup.notes.len(), 1);
    assert!(
        lookup.notes[0].contains("for the KQL and SPL backends only"),
        "{:?}",
        lookup.notes
    );
}

#[test]
fn a_character_limit_splits_further_and_notes_what_cannot_fit() {
    let d = common::detection("big.md", &writeup("Big Feed", 300)).unwrap();
    let unlimited = emit(&d, &EmitOptions::default());
    let limited = emit(
        &d,
        &EmitOptions {
            max_query_chars: Some(3000),
            ..EmitOptions::default()
        },
    );
    assert!(limited.queries.len() > unlimited.queries.len());
    assert!(limited.notes.is_empty(), "{:?}", limited.notes);
    for q in &limited.queries {
        assert!(q.text.chars().count() <= 3000, "{}", q.name);
    }

    // No rule fits in 400 characters: each holds one indicator and is noted.
    let tiny = emit(
        &d,
        &EmitOptions {
            max_query_chars: Some(400),
            ..EmitOptions::default()
        },
    );
    let covered: usize = tiny.queries.iter().map(|q| q.indicators.len()).sum();
    assert_eq!(
        covered,
        unlimited
            .queries
            .iter()
            .map(|q| q.indicators.len())
            .sum::<usize>()
    );
    assert_eq!(tiny.notes.len(), tiny.queries.len());
    for (q, note) in tiny.queries.iter().zip(&tiny.notes) {
        assert_eq!(q.indicators.len(), 1, "{}", q.name);
        assert!(
            note.starts_with(&format!("rule {} has ", q.name))
                && note.contains("over the limit of 400"),
            "{note}"
        );
        assert!(q.name.len() + ".yml".len() <= MAX_FILE_NAME, "{}", q.name);
    }
}
