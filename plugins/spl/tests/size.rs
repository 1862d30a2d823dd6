//! Large indicator sets: inline searches split into parts that each fit the limit and together
//! hold every indicator once per dataset, stably; lookup mode writes one CSV table, read by short
//! searches through the `lookup` command, never a truncating subsearch.

mod lexer;

use std::collections::{BTreeMap, BTreeSet};

use ioc_backend_spl::{Spl, DEFAULT_MAX_QUERY_CHARS};
use ioc_core::{
    Backend, Detection, DetectionBuilder, Emission, EmitOptions, Indicator, IndicatorKind,
    IndicatorValue, Metadata, Mode, Source,
};
use lexer::Token;

use IndicatorKind::*;

fn detection(values: &[(IndicatorKind, String)]) -> Detection {
    let mut b = DetectionBuilder::new();
    b.add_source("feed.csv");
    b.set_family("Big Feed");
    for (n, (kind, text)) in values.iter().enumerate() {
        let indicator = Indicator {
            value: IndicatorValue::parse((*kind).into(), text).unwrap(),
            original: text.as_str().into(),
            source: Source::line("feed.csv", n as u32 + 1),
            meta: Metadata::default(),
        };
        b.accept(indicator, None);
    }
    b.finish().0
}

/// `n` indicators of every kind the backend hunts, in turn.
fn feed(n: usize) -> Vec<(IndicatorKind, String)> {
    (0..n)
        .map(|i| match i % 6 {
            0 => (
                IpPort,
                format!("198.51.{}.{}:{}", i / 256 % 256, i % 256, 1024 + i),
            ),
            1 => (Domain, format!("host{i}.split-test.example")),
            2 => (Url, format!("https://cdn{i}.example.net/Path/{i}?q=A")),
            3 => (Md5, format!("{i:032x}")),
            4 => (Ipv4, format!("203.0.{}.{}", i / 256 % 256, i % 256)),
            _ => (FileName, format!("drop{i}.exe")),
        })
        .collect()
}

fn emit(d: &Detection, options: &EmitOptions) -> Emission {
    let emission = Spl.emit(d, options).unwrap();
    for query in &emission.queries {
        lexer::check(&query.text).unwrap_or_else(|e| panic!("{e}\n{}", query.text));
    }
    emission
}

/// The dataset of a query, from its name: `big-feed-<dataset>[-part-<label>]`.
fn dataset(name: &str) -> &str {
    let rest = name.strip_prefix("big-feed-").unwrap();
    rest.split("-part-").next().unwrap()
}

#[test]
fn fifteen_hundred_indicators_split_into_parts_that_cover_each_once() {
    let values = feed(1500);
    let d = detection(&values);
    let e = emit(&d, &EmitOptions::default());
    assert!(e.skipped.is_empty(), "{:?}", e.skipped);

    let mut by_dataset: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for q in &e.queries {
        let chars = q.text.chars().count();
        assert!(chars <= DEFAULT_MAX_QUERY_CHARS, "{} has {chars}", q.name);
        by_dataset
            .entry(dataset(&q.name))
            .or_default()
            .extend(&q.indicators);
        // Every indicator a part lists is written in it, and no other.
        let literals = lexer::literals(&lexer::check(&q.text).unwrap());
        for &i in &q.indicators {
            let value = d.indicators[i].value.to_string();
            let needle = match &d.indicators[i].value {
                IndicatorValue::IpPort { ip, .. } => ip.to_string(),
                _ => value.clone(),
            };
            assert!(
                literals.iter().any(|l| l.contains(&needle)),
                "{} lists {value} but does not write it",
                q.name
            );
        }
    }
    for (name, covered) in &by_dataset {
        let unique: BTreeSet<usize> = covered.iter().copied().collect();
        assert_eq!(
            unique.len(),
            covered.len(),
            "{name}: an indicator is in two parts"
        );
    }
    // Each kind is in every dataset that hunts it, once.
    let hunted_in = |kind: IndicatorKind| -> usize {
        by_dataset
            .values()
            .map(|c| {
                c.iter()
                    .filter(|&&i| d.indicators[i].kind() == kind)
                    .count()
            })
            .sum()
    };
    assert_eq!(hunted_in(IpPort), 250, "network traffic only");
    assert_eq!(hunted_in(Domain), 500, "DNS and web");
    assert_eq!(hunted_in(FileName), 500, "processes and file system");
    assert!(
        e.queries.iter().any(|q| q.name.contains("-part-")),
        "nothing was split"
    );
    let names: BTreeSet<&str> = e.queries.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names.len(), e.queries.len(), "part names are unique");
}

#[test]
fn adding_an_indicator_changes_only_the_parts_it_lands_in() {
    let mut values = feed(1500);
    let before = emit(&detection(&values), &EmitOptions::default());
    values.push((Domain, "newcomer.example".to_string()));
    let after = emit(&detection(&values), &EmitOptions::default());
    let old: BTreeMap<&str, &str> = before
        .queries
        .iter()
        .map(|q| (q.name.as_str(), q.text.as_str()))
        .collect();
    let changed: Vec<&str> = after
        .queries
        .iter()
        .filter(|q| old.get(q.name.as_str()) != Some(&q.text.as_str()))
        .map(|q| q.name.as_str())
        .collect();
    // The domain is hunted in DNS and in web: one part each, perhaps split once more.
    assert!(!changed.is_empty() && changed.len() <= 4, "{changed:?}");
    assert!(changed
        .iter()
        .all(|n| n.contains("-dns") || n.contains("-web")));
}

#[test]
fn a_small_limit_splits_and_a_value_too_long_for_it_is_noted() {
    let d = detection(&feed(60));
    let options = EmitOptions {
        max_query_chars: Some(1500),
        ..EmitOptions::default()
    };
    let e = emit(&d, &options);
    for q in &e.queries {
        let chars = q.text.chars().count();
        let noted = e.notes.iter().any(|n| n.contains(&q.name));
        assert!(chars <= 1500 || noted, "{} has {chars} characters", q.name);
    }
}

fn lookup_options() -> EmitOptions {
    EmitOptions {
        mode: Mode::Lookup,
        ..EmitOptions::default()
    }
}

/// The table's rows, as (key, type, indicator, port).
fn rows(e: &Emission) -> Vec<[String; 4]> {
    assert_eq!(e.artifacts.len(), 1);
    let mut reader = csv::Reader::from_reader(e.artifacts[0].content.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["ioc_key", "indicator_type", "indicator", "port"]
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            [0, 1, 2, 3].map(|i| r[i].to_string())
        })
        .collect()
}

#[test]
fn lookup_mode_writes_one_table_and_short_searches() {
    let mut values = feed(3000);
    values.push((Cidr, "192.0.2.0/24".to_string()));
    let d = detection(&values);
    let e = emit(&d, &lookup_options());
    assert!(e.skipped.is_empty());
    let table = &e.artifacts[0].name;
    assert_eq!(table, "big-feed-iocs.csv");
    let rows = rows(&e);

    // Every indicator but the range has a row keyed by what it matches; pairs keep their port.
    let keys: BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    for indicator in &d.indicators {
        let value = indicator.value.to_string();
        let key = match &indicator.value {
            IndicatorValue::IpPort { ip, port } => format!("ip:port|{ip}|{port}"),
            IndicatorValue::Ipv4(_) => format!("ip|{value}"),
            IndicatorValue::Domain(_) => format!("domain|{value}"),
            IndicatorValue::Url(url) => format!("url|{}", url.without_scheme()),
            IndicatorValue::Md5(_) => format!("hash|{value}"),
            IndicatorValue::FileName(_) => format!("filename|{value}"),
            IndicatorValue::Cidr { .. } => {
                assert!(!rows.iter().any(|r| r[2] == value), "ranges stay inline");
                continue;
            }
            other => panic!("unexpected {other:?}"),
        };
        assert!(keys.contains(key.as_str()), "no row {key}");
    }
    let pair = rows.iter().find(|r| r[1] == "ip:port").unwrap();
    let (ip, port) = pair[2].rsplit_once(':').unwrap();
    assert_eq!(pair[3], port);
    assert_eq!(pair[0], format!("ip:port|{ip}|{port}"));

    for q in &e.queries {
        assert!(q.text.chars().count() < 3000, "{} is not short", q.name);
        if q.name.ends_with("-lookup") {
            lexer::check_lookup(&q.text, table).unwrap_or_else(|e| panic!("{e}\n{}", q.text));
        } else {
            // Only the range is searched inline.
            assert!(q.text.contains("192.0.2.0/24"), "{}", q.text);
            assert!(!q.text.contains("| lookup"));
        }
    }
    assert!(e
        .notes
        .iter()
        .any(|n| n.contains("CIDR ranges are searched inline")));
    assert!(e
        .notes
        .iter()
        .any(|n| n.contains("upload big-feed-iocs.csv")));
}

#[test]
fn lookup_searches_read_both_sides_and_every_hunt() {
    let d = detection(&feed(12));
    let e = emit(&d, &lookup_options());
    let keys = |suffix: &str| -> Vec<String> {
        let q = e.queries.iter().find(|q| q.name.ends_with(suffix)).unwrap();
        lexer::check_lookup(&q.text, "big-feed-iocs.csv").unwrap()
    };
    assert_eq!(
        keys("network-traffic-lookup"),
        [
            "ioc_dest_ip_pair",
            "ioc_dest_ip_ip",
            "ioc_src_ip_pair",
            "ioc_src_ip_ip"
        ]
    );
    assert_eq!(keys("dns-lookup"), ["ioc_query_domain"]);
    assert_eq!(keys("web-lookup"), ["ioc_url_domain_domain", "ioc_url_url"]);
    assert_eq!(
        keys("processes-lookup"),
        ["ioc_process_hash", "ioc_process_name"]
    );
    assert_eq!(
        keys("filesystem-lookup"),
        ["ioc_file_hash", "ioc_file_name"]
    );

    // The pair is computed from the address and the port of the same side.
    let traffic = &e.queries[0].text;
    assert!(traffic.contains(
        "| eval ioc_dest_ip_pair=\"ip:port|\" . lower(coalesce('All_Traffic.dest_ip', \"\")) \
         . \"|\" . coalesce('All_Traffic.dest_port', \"\")"
    ));
    // A domain is looked up as the host and each parent of it, never as a substring.
    let dns = e
        .queries
        .iter()
        .find(|q| q.name.ends_with("dns-lookup"))
        .unwrap();
    assert!(dns
        .text
        .contains("mvmap(ioc_query_levels, \"domain|\" . mvjoin("));
    assert!(!dns.text.contains("*"), "no wildcard in a lookup search");
}

#[test]
fn lookup_values_are_escaped_in_the_csv_and_the_table_name_is_checked() {
    let d = detection(&[
        (FileName, "a,\"b\".exe".to_string()),
        (Url, "https://x.example/a,b?c=\"d\"".to_string()),
    ]);
    let e = emit(&d, &lookup_options());
    let rows = rows(&e);
    assert!(
        rows.iter().any(|r| r[0] == "filename|a,\"b\".exe"),
        "{rows:?}"
    );
    assert!(rows
        .iter()
        .any(|r| r[0] == "url|https://x.example/a,b?c=\"d\""));

    let mut named = lookup_options();
    named.settings.insert("lookup".into(), "threat_iocs".into());
    let e = emit(&d, &named);
    assert_eq!(e.artifacts[0].name, "threat_iocs");
    for q in &e.queries {
        lexer::check_lookup(&q.text, "threat_iocs").unwrap();
    }
    named.settings.insert("lookup".into(), "x | delete".into());
    assert!(Spl.emit(&d, &named).is_err());
}

#[test]
fn lookup_mode_under_the_raw_profile_uses_the_configured_fields() {
    let d = detection(&feed(6));
    let mut options = lookup_options();
    options.profile = Some("raw".into());
    options
        .settings
        .insert("field.dest_ip".into(), "DestinationIp".into());
    let e = emit(&d, &options);
    let traffic = e
        .queries
        .iter()
        .find(|q| q.name.contains("traffic"))
        .unwrap();
    let tokens = lexer::check(&traffic.text).unwrap();
    assert!(tokens.contains(&Token::Field("DestinationIp".into())));
    assert!(traffic.text.starts_with("```"));
    assert!(traffic.text.contains("search index=\"*\" earliest=-14d\n"));
}
