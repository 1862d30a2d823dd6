//! The STIX 2.1 bundle reader.
//!
//! Each `indicator` object is a record, and so is each value its pattern matches: a pattern
//! `[domain-name:value = 'a' OR ipv4-addr:value = 'b']` gives two records at the indicator's
//! `objects[N].pattern` path. A pattern that cannot be reduced to a list of values (see
//! [`pattern::terms`]) is one rejected record naming the indicator's id. Other objects are not
//! records; they lend context: the report's name becomes the title, and the malware an
//! indicator `indicates` becomes its malware.
//!
//! `valid_until` is checked against [`ReadOptions::now`] when it is given, and otherwise against
//! the newest `created` or `modified` time in the bundle: "expired by the time the bundle was
//! last touched". That keeps the output a function of the input alone.
//!
//! [`ReadOptions::now`]: crate::ReadOptions::now

mod pattern;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use ioc_core::{Metadata, Source};

use crate::intake::{Found, Intake};
use crate::json::{self, Probe, Scalar};
use crate::{parse_confidence, parse_date, ReadError};

/// Whether a probed JSON document is a STIX bundle.
pub(crate) fn looks_like(probe: &Probe) -> bool {
    probe.is_object && probe.type_name.as_deref() == Some("bundle")
}

#[derive(Debug, Deserialize)]
struct Bundle<'a> {
    #[serde(borrow, default)]
    objects: Option<Vec<&'a RawValue>>,
}

/// The fields of any STIX object that this reader uses.
#[derive(Debug, Default, Deserialize)]
struct StixObject {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    created: Option<String>,
    modified: Option<String>,
    name: Option<String>,
    revoked: Option<bool>,
    pattern: Option<String>,
    pattern_type: Option<String>,
    valid_from: Option<String>,
    valid_until: Option<String>,
    confidence: Option<Scalar>,
    indicator_types: Option<Vec<String>>,
    labels: Option<Vec<String>>,
    relationship_type: Option<String>,
    source_ref: Option<String>,
    target_ref: Option<String>,
    external_references: Option<Vec<ExternalReference>>,
}

#[derive(Debug, Deserialize)]
struct ExternalReference {
    url: Option<String>,
}

/// Just enough to name an object that did not fit [`StixObject`].
#[derive(Debug, Deserialize)]
struct Skeleton {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
}

/// Reads a STIX 2.1 bundle.
pub(crate) fn read(name: &str, text: &str, intake: &mut Intake<'_>) -> Result<(), ReadError> {
    let bundle: Bundle =
        serde_json::from_str(text).map_err(|e| json::invalid(name, &e, "not a STIX bundle"))?;
    let mut objects = Vec::new();
    // Records follow the document order, whether an object fitted its struct or not.
    let mut order = Vec::new();
    for (i, raw) in bundle.objects.iter().flatten().enumerate() {
        match json::entry::<StixObject>(raw) {
            Ok(object) => {
                order.push(Ok(objects.len()));
                objects.push((i, object));
            }
            Err(e) => order.push(Err((i, *raw, e))),
        }
    }
    let context = Context::of(&objects, intake.options().now.as_deref());
    context.describe(intake);
    for item in order {
        match item {
            Ok(k) => {
                let (i, object) = &objects[k];
                if object.kind == "indicator" {
                    context.indicator(name, &format!("objects[{i}]"), object, intake);
                }
            }
            Err((i, raw, error)) => unreadable(name, &format!("objects[{i}]"), raw, error, intake),
        }
    }
    Ok(())
}

/// An object that does not fit: a rejected record when it is an indicator, else a warning.
fn unreadable(name: &str, path: &str, raw: &RawValue, error: String, intake: &mut Intake<'_>) {
    let skeleton = json::entry::<Skeleton>(raw).ok();
    let kind = skeleton.as_ref().and_then(|s| s.kind.as_deref());
    let id = skeleton
        .as_ref()
        .and_then(|s| s.id.clone())
        .unwrap_or_default();
    if kind == Some("indicator") {
        let found = Found {
            source: Source::path(name, path),
            raw: &id,
            declared: None,
            meta: Metadata::default(),
        };
        intake.reject(found, format!("{id}: cannot read the indicator: {error}"));
    } else {
        intake.warn(
            &Source::path(name, path),
            format!("cannot read the object {id}: {error}"),
        );
    }
}

/// What the bundle says around its indicators.
struct Context<'o> {
    /// The newest `modified` of each id, to skip superseded versions.
    latest: HashMap<&'o str, &'o str>,
    /// Malware names by indicator id, from `indicates` relationships.
    malware_of: HashMap<&'o str, Vec<&'o str>>,
    report: Option<&'o StixObject>,
    family: Option<&'o str>,
    /// The instant `valid_until` is compared with, and where it came from.
    reference: Option<(String, String)>,
}

impl<'o> Context<'o> {
    fn of(objects: &'o [(usize, StixObject)], now: Option<&str>) -> Self {
        let mut latest: HashMap<&str, &str> = HashMap::new();
        let mut names: HashMap<&str, &str> = HashMap::new();
        let mut newest: Option<String> = None;
        let mut families = Vec::new();
        let mut report = None;
        for (_, o) in objects {
            if let (Some(id), Some(modified)) = (&o.id, &o.modified) {
                let entry = latest.entry(id).or_insert(modified);
                if instant(modified) > instant(entry) {
                    *entry = modified;
                }
            }
            for time in [&o.created, &o.modified].into_iter().flatten() {
                match (instant(time), &newest) {
                    (Some(t), Some(n)) if t <= *n => {}
                    (Some(t), _) => newest = Some(t),
                    (None, _) => {}
                }
            }
            if o.kind == "malware" {
                if let (Some(id), Some(name)) = (&o.id, &o.name) {
                    names.insert(id, name);
                    families.push(name.as_str());
                }
            }
            if o.kind == "report" && report.is_none() {
                report = Some(o);
            }
        }
        let mut malware_of: HashMap<&str, Vec<&str>> = HashMap::new();
        for (_, o) in objects {
            if o.kind != "relationship" || o.relationship_type.as_deref() != Some("indicates") {
                continue;
            }
            if let (Some(source), Some(target)) = (&o.source_ref, &o.target_ref) {
                if let Some(name) = names.get(target.as_str()) {
                    malware_of.entry(source).or_default().push(name);
                }
            }
        }
        let reference = match now {
            Some(now) => instant(now).map(|t| (t, format!("--now {now}"))),
            None => newest.map(|t| {
                let shown = t.get(..19).unwrap_or(&t).to_string();
                (t, format!("the newest time in the bundle, {shown}"))
            }),
        };
        Context {
            latest,
            malware_of,
            report,
            // A bundle about one malware names the detection after it; several would make
            // any choice arbitrary.
            family: match families.as_slice() {
                [one] => Some(one),
                _ => None,
            },
            reference,
        }
    }

    fn describe(&self, intake: &mut Intake<'_>) {
        if let Some(report) = self.report {
            if let Some(name) = &report.name {
                intake.builder().set_title(name);
            }
            for reference in report.external_references.iter().flatten() {
                if let Some(url) = &reference.url {
                    intake.builder().add_reference(url);
                }
            }
        }
        if let Some(family) = self.family {
            intake.builder().set_family(family);
        }
    }

    fn indicator(&self, name: &str, path: &str, object: &StixObject, intake: &mut Intake<'_>) {
        let id = object.id.as_deref().unwrap_or("indicator without an id");
        let text = object.pattern.as_deref().unwrap_or_default();
        let source = Source::path(name, format!("{path}.pattern"));
        let whole = Found {
            source: source.clone(),
            raw: text,
            declared: object.pattern_type.as_deref(),
            meta: Metadata::default(),
        };

        if object.revoked == Some(true) {
            return intake.skip(whole, format!("{id} is revoked"));
        }
        if let (Some(modified), Some(latest)) = (
            &object.modified,
            object.id.as_deref().and_then(|id| self.latest.get(id)),
        ) {
            if instant(modified) < instant(latest) {
                let reason = format!("{id} version {modified} is superseded by version {latest}");
                return intake.skip(whole, reason);
            }
        }
        let types = object
            .indicator_types
            .iter()
            .chain(&object.labels)
            .flatten();
        if types.clone().any(|t| t == "benign") {
            return intake.skip(whole, format!("{id} is marked benign"));
        }
        let pattern_type = object.pattern_type.as_deref().unwrap_or("stix");
        if !pattern_type.eq_ignore_ascii_case("stix") {
            let reason =
                format!("{id}: {pattern_type} patterns are not supported, only STIX patterns");
            return intake.reject(whole, reason);
        }
        if object.pattern.is_none() {
            return intake.reject(whole, format!("{id} has no pattern"));
        }
        let terms = match pattern::parse(text) {
            Ok(parsed) => pattern::terms(&parsed),
            Err(e) => return intake.reject(whole, format!("{id}: cannot parse the pattern: {e}")),
        };
        let terms = match terms {
            Ok(terms) => terms,
            Err(why) => {
                return intake.reject(whole, format!("{id}: unsupported pattern: it {why}"))
            }
        };

        self.check_validity(id, object, &source, intake);
        let meta = Metadata {
            first_seen: object
                .valid_from
                .as_deref()
                .and_then(parse_date)
                .map(Arc::from),
            confidence: object
                .confidence
                .as_ref()
                .and_then(|c| parse_confidence(&c.text())),
            tags: types.map(|t| Arc::from(t.as_str())).collect(),
            malware: object
                .id
                .as_deref()
                .and_then(|id| self.malware_of.get(id))
                .and_then(|names| names.first())
                .map(|name| Arc::from(&**name)),
            ..Metadata::default()
        };
        for term in &terms {
            let found = Found {
                source: source.clone(),
                raw: &term.value,
                declared: Some(&term.path),
                meta: meta.clone(),
            };
            intake.hinted(found, term.hint);
        }
    }

    fn check_validity(&self, id: &str, object: &StixObject, source: &Source, intake: &mut Intake) {
        let (Some(until), Some((reference, described))) = (&object.valid_until, &self.reference)
        else {
            return;
        };
        if instant(until).is_some_and(|u| u < *reference) {
            intake.warn(
                source,
                format!(
                    "{id} was valid until {until}, before {described}; its values are still read"
                ),
            );
        }
    }
}

/// A STIX timestamp (or a bare date) as text that sorts in time order:
/// `YYYY-MM-DDTHH:MM:SS.fffffffff`. STIX times are UTC, so no zone is kept.
fn instant(text: &str) -> Option<String> {
    let date = parse_date(text)?;
    let rest = text.trim().get(10..).unwrap_or_default();
    let (time, fraction) = match rest.strip_prefix(['T', 't', ' ']) {
        Some(clock) => {
            let time = clock.get(..8).filter(|t| {
                t.bytes().enumerate().all(|(i, b)| {
                    if i == 2 || i == 5 {
                        b == b':'
                    } else {
                        b.is_ascii_digit()
                    }
                })
            })?;
            let fraction: String = clock
                .get(8..)
                .and_then(|f| f.strip_prefix('.'))
                .map(|f| f.chars().take_while(char::is_ascii_digit).take(9).collect())
                .unwrap_or_default();
            (time, fraction)
        }
        None => ("00:00:00", String::new()),
    };
    Some(format!("{date}T{time}.{fraction:0<9}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReadOptions;
    use ioc_core::{DetectionBuilder, Record, RecordState};

    fn bundle(objects: &str) -> String {
        format!(r#"{{"type": "bundle", "id": "bundle--1", "objects": [{objects}]}}"#)
    }

    fn indicator(id: &str, pattern: &str, extra: &str) -> String {
        format!(
            r#"{{"type": "indicator", "spec_version": "2.1", "id": "indicator--{id}",
                "created": "2026-02-01T00:00:00Z", "modified": "2026-02-01T00:00:00Z",
                "pattern_type": "stix", "pattern": {pattern:?},
                "valid_from": "2026-01-15T08:00:00Z"{extra}}}"#
        )
    }

    fn run(text: &str, options: &ReadOptions) -> (ioc_core::Detection, Vec<Record>) {
        let mut b = DetectionBuilder::new();
        read("b.json", text, &mut Intake::new(&mut b, options)).unwrap();
        b.finish()
    }

    #[test]
    fn each_term_is_a_record_at_the_pattern() {
        let text = bundle(&[
            indicator(
                "a",
                "[domain-name:value = 'c2.example.org' OR ipv4-addr:value = '203.0.113.77']",
                r#", "confidence": 80"#,
            ),
            indicator("b", "[ipv4-addr:value = '203.0.113.77'] FOLLOWEDBY [url:value = 'x']", ""),
            r#"{"type": "malware", "id": "malware--m", "name": "ExampleBot", "is_family": true}"#
                .to_string(),
            r#"{"type": "relationship", "id": "relationship--r", "relationship_type": "indicates",
                "source_ref": "indicator--a", "target_ref": "malware--m"}"#
                .to_string(),
            r#"{"type": "report", "id": "report--r", "name": "Example campaign",
                "external_references": [{"source_name": "x", "url": "https://example.org/r"}]}"#
                .to_string(),
        ]
        .join(","));
        let (d, records) = run(&text, &ReadOptions::default());
        assert_eq!(d.title, "Example campaign");
        assert_eq!(d.family.as_deref(), Some("ExampleBot"));
        assert_eq!(d.references, ["https://example.org/r"]);
        assert_eq!(records.len(), 3);
        assert_eq!(
            records[0].source.path.as_deref(),
            Some("objects[0].pattern")
        );
        assert_eq!(records[1].declared_type.as_deref(), Some("ipv4-addr:value"));
        assert!(matches!(&records[2].state,
            RecordState::Rejected(r) if r.starts_with("indicator--b: unsupported pattern")));
        let domain = d
            .indicators
            .iter()
            .find(|i| i.value.to_string() == "c2.example.org");
        let meta = &domain.unwrap().meta;
        assert_eq!(meta.confidence, Some(80));
        assert_eq!(meta.first_seen.as_deref(), Some("2026-01-15"));
        assert_eq!(meta.malware.as_deref(), Some("ExampleBot"));
    }

    #[test]
    fn expiry_is_measured_against_the_bundle_or_the_given_date() {
        let text = bundle(
            &[
                indicator(
                    "a",
                    "[url:value = 'https://c2.example.net/gate']",
                    r#", "valid_until": "2026-01-20T00:00:00Z""#,
                ),
                indicator("b", "[ipv6-addr:value = '2001:db8::9']", ""),
            ]
            .join(","),
        );
        let (d, _) = run(&text, &ReadOptions::default());
        assert_eq!(d.warnings.len(), 2, "{:?}", d.warnings);
        let expired = "before the newest time in the bundle, 2026-02-01T00:00:00";
        assert!(d.warnings[0].contains(expired), "{:?}", d.warnings);
        let earlier = ReadOptions {
            now: Some("2026-01-19".into()),
            ..ReadOptions::default()
        };
        let (d, _) = run(&text, &earlier);
        // Only the documentation-range address is flagged now.
        assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    }

    #[test]
    fn revoked_superseded_benign_and_foreign_patterns() {
        let newer = indicator("a", "[domain-name:value = 'new.example.com']", "").replace(
            "\"modified\": \"2026-02-01T00:00:00Z\"",
            "\"modified\": \"2026-03-01T00:00:00Z\"",
        );
        let text = bundle(
            &[
                indicator("a", "[domain-name:value = 'old.example.com']", ""),
                newer,
                indicator(
                    "c",
                    "[domain-name:value = 'x.example.com']",
                    r#", "revoked": true"#,
                ),
                indicator(
                    "d",
                    "[domain-name:value = 'y.example.com']",
                    r#", "indicator_types": ["benign"]"#,
                ),
                indicator("e", "alert tcp any any", "").replace("\"stix\"", "\"snort\""),
                indicator("f", "[domain-name:value = 'z.example.com'", ""),
                r#"{"type": "indicator", "id": "indicator--g", "revoked": "maybe"}"#.to_string(),
            ]
            .join(","),
        );
        let (_, records) = run(&text, &ReadOptions::default());
        let states: Vec<String> = records
            .iter()
            .map(|r| match &r.state {
                RecordState::Skipped(why) | RecordState::Rejected(why) => why.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        assert!(states[0].contains("superseded"), "{}", states[0]);
        assert!(states[1].starts_with("Indicator"), "{}", states[1]);
        assert!(states[2].contains("revoked"));
        assert!(states[3].contains("benign"));
        assert!(states[4].contains("snort patterns are not supported"));
        assert!(
            states[5].contains("cannot parse the pattern: column"),
            "{}",
            states[5]
        );
        assert!(
            states[6].contains("indicator--g: cannot read"),
            "{}",
            states[6]
        );
        assert_eq!(records.len(), 7);
    }

    #[test]
    fn instants_sort_in_time_order() {
        assert!(instant("2015-05-15T09:12:16.432Z") > instant("2015-05-15T09:12:16Z"));
        assert_eq!(
            instant("2026-01-19").unwrap(),
            "2026-01-19T00:00:00.000000000"
        );
        assert!(instant("garbage").is_none());
    }
}
