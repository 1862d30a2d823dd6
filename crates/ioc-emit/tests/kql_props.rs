//! Property test: no value breaks out of a KQL string literal or comment.
//!
//! Arbitrary Unicode strings (biased towards quotes, backslashes, line breaks, the Unicode
//! separators and comment markers; see `common::hostile`) go in as the path of a URL indicator,
//! a file name indicator, exclusion values, and the title, family, source name and prose
//! exclusion. Microsoft's parser then reads every query back in one batch: it must report no
//! error, every value must decode from a literal exactly, and the token shape must equal the
//! shape of the same query built from the twin text, so nothing in the text changed the query.

mod common;

use std::collections::HashMap;

use common::hostile::{self, Places};
use ioc_core::{find_backend, EmitOptions, ExclusionMode};

/// The tables whose queries are parsed: between them they hold every value and every
/// comment (the URL in the first, the file name in the second, both exclusions in both), and
/// parsing the other tables' queries too would triple the time for no new literal.
const CHECKED: [&str; 2] = ["DeviceNetworkEvents", "DeviceFileEvents"];

#[test]
fn kql_literals_and_comments_hold_any_text() {
    let kql = find_backend("kql").unwrap();
    let options = EmitOptions {
        exclusions: ExclusionMode::Apply,
        ..EmitOptions::default()
    };
    let inputs = hostile::inputs();

    // Every query of every input, then each distinct twin query once: twins repeat.
    let mut batch: Vec<(String, String)> = Vec::new();
    let mut twin_ids: HashMap<String, usize> = HashMap::new();
    // (input, expected values, [(query in batch, its twin in batch)])
    let mut cases = Vec::new();
    for (n, text) in inputs.iter().enumerate() {
        let places = Places::of(text);
        let detection = hostile::detection(&places);
        let emission = kql.emit(&detection, &options).unwrap();
        let plain = kql
            .emit(&hostile::detection(&places.twin()), &options)
            .unwrap();
        assert_eq!(emission.queries.len(), plain.queries.len(), "{text:?}");
        let mut pairs = Vec::new();
        for (query, twin) in emission.queries.iter().zip(&plain.queries) {
            if !CHECKED.contains(&query.target.as_str()) {
                continue;
            }
            let id = batch.len();
            batch.push((id.to_string(), query.text.clone()));
            let twin_id = *twin_ids.entry(twin.text.clone()).or_insert_with(|| {
                batch.push((batch.len().to_string(), twin.text.clone()));
                batch.len() - 1
            });
            pairs.push((id, twin_id));
        }
        cases.push((n, hostile::expected_values(&detection, &places), pairs));
    }

    let results = common::kusto_check(&["sentinel"], &batch, true);
    for (n, values, pairs) in cases {
        let text = &inputs[n];
        let mut literals: Vec<&str> = Vec::new();
        for (id, twin_id) in pairs {
            let (result, query) = (&results[id], &batch[id].1);
            assert_eq!(result["id"], id.to_string());
            assert_eq!(
                result["ok"], true,
                "input {text:?}: {}\n{query}",
                result["diagnostics"]
            );
            assert_eq!(
                result["shape"], results[twin_id]["shape"],
                "input {text:?} changed the query\n{query}\n--- twin:\n{}",
                batch[twin_id].1
            );
            literals.extend(
                result["literals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap()),
            );
        }
        for value in &values {
            assert!(
                literals.contains(&value.as_str()),
                "input {text:?}: {value:?} not read back: {literals:?}"
            );
        }
    }
}
