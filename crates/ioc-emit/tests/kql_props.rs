//! Property test: no value breaks out of a KQL string literal or comment.
//!
//! Arbitrary Unicode strings (biased towards quotes, backslashes, line breaks and the Unicode
//! separators) go in as an exclusion value, a family name, a title and prose exclusion text.
//! Microsoft's parser then reads every query back in one batch: it must report no error, the
//! exclusion's literal must decode to the input exactly, and the token shape must equal the
//! shape of the same query built from a plain value, so nothing in the text changed the query.

mod common;

use ioc_core::exclusion::Exclusion;
use ioc_core::{
    find_backend, Detection, EmitOptions, ExclusionKind, ExclusionMode, Expr, Field, Indicator,
    IndicatorKind, IndicatorValue, Metadata, Op, Source,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const CASES: usize = 1000;

fn detection(text: &str) -> Detection {
    let value = IndicatorValue::parse(IndicatorKind::Domain.into(), "prop.example").unwrap();
    Detection {
        title: text.to_string(),
        family: Some(text.to_string()),
        sources: vec![text.to_string()],
        indicators: vec![Indicator {
            value,
            original: "prop.example".to_string(),
            source: Source::line("p.md", 1),
            meta: Metadata::default(),
        }],
        exclusions: vec![
            Exclusion {
                id: "x1".to_string(),
                text: text.to_string(),
                scenario: Some(text.to_string()),
                source: Source::line("p.md", 2),
                kind: ExclusionKind::Structured {
                    expr: Expr::Cmp {
                        field: Field::ProcessCommandLine,
                        op: Op::Contains,
                        values: vec![text.to_string()],
                    },
                },
            },
            Exclusion {
                id: "x2".to_string(),
                text: text.to_string(),
                scenario: None,
                source: Source::line("p.md", 3),
                kind: ExclusionKind::Prose,
            },
        ],
        ..Detection::default()
    }
}

fn tricky() -> impl Strategy<Value = String> {
    let special = prop_oneof![
        Just('"'),
        Just('\''),
        Just('\\'),
        Just('\n'),
        Just('\r'),
        Just('\t'),
        Just('`'),
        Just('/'),
        Just('@'),
        Just('|'),
        Just('\u{2028}'),
        Just('\u{2029}'),
        Just('\u{85}'),
        Just('\u{0}'),
        Just('\u{1b}'),
        Just('é'),
        Just('😀'),
    ];
    let ch = prop_oneof![3 => special, 2 => any::<char>()];
    prop_oneof![
        prop::collection::vec(ch, 0..32).prop_map(|v| v.into_iter().collect::<String>()),
        any::<String>(),
    ]
}

#[test]
fn kql_literals_and_comments_hold_any_text() {
    let kql = find_backend("kql").unwrap();
    let options = EmitOptions {
        exclusions: ExclusionMode::Apply,
        ..EmitOptions::default()
    };
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = tricky();
    let mut inputs = vec!["plain".to_string()];
    while inputs.len() <= CASES {
        inputs.push(strategy.new_tree(&mut runner).unwrap().current());
    }
    let mut batch = Vec::new();
    for (i, text) in inputs.iter().enumerate() {
        let emission = kql.emit(&detection(text), &options).unwrap();
        // The DeviceNetworkEvents query carries the exclusion as live code.
        let query = emission
            .queries
            .iter()
            .find(|q| q.target == "DeviceNetworkEvents")
            .expect("a DeviceNetworkEvents query");
        batch.push((i.to_string(), query.text.clone()));
    }
    let results = common::kusto_check(&["sentinel"], &batch, true);
    let plain_shape = results[0]["shape"].as_str().unwrap().to_string();
    for (result, text) in results.iter().zip(&inputs) {
        let query = &batch[result["id"].as_str().unwrap().parse::<usize>().unwrap()].1;
        assert_eq!(
            result["ok"], true,
            "input {text:?}: {}\n{query}",
            result["diagnostics"]
        );
        let literals: Vec<&str> = result["literals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert!(
            literals.contains(&text.as_str()),
            "input {text:?} not read back: {literals:?}"
        );
        assert_eq!(
            result["shape"],
            plain_shape.as_str(),
            "input {text:?} changed the query\n{query}"
        );
    }
}
