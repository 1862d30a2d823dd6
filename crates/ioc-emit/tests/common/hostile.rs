//! Hostile text for the property tests of every backend: the strategy that makes it, and the
//! detection that carries it into every place a backend writes outside text.
//!
//! The KQL, SPL and Sigma property tests include this file (the plugins by `#[path]`), so each
//! backend is tried on the same inputs from the same seed.
//!
//! One text goes in as an indicator (the path of a URL and a file name), as exclusion values
//! (`contains` and `=`), and as the title, family, source name, scenario and prose exclusion.
//! A test compares the query it gets with the query for a *twin*: a plain text that takes the
//! same branches in a backend (a wildcard, a letter whose case matters, a character no literal
//! may hold), so that any other difference in structure is the text leaking out of its literal.

#![allow(dead_code)]

use ioc_core::exclusion::Exclusion;
use ioc_core::text::single_line;
use ioc_core::{
    Detection, DetectionBuilder, ExclusionKind, Expr, Field, Indicator, IndicatorKind,
    IndicatorValue, Metadata, Op, Source,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Cases per backend, as the issue asks.
pub const CASES: usize = 1000;

/// The host and first path segment of every URL indicator; the hostile text is the rest of its
/// path. The segment keeps an empty text from making the root URL, which every backend also
/// matches without its slash, and so has a shape no other text gives.
pub const URL_PREFIX: &str = "http://prop.example/p/";

/// Strings biased towards what breaks literals and comments: quotes, backslashes, line breaks
/// and the Unicode separators, backticks, wildcards, pipes and comment markers, mixed with any
/// character at all.
pub fn tricky() -> impl Strategy<Value = String> {
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
        Just('*'),
        Just('?'),
        Just('#'),
        Just(':'),
        Just('-'),
        Just('\u{2028}'),
        Just('\u{2029}'),
        Just('\u{85}'),
        Just('\u{0}'),
        Just('\u{1b}'),
        Just('\u{feff}'),
        Just('é'),
        Just('😀'),
    ];
    let ch = prop_oneof![3 => special, 2 => any::<char>()];
    // Runs of markers that close comments or start documents, spliced in whole.
    let marker = prop_oneof![
        Just("```"),
        Just("\n| "),
        Just("//"),
        Just("*/"),
        Just("\n---\n"),
        Just("': "),
        Just("\" "),
        Just("\\\""),
        Just("\n#"),
    ];
    let piece = prop_oneof![
        4 => ch.prop_map(String::from),
        1 => marker.prop_map(String::from),
    ];
    prop_oneof![
        3 => prop::collection::vec(piece, 0..24).prop_map(|v| v.concat()),
        1 => any::<String>(),
    ]
}

/// `"plain"` followed by [`CASES`] generated texts, the same on every run.
pub fn inputs() -> Vec<String> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = tricky();
    let mut inputs = vec!["plain".to_string()];
    while inputs.len() <= CASES {
        inputs.push(strategy.new_tree(&mut runner).unwrap().current());
    }
    inputs
}

/// Where one text goes in a detection. Tests fill every place with the same text, or with its
/// twins.
#[derive(Debug, Clone)]
pub struct Places {
    /// Title, family, source name, scenario and prose exclusion.
    pub comment: String,
    /// The exclusion values.
    pub value: String,
    /// The path of a URL indicator, after [`URL_PREFIX`].
    pub path: String,
    /// A file name indicator.
    pub file: String,
}

impl Places {
    /// `text` in every place, as far as each place accepts it: a URL path holds no white space
    /// or control character, and a file name no separator or control character. A URL path
    /// also drops `#`: a fragment makes every backend add the fragment-less form of the URL,
    /// a second match whose shape depends on what follows the `#`, not on escaping.
    pub fn of(text: &str) -> Places {
        Places {
            comment: text.to_string(),
            value: text.to_string(),
            path: text
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control() && *c != '#')
                .collect(),
            file: file_name(text),
        }
    }

    /// The twin of every place.
    pub fn twin(&self) -> Places {
        Places {
            comment: twin_comment(&self.comment),
            value: twin(&self.value),
            path: twin(&self.path),
            file: twin(&self.file),
        }
    }
}

fn file_name(text: &str) -> String {
    let name: String = text
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .collect();
    let name = name.trim();
    if name.is_empty() {
        "x".to_string()
    } else {
        name.to_string()
    }
}

/// A plain text that takes the same branches as `text` in every backend: an ASCII letter (KQL
/// and SPL compare a URL path with case only when it has one), another letter, a wildcard (`*`
/// in SPL and Sigma, `?` in Sigma), a backtick, a control character and a Unicode line
/// separator (SPL writes those through a regular expression). Framed by `0` so that it has no
/// white space to trim.
pub fn twin(text: &str) -> String {
    let has = |test: &dyn Fn(char) -> bool| text.chars().any(test);
    let mut out = String::from("0");
    let classes: [(&dyn Fn(char) -> bool, char); 7] = [
        (&|c: char| c.is_ascii_alphabetic(), 'a'),
        (&|c: char| c.is_alphabetic() && !c.is_ascii(), 'é'),
        (&|c: char| c == '*', '*'),
        (&|c: char| c == '?', '?'),
        (&|c: char| c == '`', '`'),
        (&|c: char| c.is_control(), '\t'),
        (&|c: char| matches!(c, '\u{2028}' | '\u{2029}'), '\u{2028}'),
    ];
    for (test, stand_in) in classes {
        if has(test) {
            out.push(stand_in);
        }
    }
    out.push('0');
    out
}

/// Comment text only matters by whether anything is left of it on one line.
fn twin_comment(text: &str) -> String {
    if single_line(text).trim().is_empty() {
        text.to_string()
    } else {
        "plain".to_string()
    }
}

/// A detection with a domain, the URL and file name of `places` (where they are valid
/// indicators), the exclusions `process.command_line contains VALUE`, `process.name = VALUE`
/// and a prose one, and the comment text as title, family and source name.
pub fn detection(places: &Places) -> Detection {
    let mut builder = DetectionBuilder::new();
    let mut line = 0;
    let mut add = |kind: IndicatorKind, text: &str| {
        line += 1;
        if let Ok(value) = IndicatorValue::parse(kind.into(), text) {
            let indicator = Indicator {
                value,
                original: text.into(),
                source: Source::line("p.md", line),
                meta: Metadata::default(),
            };
            builder.accept(indicator, None);
        }
    };
    add(IndicatorKind::Domain, "prop.example");
    add(IndicatorKind::Url, &format!("{URL_PREFIX}{}", places.path));
    add(IndicatorKind::FileName, &places.file);
    let (mut detection, _) = builder.finish();

    let text = &places.comment;
    detection.title = text.clone();
    detection.family = Some(text.clone());
    detection.sources = vec![text.clone()];
    let cmp = |field, op, source: u32| Exclusion {
        id: format!("x{source}"),
        text: text.clone(),
        scenario: Some(text.clone()),
        source: Source::line("p.md", 100 + source),
        kind: ExclusionKind::Structured {
            expr: Expr::Cmp {
                field,
                op,
                values: vec![places.value.clone()],
            },
        },
    };
    detection.exclusions = vec![
        cmp(Field::ProcessCommandLine, Op::Contains, 1),
        cmp(Field::ProcessName, Op::Eq, 2),
        Exclusion {
            id: "x3".to_string(),
            text: text.clone(),
            scenario: None,
            source: Source::line("p.md", 103),
            kind: ExclusionKind::Prose,
        },
    ];
    detection
}

/// The values a backend must write into literals for `detection`: the exclusion value and the
/// canonical text of every indicator.
pub fn expected_values(detection: &Detection, places: &Places) -> Vec<String> {
    let mut values = vec![places.value.clone()];
    values.extend(detection.indicators.iter().map(|i| i.value.to_string()));
    values
}
