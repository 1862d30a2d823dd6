//! Property test: no value breaks out of an ES|QL string literal, `LIKE` pattern or comment.
//!
//! Arbitrary Unicode strings (biased towards quotes, backslashes, wildcards, line breaks and the
//! Unicode separators) go in as the value of two applied exclusions (`contains`, written with
//! `LIKE`, and `=`), a family name, a title and prose exclusion text. The reader in
//! `common/mod.rs`, written from Elastic's grammar, then reads each query back: it must parse,
//! both exclusions must decode to the input (lower-cased, as they compare without case), the
//! token shape must equal that of the same query built from a plain value, and run over three
//! events the exclusions must drop exactly the two that hold the value.

mod common;

use common::{Row, Tok, Val};
use ioc_core::exclusion::Exclusion;
use ioc_core::{
    Backend, Detection, EmitOptions, ExclusionKind, ExclusionMode, ExclusionState, Expr, Field,
    Indicator, IndicatorKind, IndicatorValue, Metadata, Op, Source,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const CASES: usize = 1000;

fn detection(text: &str) -> Detection {
    let value = IndicatorValue::parse(IndicatorKind::FileName.into(), "prop.exe").unwrap();
    let structured = |id: &str, field, op| Exclusion {
        id: id.to_string(),
        text: text.to_string(),
        scenario: Some(text.to_string()),
        source: Source::line("p.md", 2),
        kind: ExclusionKind::Structured {
            expr: Expr::Cmp {
                field,
                op,
                values: vec![text.to_string()],
            },
        },
    };
    Detection {
        title: text.to_string(),
        family: Some(text.to_string()),
        sources: vec![text.to_string()],
        indicators: vec![Indicator {
            value,
            original: "prop.exe".into(),
            source: Source::line("p.md", 1),
            meta: Metadata::default(),
        }],
        exclusions: vec![
            structured("x1", Field::ProcessCommandLine, Op::Contains),
            structured("x2", Field::ProcessParentName, Op::Eq),
            Exclusion {
                id: "x3".to_string(),
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
        Just('*'),
        Just('?'),
        Just('\n'),
        Just('\r'),
        Just('\t'),
        Just('`'),
        Just('/'),
        Just('|'),
        Just('\u{2028}'),
        Just('\u{2029}'),
        Just('\u{85}'),
        Just('\u{0}'),
        Just('É'),
        Just('😀'),
    ];
    let ch = prop_oneof![3 => special, 2 => any::<char>()];
    prop_oneof![
        prop::collection::vec(ch, 0..32).prop_map(|v| v.into_iter().collect::<String>()),
        any::<String>(),
    ]
}

/// The tokens of a query with each string literal replaced by the same placeholder.
fn shape(text: &str) -> Vec<Tok> {
    common::lex(text)
        .unwrap()
        .into_iter()
        .map(|t| match t {
            Tok::Str(_) => Tok::Str("STR".to_string()),
            t => t,
        })
        .collect()
}

fn event(id: &str, command_line: &str, parent: &str) -> Row {
    let mut row = Row::new();
    row.insert("id".into(), Val::Str(id.into()));
    row.insert("@timestamp".into(), Val::Time(common::NOW - 60));
    row.insert("process.name".into(), Val::Str("prop.exe".into()));
    row.insert("process.command_line".into(), Val::Str(command_line.into()));
    row.insert("process.parent.name".into(), Val::Str(parent.into()));
    row
}

#[test]
fn esql_literals_patterns_and_comments_hold_any_text() {
    let options = EmitOptions {
        exclusions: ExclusionMode::Apply,
        ..EmitOptions::default()
    };
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]),
    );
    let strategy = tricky();
    let mut inputs = vec!["plain".to_string()];
    while inputs.len() <= CASES {
        inputs.push(strategy.new_tree(&mut runner).unwrap().current());
    }
    let process_query = |text: &str| {
        let emission = ioc_backend_esql::Esql
            .emit(&detection(text), &options)
            .unwrap();
        emission
            .queries
            .into_iter()
            .find(|q| q.target == "process")
            .expect("a process query")
    };
    let plain_shape = shape(&process_query("plain").text);
    let (mut checked, mut left_out) = (0, 0);
    for text in &inputs {
        let query = process_query(text);
        let unwritable = text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
        if unwritable {
            assert!(
                query.exclusions[..2]
                    .iter()
                    .all(|u| matches!(&u.state, ExclusionState::Omitted { reason } if reason.contains("control character"))),
                "input {text:?} should be left out\n{}",
                query.text
            );
            common::parse(&query.text).unwrap_or_else(|e| panic!("{text:?}: {e}\n{}", query.text));
            left_out += 1;
            continue;
        }
        let parsed = common::parse(&query.text)
            .unwrap_or_else(|e| panic!("input {text:?}: {e}\n{}", query.text));
        assert_eq!(
            shape(&query.text),
            plain_shape,
            "input {text:?} changed the query\n{}",
            query.text
        );
        let lower = text.to_lowercase();
        let literals =
            ioc_conformance::LiteralDecoder::literals(&common::EsqlLiterals, &query.text).unwrap();
        if !lower.is_empty() {
            let found = literals.iter().filter(|l| **l == lower).count();
            assert_eq!(
                found, 2,
                "input {text:?} not read back: {literals:?}\n{}",
                query.text
            );
            let events = [
                event("by-command-line", text, "explorer.exe"),
                event("by-parent", "", text),
                event("kept", "", ""),
            ];
            let kept = common::run(&parsed, &events).unwrap();
            assert_eq!(kept, ["kept"], "input {text:?}\n{}", query.text);
            checked += 1;
        }
    }
    // Control characters are common in the generator's output, so both paths are exercised.
    assert!(
        checked > CASES / 2 && left_out > CASES / 10,
        "{checked} inputs checked in full, {left_out} left out"
    );
}
