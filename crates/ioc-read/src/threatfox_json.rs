//! The ThreatFox JSON reader.
//!
//! Three shapes carry the same entries. The API's `get_iocs` answer has a `data` array; the
//! JSON export is an object keyed by IOC id whose values are arrays of one entry (or the entry
//! itself); feeds re-published from either often keep an `iocs` array with shorter field
//! names. Field names also drifted between API versions (`ioc` or `ioc_value`, `first_seen` or
//! `first_seen_utc`, tags as an array or a comma-separated string), so every spelling is read.

use serde::Deserialize;
use serde_json::value::RawValue;

use ioc_core::{MetaField, Metadata, Source};

use crate::intake::{Found, Intake};
use crate::json::{self, key_path, Members, Probe, Scalar, Shape, TagList};
use crate::{parse_confidence, parse_date, ReadError};

/// Whether a probed JSON document is ThreatFox output.
pub(crate) fn looks_like(probe: &Probe) -> bool {
    if probe.is_object {
        let by_id = !probe.keys.is_empty()
            && probe
                .keys
                .iter()
                .all(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()));
        return probe.has("data") || probe.has("iocs") || probe.has("query_status") || by_id;
    }
    probe
        .first
        .as_deref()
        .is_some_and(|first| first.has("ioc") || first.has("ioc_value"))
}

/// One IOC entry, in any of the spellings ThreatFox has used.
#[derive(Debug, Default, Deserialize)]
struct Entry {
    ioc: Option<String>,
    ioc_value: Option<String>,
    ioc_type: Option<String>,
    #[serde(rename = "type")]
    short_type: Option<String>,
    threat_type: Option<String>,
    malware: Option<String>,
    malware_printable: Option<String>,
    first_seen: Option<String>,
    first_seen_utc: Option<String>,
    confidence_level: Option<Scalar>,
    confidence: Option<Scalar>,
    reference: Option<String>,
    tags: Option<TagList>,
}

/// Reads a ThreatFox JSON document.
pub(crate) fn read(name: &str, text: &str, intake: &mut Intake<'_>) -> Result<(), ReadError> {
    let shape = Shape::of(text).map_err(|e| json::invalid(name, &e, "not valid JSON"))?;
    let mut reader = Reader {
        name,
        families: Families::default(),
    };
    match shape {
        Shape::Array(entries) => reader.read_list("", &entries, intake),
        Shape::Object(members) => reader.read_object(&members, intake)?,
        Shape::Other => {
            return Err(ReadError::new(
                Source::line(name, 1),
                "expected a JSON object or array of ThreatFox entries",
            ))
        }
    }
    reader.families.name_detection(intake);
    Ok(())
}

/// The malware families a feed names, to name the detection after when there is just one.
#[derive(Debug, Default)]
pub(crate) struct Families(Vec<Family>);

/// One family, by its Malpedia id (`win.cobalt_strike`), its printable name (`Cobalt Strike`),
/// or both: entries that give only one of the two still name the same family.
#[derive(Debug)]
struct Family {
    id: Option<String>,
    printable: Option<String>,
}

impl Families {
    /// Notes a family by its printable name; ThreatFox's "Unknown malware" and its kin name
    /// nothing.
    pub fn note(&mut self, family: &str) {
        self.note_entry(None, Some(family));
    }

    /// Notes a family by its Malpedia id, its printable name, or both.
    pub fn note_entry(&mut self, id: Option<&str>, printable: Option<&str>) {
        let unknown = |name: &str| {
            let lower = name.to_ascii_lowercase();
            lower.starts_with("unknown") || lower.ends_with(".unknown")
        };
        let id = id.filter(|i| !unknown(i));
        let printable = printable.filter(|p| !unknown(p));
        if id.is_none() && printable.is_none() {
            return;
        }
        let mut family = Family {
            id: id.map(str::to_string),
            printable: printable.map(str::to_string),
        };
        // Every family noted so far under either name is this one: an entry with both names
        // joins an id-only and a printable-only family met earlier, in whichever order.
        let mut kept = Vec::with_capacity(self.0.len());
        for known in std::mem::take(&mut self.0) {
            let same = (known.id.is_some() && known.id == family.id)
                || (known.printable.is_some() && known.printable == family.printable);
            if same {
                family.id = family.id.or(known.id);
                family.printable = family.printable.or(known.printable);
            } else {
                kept.push(known);
            }
        }
        kept.push(family);
        self.0 = kept;
    }

    /// A feed about one family names the detection after it; a mixed feed names nothing,
    /// rather than the first family it happened to list.
    pub fn name_detection(&self, intake: &mut Intake<'_>) {
        if let [family] = self.0.as_slice() {
            if let Some(name) = family.printable.as_deref().or(family.id.as_deref()) {
                intake.builder().set_family(name);
            }
        }
    }
}

struct Reader<'n> {
    name: &'n str,
    families: Families,
}

impl Reader<'_> {
    fn read_object(
        &mut self,
        members: &Members<'_>,
        intake: &mut Intake<'_>,
    ) -> Result<(), ReadError> {
        if let Some(data) = members.get("data") {
            return self.read_api(members, data, intake);
        }
        if let Some(status) = members.get("query_status") {
            // An API answer without data: a refused or empty query, not an export.
            let status = json::entry::<String>(status).unwrap_or_default();
            intake.warn(
                &self.at("query_status"),
                format!("ThreatFox answered {status:?} with no data"),
            );
            return Ok(());
        }
        if let Some(iocs) = members.get("iocs") {
            let entries: Vec<&RawValue> = json::entry(iocs)
                .map_err(|e| ReadError::new(self.at("iocs"), format!("iocs: {e}")))?;
            self.read_list("iocs", &entries, intake);
            self.check_count(members, entries.len(), intake);
            return Ok(());
        }
        // The export: `{"<id>": [entry], ...}`.
        for (id, value) in &members.0 {
            let path = key_path("", id);
            match value.get().trim_start().as_bytes().first() {
                Some(b'[') => match json::entry::<Vec<&RawValue>>(value) {
                    Ok(entries) => self.read_list(&path, &entries, intake),
                    Err(e) => self.reject(intake, &path, value.get(), e),
                },
                Some(b'{') => self.read_entry(&path, value, intake),
                _ => self.reject(intake, &path, value.get(), "expected a ThreatFox entry"),
            }
        }
        Ok(())
    }

    /// The API answer: `{"query_status": "ok", "data": [...]}`. A query without results has a
    /// message in `data` instead of an array.
    fn read_api(
        &mut self,
        members: &Members<'_>,
        data: &RawValue,
        intake: &mut Intake<'_>,
    ) -> Result<(), ReadError> {
        match json::entry::<Vec<&RawValue>>(data) {
            Ok(entries) => {
                self.read_list("data", &entries, intake);
                Ok(())
            }
            Err(_) => {
                let status = members
                    .get("query_status")
                    .and_then(|s| json::entry::<String>(s).ok())
                    .unwrap_or_default();
                let message = json::entry::<String>(data).unwrap_or_default();
                intake.warn(
                    &self.at("data"),
                    format!("ThreatFox answered {status:?} with no entries: {message}"),
                );
                Ok(())
            }
        }
    }

    fn check_count(&self, members: &Members<'_>, found: usize, intake: &mut Intake<'_>) {
        let stated = members
            .get("count")
            .and_then(|c| json::entry::<u64>(c).ok());
        if let Some(stated) = stated {
            if usize::try_from(stated).ok() != Some(found) {
                intake.warn(
                    &self.at("count"),
                    format!("the feed states {stated} IOCs but its iocs array has {found}"),
                );
            }
        }
    }

    fn read_list(&mut self, parent: &str, entries: &[&RawValue], intake: &mut Intake<'_>) {
        for (i, raw) in entries.iter().enumerate() {
            self.read_entry(&format!("{parent}[{i}]"), raw, intake);
        }
    }

    fn read_entry(&mut self, path: &str, raw: &RawValue, intake: &mut Intake<'_>) {
        let entry: Entry = match json::entry(raw) {
            Ok(entry) => entry,
            Err(e) => return self.reject(intake, path, raw.get(), e),
        };
        let (field, value) = match (&entry.ioc_value, &entry.ioc) {
            (Some(v), _) => ("ioc_value", v.as_str()),
            (None, Some(v)) => ("ioc", v.as_str()),
            (None, None) => {
                return self.reject(
                    intake,
                    path,
                    raw.get(),
                    "the entry has neither an ioc nor an ioc_value field",
                )
            }
        };
        let source = self.at(&format!("{path}.{field}"));
        let declared = entry.ioc_type.as_deref().or(entry.short_type.as_deref());
        let meta = self.metadata(&entry, intake);
        let found = Found {
            source,
            raw: value,
            declared,
            meta,
        };
        intake.declared(found);
    }

    fn metadata(&mut self, entry: &Entry, intake: &mut Intake<'_>) -> Metadata {
        fn given(field: &Option<String>) -> Option<&str> {
            field.as_deref().map(str::trim).filter(|m| !m.is_empty())
        }
        self.families
            .note_entry(given(&entry.malware), given(&entry.malware_printable));
        let malware = given(&entry.malware_printable).or(given(&entry.malware));
        Metadata {
            threat_type: entry
                .threat_type
                .as_deref()
                .filter(|t| !t.is_empty())
                .map(|t| intake.text(MetaField::ThreatType, t)),
            first_seen: entry
                .first_seen_utc
                .as_deref()
                .or(entry.first_seen.as_deref())
                .and_then(parse_date)
                .map(|d| intake.text(MetaField::FirstSeen, d)),
            confidence: entry
                .confidence_level
                .as_ref()
                .or(entry.confidence.as_ref())
                .and_then(|c| parse_confidence(&c.text())),
            tags: entry
                .tags
                .clone()
                .map(TagList::into_tags)
                .unwrap_or_default()
                .iter()
                .map(|t| intake.text(MetaField::Tag, t))
                .collect(),
            malware: malware.map(|m| intake.text(MetaField::Malware, m)),
            reference: entry
                .reference
                .as_deref()
                .filter(|r| !r.is_empty())
                .map(|r| intake.text(MetaField::Reference, r)),
        }
    }

    fn at(&self, path: &str) -> Source {
        Source::path(self.name, path)
    }

    fn reject(&self, intake: &mut Intake<'_>, path: &str, raw: &str, reason: impl Into<String>) {
        let found = Found {
            source: self.at(path),
            raw: raw.trim(),
            declared: None,
            meta: Metadata::default(),
        };
        intake.reject(found, reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReadOptions;
    use ioc_core::{DetectionBuilder, RecordState};

    fn run(text: &str) -> (ioc_core::Detection, Vec<ioc_core::Record>) {
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        read("tf.json", text, &mut Intake::new(&mut b, &options)).unwrap();
        b.finish()
    }

    #[test]
    fn api_answer_in_either_spelling() {
        let text = r#"{"query_status": "ok", "data": [
            {"ioc_value": "198.51.100.23:4444", "ioc_type": "ip:port", "threat_type": "botnet_cc",
             "malware_printable": "ExampleRAT", "first_seen_utc": "2026-01-05 10:00:00",
             "confidence_level": 75, "tags": "rat,c2"},
            {"ioc": "c2.example.net", "ioc_type": "domain", "malware_printable": "ExampleRAT",
             "first_seen": "2026-01-06 11:00:00 UTC", "confidence_level": "90",
             "tags": ["rat", "dns"], "reference": "https://example.org/post"},
            {"ioc_type": "domain"},
            "not an entry"
        ]}"#;
        let (d, records) = run(text);
        assert_eq!(d.family.as_deref(), Some("ExampleRAT"));
        let port = &d.indicators[0];
        assert_eq!(port.value.to_string(), "198.51.100.23:4444");
        assert_eq!(port.source, Source::path("tf.json", "data[0].ioc_value"));
        assert_eq!(port.meta.first_seen.as_deref(), Some("2026-01-05"));
        assert_eq!(crate::tag_texts(&port.meta), ["rat", "c2"]);
        let domain = &d.indicators[1];
        assert_eq!(domain.source, Source::path("tf.json", "data[1].ioc"));
        assert_eq!(domain.meta.confidence, Some(90));
        assert_eq!(crate::tag_texts(&domain.meta), ["rat", "dns"]);
        assert_eq!(records.len(), 4);
        assert_eq!(records[2].source, Source::path("tf.json", "data[2]"));
        assert!(matches!(&records[2].state, RecordState::Rejected(r) if r.contains("neither")));
        assert!(matches!(&records[3].state, RecordState::Rejected(_)));
    }

    /// A confidence written as a JSON number reads as the same text would: 1.0 is the fraction
    /// 100%, 1 is 1%.
    #[test]
    fn a_fractional_confidence_of_one_is_a_hundred() {
        let confidence = |c: &str| {
            let text = format!(
                r#"{{"data": [{{"ioc": "a.example", "ioc_type": "domain", "confidence_level": {c}}}]}}"#
            );
            run(&text).0.indicators[0].meta.confidence
        };
        assert_eq!(confidence("1.0"), Some(100));
        assert_eq!(confidence("0.99"), Some(99));
        assert_eq!(confidence("1"), Some(1));
        assert_eq!(confidence("75"), Some(75));
        assert_eq!(confidence("75.0"), Some(75));
        assert_eq!(confidence("100.0"), Some(100));
        assert_eq!(confidence("\"1.0\""), Some(100));
    }

    /// An entry that gives only the Malpedia id, or only the printable name, names the same
    /// family as entries that give both; two families name none.
    #[test]
    fn a_family_is_one_family_by_either_of_its_names() {
        let entry =
            |ioc: &str, names: &str| format!(r#"{{"ioc": "{ioc}", "ioc_type": "domain"{names}}}"#);
        let feed = |entries: &[String]| format!(r#"{{"data": [{}]}}"#, entries.join(","));
        let both = r#", "malware": "win.cobalt_strike", "malware_printable": "Cobalt Strike""#;
        let id = r#", "malware": "win.cobalt_strike""#;
        let printable = r#", "malware_printable": "Cobalt Strike""#;
        let (d, _) = run(&feed(&[
            entry("a.example", id),
            entry("b.example", both),
            entry("c.example", printable),
        ]));
        assert_eq!(d.family.as_deref(), Some("Cobalt Strike"));
        let (d, _) = run(&feed(&[entry("a.example", id)]));
        assert_eq!(d.family.as_deref(), Some("win.cobalt_strike"));
        // Joined whatever the order: the entry with both names comes last here.
        let (d, _) = run(&feed(&[
            entry("a.example", id),
            entry("c.example", printable),
            entry("b.example", both),
        ]));
        assert_eq!(d.family.as_deref(), Some("Cobalt Strike"));
        let other = r#", "malware": "win.lumma""#;
        let (d, _) = run(&feed(&[
            entry("a.example", both),
            entry("b.example", other),
        ]));
        assert_eq!(d.family, None);
    }

    #[test]
    fn export_keyed_by_id() {
        let text = r#"{
            "1001": [{"ioc_value": "http://203.0.113.5/gate.php", "ioc_type": "url",
                      "malware_printable": "Unknown malware"}],
            "1002": {"ioc_value": "5ff36f2bfed0594959b6274942585334", "ioc_type": "md5_hash"}
        }"#;
        let (d, records) = run(text);
        assert_eq!(d.family, None);
        assert_eq!(records.len(), 2);
        let sources: Vec<String> = d.indicators.iter().map(|i| i.source.to_string()).collect();
        assert_eq!(
            sources,
            [
                "tf.json at [\"1001\"][0].ioc_value",
                "tf.json at [\"1002\"].ioc_value"
            ]
        );
    }

    #[test]
    fn derived_feed_with_short_names_and_defanging() {
        let text = r#"{"count": 3, "iocs": [
            {"ioc": "192.0.2[.]44:8808", "type": "ip:port", "malware": "AsyncRAT",
             "confidence": 100, "first_seen": "2026-08-22 21:05:05 UTC"},
            {"ioc": "32f85cbf0fcd...d4c2", "type": "sha256_hash", "malware": "AsyncRAT"}
        ]}"#;
        let (d, records) = run(text);
        assert_eq!(d.indicators[0].value.to_string(), "192.0.2.44:8808");
        assert_eq!(&*d.indicators[0].original, "192.0.2[.]44:8808");
        assert!(matches!(&records[1].state, RecordState::Rejected(r) if r.contains("shortened")));
        assert!(d.warnings.iter().any(|w| w.contains("states 3 IOCs")));
    }

    #[test]
    fn refused_query_is_a_warning() {
        let (d, records) = run(r#"{"query_status": "illegal_search_term"}"#);
        assert!(records.is_empty());
        assert!(d.warnings[0].contains("illegal_search_term"));
    }

    #[test]
    fn no_result_answer_is_a_warning() {
        let (d, records) = run(
            r#"{"query_status": "no_result", "data": "Your search did not yield any results"}"#,
        );
        assert!(records.is_empty());
        assert!(d.warnings[0].contains("no_result"));
    }
}
