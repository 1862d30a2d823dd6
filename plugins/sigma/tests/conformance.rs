//! The Sigma backend through the conformance kit: every fixture, the kit's adversarial
//! detections and the shared reports beside the checkout, with a reader for the values of a
//! Sigma rule's detection section decoding the literals.

mod common;

use std::fmt;

use ioc_conformance::{Kit, LiteralDecoder};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A parsed YAML node that keeps its keys in document order, so the literals come back in the
/// order the rule lists them.
enum Node {
    Str(String),
    /// A number, boolean or null: not a string literal.
    Other,
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML node")
    }

    fn visit_str<E>(self, text: &str) -> Result<Node, E> {
        Ok(Node::Str(text.to_string()))
    }

    fn visit_string<E>(self, text: String) -> Result<Node, E> {
        Ok(Node::Str(text))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Node>()? {
            entries.push(entry);
        }
        Ok(Node::Map(entries))
    }
}

impl Node {
    fn describe(&self) -> &'static str {
        match self {
            Node::Str(_) => "a string",
            Node::Other => "a number, boolean or null",
            Node::List(_) => "a list",
            Node::Map(_) => "a map",
        }
    }
}

/// Reads the string values of a rule's `detection` section, as a Sigma converter does: the
/// YAML is parsed first (which undoes YAML's own quoting), then each value is read by the
/// rules specification.
///
/// - "String Wildcard" and "Escape Character": an unescaped `*` or `?` is a wildcard, so a value
///   comes back as the runs between its wildcards; `\*`, `\?` and `\\` stand for the character
///   itself, and a backslash before anything else stands for itself.
/// - The `re` modifier makes the value a regular expression and `cidr` a network: neither has
///   wildcards, so both come back as written.
/// - Strings compare without case unless the `cased` modifier says otherwise ("General"), so a
///   value also stands for its lower-case form, and both are returned.
///
/// The metadata (title, description, false positives) is not matching logic, and the
/// `condition` names search identifiers; neither holds literals. Numbers (ports) are not
/// strings.
struct SigmaLiterals;

impl LiteralDecoder for SigmaLiterals {
    fn literals(&self, query_text: &str) -> Result<Vec<String>, String> {
        let rule: Node =
            serde_saphyr::from_str(query_text).map_err(|e| format!("not YAML: {e}"))?;
        let Node::Map(attributes) = rule else {
            return Err(format!("the rule is {}, not a map", rule.describe()));
        };
        let Some((_, Node::Map(detection))) = attributes.iter().find(|(k, _)| k == "detection")
        else {
            return Err("the rule has no detection map".to_string());
        };
        let mut out = Vec::new();
        for (name, search) in detection {
            if name != "condition" {
                search_values(name, search, &mut out)?;
            }
        }
        Ok(out)
    }
}

/// The values of one search identifier: a map of fields, a list of such maps (any of them), or
/// a list of keywords.
fn search_values(name: &str, search: &Node, out: &mut Vec<String>) -> Result<(), String> {
    match search {
        Node::Map(fields) => fields
            .iter()
            .try_for_each(|(key, value)| field_values(key, value, out)),
        Node::List(items) => items.iter().try_for_each(|item| match item {
            Node::Str(keyword) => {
                read_value(keyword, &[], out);
                Ok(())
            }
            other => search_values(name, other, out),
        }),
        other => Err(format!("search identifier {name} is {}", other.describe())),
    }
}

/// The values of `field|modifier|...`: one value, or a list of them.
fn field_values(key: &str, value: &Node, out: &mut Vec<String>) -> Result<(), String> {
    let modifiers: Vec<&str> = key.split('|').skip(1).collect();
    match value {
        Node::Str(text) => {
            read_value(text, &modifiers, out);
            Ok(())
        }
        Node::Other => Ok(()),
        Node::List(items) => items
            .iter()
            .try_for_each(|item| field_values(key, item, out)),
        Node::Map(_) => Err(format!("{key} has a map for a value")),
    }
}

fn read_value(text: &str, modifiers: &[&str], out: &mut Vec<String>) {
    let runs = if modifiers.iter().any(|m| *m == "re" || *m == "cidr") {
        vec![text.to_string()]
    } else {
        unescape(text)
    };
    let cased = modifiers.contains(&"cased");
    for run in runs {
        let lower = run.to_lowercase();
        if !cased && lower != run {
            out.push(lower);
        }
        out.push(run);
    }
}

/// A Sigma string as the runs of literal text between its wildcards, escapes undone.
fn unescape(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => runs.push(std::mem::take(&mut run)),
            '\\' => match chars.peek() {
                Some(&next @ ('*' | '?' | '\\')) => {
                    run.push(next);
                    chars.next();
                }
                _ => run.push('\\'),
            },
            c => run.push(c),
        }
    }
    runs.push(run);
    runs.retain(|r| !r.is_empty());
    runs
}

#[test]
fn the_decoder_reads_sigma_escapes_and_wildcards() {
    let rule = "---\ntitle: 'a * title'\ndetection:\n    selection:\n        \
                c-uri: \"https://a.example/x\\\\?y=\\\\*\"\n        \
                Image|endswith: \"\\\\a\\\\\\\\b\"\n    filter_x1:\n        \
                - CommandLine|contains: 'run*now'\n        \
                - Image|re|i: '.*\\.exe'\n        \
                - Hashes|contains: 'MD5=AB'\n        \
                - DestinationPort: 443\n    condition: 'selection and not 1 of filter_*'";
    let literals = SigmaLiterals.literals(rule).unwrap();
    assert_eq!(
        literals,
        [
            "https://a.example/x?y=*",
            "\\a\\b",
            "run",
            "now",
            ".*\\.exe",
            "md5=ab",
            "MD5=AB",
        ]
    );
    assert!(SigmaLiterals.literals("---\ntitle: x").is_err());
    assert!(SigmaLiterals.literals("detection: [").is_err());
}

#[test]
fn sigma_conforms() {
    let mut kit = Kit::new(&ioc_backend_sigma::Sigma, &SigmaLiterals);
    for (name, text) in common::shared_reports() {
        kit = kit.input(&name, &text);
    }
    let report = kit.check();
    assert!(report.queries >= 500 && report.values >= 5000, "{report:?}");
}
