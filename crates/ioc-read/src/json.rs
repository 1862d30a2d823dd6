//! JSON plumbing shared by the ThreatFox, MISP and STIX readers.
//!
//! Documents are read in two steps. The outer structure is deserialised with each entry kept
//! as borrowed raw JSON; each entry is then deserialised into its typed struct on its own. An
//! entry that does not fit its struct becomes one rejected record at its JSON path instead of
//! failing the whole file. [`Probe`] tells the formats apart without building a tree.

use std::fmt;

use ioc_core::Source;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::ReadError;

/// The top-level keys of a JSON object, in document order, each with its value unparsed.
#[derive(Debug, Default)]
pub(crate) struct Members<'a>(pub Vec<(String, &'a RawValue)>);

impl<'a> Members<'a> {
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;

        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: &'de RawValue = map.next_value()?;
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }

        deserializer.deserialize_map(MembersVisitor)
    }
}

/// A JSON value whose outer shape matters: an object's members or an array's elements.
pub(crate) enum Shape<'a> {
    Object(Members<'a>),
    Array(Vec<&'a RawValue>),
    Other,
}

impl<'a> Shape<'a> {
    /// Splits `raw` one level deep. Fails only when `raw` is not JSON at all.
    pub fn of(raw: &'a str) -> Result<Shape<'a>, serde_json::Error> {
        match raw.trim_start().as_bytes().first() {
            Some(b'{') => serde_json::from_str(raw).map(Shape::Object),
            Some(b'[') => serde_json::from_str(raw).map(Shape::Array),
            _ => serde_json::from_str::<IgnoredAny>(raw).map(|_| Shape::Other),
        }
    }
}

/// Deserialises one entry, with an error message that fits after its JSON path.
pub(crate) fn entry<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> Result<T, String> {
    serde_json::from_str(raw.get()).map_err(|e| {
        // serde_json's positions are relative to the entry, which would mislead; the path
        // says where the entry is.
        let message = e.to_string();
        match message.find(" at line ") {
            Some(at) => message[..at].to_string(),
            None => message,
        }
    })
}

/// A string, or a number some producers write instead of a string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    pub fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Int(n) => n.to_string(),
            // Between 0 and 1 the point is kept (`1.0`, not `1`): a confidence of 1.0 is the
            // fraction 100%, where 1 is 1%. Above, a whole number is written as one (75.0 is 75).
            Scalar::Float(f) if (0.0..=1.0).contains(f) => format!("{f:?}"),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }

    /// Reads a boolean written as `true`, `"1"`, `"True"` or `1`.
    pub fn truth(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Int(n) => Some(*n != 0),
            Scalar::Float(_) => None,
            Scalar::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => Some(true),
                "0" | "false" | "no" => Some(false),
                _ => None,
            },
        }
    }
}

/// Tags as an array or as one comma-separated string; both appear in ThreatFox output.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum TagList {
    List(Vec<Option<String>>),
    Text(String),
}

impl TagList {
    pub fn into_tags(self) -> Vec<String> {
        let raw: Vec<String> = match self {
            TagList::List(list) => list.into_iter().flatten().collect(),
            TagList::Text(text) => text.split(',').map(str::to_string).collect(),
        };
        raw.into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// A JSON path segment for an object key: `.key` when the key is a plain name, else
/// `["key"]`.
pub(crate) fn key_path(parent: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match (plain, parent.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{parent}.{key}"),
        (false, _) => format!("{parent}[{key:?}]"),
    }
}

/// What the top of a JSON document looks like, learnt without building a tree.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    pub is_object: bool,
    pub is_array: bool,
    pub keys: Vec<String>,
    /// The string value of a top-level `type` key.
    pub type_name: Option<String>,
    /// The probe of the first element, for arrays.
    pub first: Option<Box<Probe>>,
    /// The probe of the `response` member, which MISP's REST API wraps events in.
    pub response: Option<Box<Probe>>,
}

impl Probe {
    pub fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }
}

impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ProbeVisitor)
    }
}

struct ProbeVisitor;

impl<'de> Visitor<'de> for ProbeVisitor {
    type Value = Probe;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Probe, M::Error> {
        let mut probe = Probe {
            is_object: true,
            ..Probe::default()
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    if let Scalar::Text(name) = map.next_value::<ScalarOrSkip>()?.0 {
                        probe.type_name = Some(name);
                    }
                }
                "response" => probe.response = Some(Box::new(map.next_value()?)),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            // Only the key names matter; a huge object with many keys is an export keyed by
            // id, where a sample of the keys is enough.
            if probe.keys.len() < 64 {
                probe.keys.push(key);
            }
        }
        Ok(probe)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Probe, S::Error> {
        let first = seq.next_element::<Probe>()?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Probe {
            is_array: true,
            first: first.map(Box::new),
            ..Probe::default()
        })
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Probe, E> {
        Ok(Probe::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Probe, E> {
        Ok(Probe::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Probe, E> {
        Ok(Probe::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Probe, E> {
        Ok(Probe::default())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Probe, E> {
        Ok(Probe::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Probe, E> {
        Ok(Probe::default())
    }
}

/// A scalar, or anything else skipped without error.
struct ScalarOrSkip(Scalar);

impl<'de> Deserialize<'de> for ScalarOrSkip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;

        impl<'de> Visitor<'de> for V {
            type Value = ScalarOrSkip;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(ScalarOrSkip(Scalar::Text(s.to_string())))
            }

            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
                Ok(ScalarOrSkip(Scalar::Bool(b)))
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                Ok(ScalarOrSkip(Scalar::Int(n)))
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                Ok(ScalarOrSkip(Scalar::Int(
                    i64::try_from(n).unwrap_or(i64::MAX),
                )))
            }

            fn visit_f64<E: de::Error>(self, f: f64) -> Result<Self::Value, E> {
                Ok(ScalarOrSkip(Scalar::Float(f)))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(ScalarOrSkip(Scalar::Bool(false)))
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(ScalarOrSkip(Scalar::Bool(false)))
            }

            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ScalarOrSkip(Scalar::Bool(false)))
            }
        }

        deserializer.deserialize_any(V)
    }
}

/// Probes `text` if it is a JSON document; `None` when it is not JSON.
pub(crate) fn probe(text: &str) -> Option<Probe> {
    let first = text.trim_start().as_bytes().first()?;
    if !matches!(first, b'{' | b'[') {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// Whether `text` sets out to be a JSON document: it opens an object, or an array whose first
/// element opens like a JSON value. Free text such as `[TLP:CLEAR] ...` does not.
pub(crate) fn looks_like_json(text: &str) -> bool {
    let mut bytes = text.bytes().filter(|b| !b.is_ascii_whitespace());
    match bytes.next() {
        Some(b'{') => true,
        Some(b'[') => matches!(
            bytes.next(),
            None | Some(b'{' | b'[' | b'"' | b']' | b'-' | b'0'..=b'9')
        ),
        _ => false,
    }
}

/// The first syntax error in a document that [`looks_like_json`], if it has one.
pub(crate) fn syntax_error(name: &str, text: &str) -> Option<ReadError> {
    serde_json::from_str::<IgnoredAny>(text)
        .err()
        .map(|e| invalid(name, &e, "not valid JSON"))
}

/// A JSON syntax error at its line and column. A document that stops in the middle (the usual
/// fate of a download or a copy cut short) is said to end early.
pub(crate) fn invalid(name: &str, error: &serde_json::Error, what: &str) -> ReadError {
    let number = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let location = Source::column(name, number(error.line()), number(error.column()));
    // serde_json ends its message with the position, which the location already gives.
    let message = error.to_string();
    let message = match message.find(" at line ") {
        Some(at) => &message[..at],
        None => &message,
    };
    let message = if error.is_eof() {
        format!("{what}: the JSON ends early; is the file cut short? ({message})")
    } else {
        format!("{what}: {message}")
    };
    ReadError::new(location, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_document_order() {
        let m: Members = serde_json::from_str(r#"{"b": [1], "a": {"x": 2}}"#).unwrap();
        let keys: Vec<&str> = m.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(m.get("a").unwrap().get(), r#"{"x": 2}"#);
    }

    #[test]
    fn probe_sees_keys_type_and_first_element() {
        let p = probe(r#"{"type": "bundle", "objects": [{"type": "indicator"}]}"#).unwrap();
        assert_eq!(p.type_name.as_deref(), Some("bundle"));
        assert!(p.has("objects"));
        let p = probe(r#"{"response": [{"Event": {}}]}"#).unwrap();
        assert!(p.response.unwrap().first.unwrap().has("Event"));
        assert!(probe("[not json").is_none());
        assert!(probe("plain text").is_none());
    }

    #[test]
    fn paths_quote_keys_that_are_not_names() {
        assert_eq!(key_path("", "data"), "data");
        assert_eq!(key_path("Event", "Attribute"), "Event.Attribute");
        assert_eq!(key_path("", "1234"), "[\"1234\"]");
    }

    #[test]
    fn tags_split_either_way() {
        let a: TagList = serde_json::from_str(r#"" a, b ,,c""#).unwrap();
        assert_eq!(a.into_tags(), ["a", "b", "c"]);
        let b: TagList = serde_json::from_str(r#"["x", null, "y"]"#).unwrap();
        assert_eq!(b.into_tags(), ["x", "y"]);
    }
}
