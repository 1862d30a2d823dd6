//! The YAML document of one rule: an ordered tree of values, and how it is written.
//!
//! Key order is part of the output (the specification lists the attributes in order, and
//! readers expect `condition` after the search identifiers), so maps keep insertion order.
//! Writing goes through serde-saphyr with every string quoted: the specification asks for
//! single-quoted string values, and a quoted scalar is a string for every reader, YAML 1.1 ones
//! (PyYAML in pySigma) included, so `yes`, `0x1F`, `2026-05-10` or `*x` can never change type.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A value in a rule's detection or metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Int(u64),
    List(Vec<Value>),
    Map(Map),
}

impl Value {
    /// One value as a scalar and several as a list, as the SigmaHQ conventions ask ("single item
    /// lists must be expressed in the same line").
    pub fn one_or_list(mut values: Vec<Value>) -> Value {
        if values.len() == 1 {
            values.pop().expect("one value")
        } else {
            Value::List(values)
        }
    }

    /// How many values this stands for: the items of a list, one for anything else.
    pub fn count(&self) -> usize {
        match self {
            Value::List(items) => items.len(),
            _ => 1,
        }
    }

    pub fn strings<I, S>(values: I) -> Value
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Value::one_or_list(values.into_iter().map(|s| Value::Str(s.into())).collect())
    }
}

/// A map that keeps its keys in insertion order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Map(Vec<(String, Value)>);

impl Map {
    pub fn new() -> Self {
        Map(Vec::new())
    }

    /// The values, in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.0.iter().map(|(_, value)| value)
    }

    /// Adds `key`; returns false, leaving the map as it was, when the key is already there.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) -> bool {
        let key = key.into();
        if self.0.iter().any(|(k, _)| *k == key) {
            return false;
        }
        self.0.push((key, value));
        true
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Str(text) => s.serialize_str(text),
            Value::Int(n) => s.serialize_u64(*n),
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(map) => map.serialize(s),
        }
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Writes `document` as one YAML document that starts with `---`.
///
/// The marker makes any concatenation of rules a valid multi-document stream (the CLI separates
/// queries with a blank line), and a file holding one rule stays a valid single document.
pub fn document<T: Serialize>(document: &T) -> Result<String, String> {
    let options = serde_saphyr::ser_options! {
        indent_step: 4,
        compact_list_indent: false,
        quote_all: true,
        prefer_block_scalars: false,
    };
    let body = serde_saphyr::to_string_with_options(document, options)
        .map_err(|e| format!("cannot write the rule as YAML: {e}"))?;
    Ok(format!("---\n{}", body.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_that_yaml_1_1_would_retype_are_quoted() {
        let tricky = [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "0x1F",
            "*lead",
            "#hash",
            "a: b",
            "0123456789",
            "2026-05-10",
            "null",
            "~",
            "1e5",
            "12:30",
            "- x",
            "? x",
            "@x",
            "%x",
            "!x",
            "&x",
        ];
        let mut map = Map::new();
        map.insert("values", Value::strings(tricky));
        map.insert("DestinationPort", Value::Int(443));
        let text = document(&map).unwrap();
        for value in tricky {
            assert!(
                text.contains(&format!("- '{value}'\n")),
                "{value:?} is not single-quoted in:\n{text}"
            );
        }
        assert!(text.contains("DestinationPort: 443"), "{text}");
        assert!(text.starts_with("---\nvalues:\n    - 'yes'\n"), "{text}");
    }

    #[test]
    fn backslashes_and_quotes_survive() {
        let mut map = Map::new();
        map.insert("Image|endswith", Value::strings([r"\it's.exe"]));
        map.insert("c-uri", Value::strings([r#"https://q.example/a"b\c"#]));
        let text = document(&map).unwrap();
        // A backslash or single quote switches to a double-quoted scalar, where `\\` and `\"`
        // are the YAML escapes for one backslash and one double quote.
        assert!(text.contains(r#"Image|endswith: "\\it's.exe""#), "{text}");
        assert!(
            text.contains(r#"c-uri: "https://q.example/a\"b\\c""#),
            "{text}"
        );
    }

    #[test]
    fn a_key_is_kept_once() {
        let mut map = Map::new();
        assert!(map.insert("a", Value::Int(1)));
        assert!(!map.insert("a", Value::Int(2)));
        assert_eq!(map, {
            let mut one = Map::new();
            one.insert("a", Value::Int(1));
            one
        });
    }
}
