//! The MISP event reader.
//!
//! Reads `Event.Attribute` and the attributes of every `Event.Object`, from a bare event, the
//! REST API's `{"response": [{"Event": ...}]}` or an array of events. Each attribute is one
//! record, except composite ones (`domain|ip`, `filename|sha256`, ...), which give one record
//! per indicator they hold, all at the attribute's path. Attributes MISP marks `to_ids: false`
//! are not meant for detection and are skipped; context (links, comments, text) is skipped;
//! real indicators that ioc-emit cannot hunt (registry keys, YARA rules) are rejected, so that
//! the user sees they were dropped. An event fetched with decay scores carries a `decay_score`
//! on each attribute; one that every decaying model calls decayed is skipped, as MISP's own
//! `excludeDecayed` search leaves it out.

use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Arc;

use ioc_core::{IndicatorKind, KindHint, Metadata, Source};

use crate::intake::{Found, Intake};
use crate::json::{self, Probe, Scalar, Shape};
use crate::{parse_date, ReadError};

/// Whether a probed JSON document holds MISP events.
pub(crate) fn looks_like(probe: &Probe) -> bool {
    let event_array = |p: &Probe| p.first.as_deref().is_some_and(|f| f.has("Event"));
    probe.has("Event")
        || probe.response.as_deref().is_some_and(event_array)
        || (probe.is_array && event_array(probe))
}

#[derive(Debug, Deserialize)]
struct Wrapper<'a> {
    #[serde(rename = "Event", borrow)]
    event: &'a RawValue,
}

#[derive(Debug, Deserialize)]
struct Event<'a> {
    info: Option<String>,
    date: Option<Arc<str>>,
    #[serde(rename = "Attribute", borrow, default)]
    attributes: Option<Vec<&'a RawValue>>,
    #[serde(rename = "Object", borrow, default)]
    objects: Option<Vec<&'a RawValue>>,
    #[serde(rename = "Tag", default)]
    tags: Option<Vec<Tag>>,
}

#[derive(Debug, Deserialize)]
struct Object<'a> {
    #[serde(rename = "Attribute", borrow, default)]
    attributes: Option<Vec<&'a RawValue>>,
}

#[derive(Debug, Deserialize)]
struct Tag {
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Attribute {
    #[serde(rename = "type")]
    kind: String,
    value: Scalar,
    to_ids: Option<Scalar>,
    deleted: Option<Scalar>,
    first_seen: Option<String>,
    #[serde(rename = "Tag", default)]
    tags: Option<Vec<Tag>>,
    /// Present when the event was fetched with decay scores (`includeDecayScore`): one entry
    /// per decaying model, each with `score`, `decayed` and the `DecayingModel`. Read by
    /// [`decay_verdict`], which tolerates shapes it does not know.
    #[serde(default)]
    decay_score: Option<serde_json::Value>,
}

/// How an attribute type is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// One value of this kind.
    Single(KindHint),
    /// `ip|port`.
    IpPort,
    /// `domain|ip`: both.
    DomainIp,
    /// `filename|hash`: the hash, of the named kind, and the file name.
    FileHash(IndicatorKind),
    /// `hostname|port`: the host name; ioc-emit has no host-and-port kind.
    HostPort,
    /// Context that describes the event rather than something to hunt.
    Context,
    /// A real indicator that ioc-emit cannot hunt.
    Unsupported,
    Unknown,
}

/// MISP attribute types and how each is read. Types are from MISP's `describeTypes`; those not
/// listed are unknown and rejected, so that a new indicator type is never dropped silently.
fn reading(kind: &str) -> Reading {
    match kind {
        "ip-dst" | "ip-src" => Reading::Single(KindHint::Ip),
        "domain" | "hostname" => Reading::Single(exact(IndicatorKind::Domain)),
        "url" | "uri" => Reading::Single(exact(IndicatorKind::Url)),
        "md5" => Reading::Single(exact(IndicatorKind::Md5)),
        "sha1" => Reading::Single(exact(IndicatorKind::Sha1)),
        "sha256" => Reading::Single(exact(IndicatorKind::Sha256)),
        "filename" | "email-attachment" => Reading::Single(exact(IndicatorKind::FileName)),
        "email" | "email-src" | "email-dst" => Reading::Single(exact(IndicatorKind::Email)),
        "ip-dst|port" | "ip-src|port" => Reading::IpPort,
        "domain|ip" => Reading::DomainIp,
        "filename|md5" | "malware-sample" => Reading::FileHash(IndicatorKind::Md5),
        "filename|sha1" => Reading::FileHash(IndicatorKind::Sha1),
        "filename|sha256" => Reading::FileHash(IndicatorKind::Sha256),
        "hostname|port" => Reading::HostPort,
        "link"
        | "comment"
        | "text"
        | "other"
        | "vulnerability"
        | "weakness"
        | "attachment"
        | "datetime"
        | "counter"
        | "float"
        | "boolean"
        | "size-in-bytes"
        | "port"
        | "threat-actor"
        | "campaign-name"
        | "campaign-id"
        | "malware-type"
        | "target-user"
        | "target-email"
        | "target-machine"
        | "target-org"
        | "target-location"
        | "target-external"
        | "whois-registrant-email"
        | "whois-registrant-phone"
        | "whois-registrant-name"
        | "whois-registrant-org"
        | "whois-registrar"
        | "whois-creation-date"
        | "first-name"
        | "last-name"
        | "full-name"
        | "phone-number"
        | "anonymised"
        | "hex"
        | "cpe"
        | "email-body"
        | "email-display-name"
        | "github-username"
        | "github-repository"
        | "twitter-id"
        | "dns-soa-email" => Reading::Context,
        "regkey"
        | "regkey|value"
        | "mutex"
        | "yara"
        | "sigma"
        | "snort"
        | "bro"
        | "zeek"
        | "pattern-in-file"
        | "pattern-in-memory"
        | "pattern-in-traffic"
        | "user-agent"
        | "AS"
        | "mac-address"
        | "mac-eui-64"
        | "sha224"
        | "sha384"
        | "sha512"
        | "sha512/224"
        | "sha512/256"
        | "sha3-224"
        | "sha3-256"
        | "sha3-384"
        | "sha3-512"
        | "ssdeep"
        | "imphash"
        | "impfuzzy"
        | "tlsh"
        | "pehash"
        | "authentihash"
        | "vhash"
        | "cdhash"
        | "telfhash"
        | "ja3-fingerprint-md5"
        | "jarm-fingerprint"
        | "hassh-md5"
        | "hasshserver-md5"
        | "x509-fingerprint-md5"
        | "x509-fingerprint-sha1"
        | "x509-fingerprint-sha256"
        | "named pipe"
        | "windows-service-name"
        | "windows-service-displayname"
        | "windows-scheduled-task"
        | "pdb"
        | "btc"
        | "xmr"
        | "http-method"
        | "cookie"
        | "filename-pattern"
        | "email-subject"
        | "email-header"
        | "email-x-mailer"
        | "email-reply-to"
        | "email-message-id"
        | "email-mime-boundary"
        | "email-thread-index"
        | "ip-src|ip-dst"
        | "filename|ssdeep"
        | "filename|imphash"
        | "filename|sha224"
        | "filename|sha384"
        | "filename|sha512"
        | "filename|tlsh"
        | "filename|authentihash"
        | "filename|pehash"
        | "filename|vhash"
        | "community-id"
        | "stix2-pattern"
        | "dkim"
        | "dkim-signature"
        | "favicon-mmh3"
        | "mobile-application-id" => Reading::Unsupported,
        _ => Reading::Unknown,
    }
}

/// Reads MISP events.
pub(crate) fn read(name: &str, text: &str, intake: &mut Intake<'_>) -> Result<(), ReadError> {
    let not_misp = |path: &str| {
        ReadError::new(
            // The document itself has no path to name: its first line stands for it.
            if path.is_empty() {
                Source::line(name, 1)
            } else {
                Source::path(name, path)
            },
            "expected a MISP event: an object with an Event member",
        )
    };
    let shape = Shape::of(text).map_err(|e| json::invalid(name, &e, "not valid JSON"))?;
    let events: Vec<(String, &RawValue)> = match shape {
        Shape::Object(members) => {
            if let Some(event) = members.get("Event") {
                vec![("Event".to_string(), event)]
            } else if let Some(response) = members.get("response") {
                wrapped_events("response", response).map_err(|_| not_misp("response"))?
            } else {
                return Err(not_misp(""));
            }
        }
        Shape::Array(items) => {
            let mut events = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let path = format!("[{i}]");
                let wrapper: Wrapper = json::entry(item).map_err(|_| not_misp(&path))?;
                events.push((format!("{path}.Event"), wrapper.event));
            }
            events
        }
        Shape::Other => return Err(not_misp("")),
    };
    for (path, raw) in events {
        let event: Event =
            json::entry(raw).map_err(|e| ReadError::new(Source::path(name, &path), e))?;
        read_event(name, &path, &event, intake);
    }
    Ok(())
}

fn wrapped_events<'a>(
    parent: &str,
    raw: &'a RawValue,
) -> Result<Vec<(String, &'a RawValue)>, String> {
    let items: Vec<Wrapper<'a>> = json::entry(raw)?;
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, w)| (format!("{parent}[{i}].Event"), w.event))
        .collect())
}

fn read_event(name: &str, path: &str, event: &Event<'_>, intake: &mut Intake<'_>) {
    if let Some(info) = &event.info {
        intake.builder().set_title(info);
    }
    let mut families = Vec::new();
    for tag in event.tags.iter().flatten() {
        if let Some(tag) = &tag.name {
            intake.builder().add_tag(tag);
            if let Some(family) = galaxy_family(tag) {
                if !families.contains(&family) {
                    families.push(family);
                }
            }
        }
    }
    // One malware cluster names the detection; several would make any choice arbitrary.
    if let [family] = families.as_slice() {
        intake.builder().set_family(family);
    }
    let date = event.date.as_deref().and_then(parse_date).map(Arc::from);
    let reader = EventReader { name, date };
    for (i, raw) in event.attributes.iter().flatten().enumerate() {
        reader.attribute(&format!("{path}.Attribute[{i}]"), raw, intake);
    }
    for (j, raw) in event.objects.iter().flatten().enumerate() {
        let object_path = format!("{path}.Object[{j}]");
        match json::entry::<Object>(raw) {
            Ok(object) => {
                for (i, raw) in object.attributes.iter().flatten().enumerate() {
                    reader.attribute(&format!("{object_path}.Attribute[{i}]"), raw, intake);
                }
            }
            // A record, as for an attribute that cannot be read: what the object held is then
            // in the account with the reason, not only in a warning.
            Err(e) => intake.reject(
                Found {
                    source: Source::path(name, &object_path),
                    raw: raw.get().trim(),
                    declared: None,
                    meta: Metadata::default(),
                },
                format!("cannot read the object, so none of its attributes is read: {e}"),
            ),
        }
    }
}

/// Reads a value by how its MISP type is read: one value, or the parts of a composite.
fn read_as(reading: Reading, found: Found<'_>, value: &str, intake: &mut Intake<'_>) {
    match reading {
        // Left out above.
        Reading::Context | Reading::Unsupported | Reading::Unknown => {}
        // ip-dst and its kin hold networks as well as hosts: the Ip hint reads both.
        Reading::Single(hint) => intake.hinted(found, hint),
        Reading::IpPort => ip_port(found, intake),
        Reading::DomainIp => match split_pair(value) {
            Some((domain, ip)) => {
                intake.hinted(
                    Found {
                        raw: domain,
                        ..found.clone()
                    },
                    IndicatorKind::Domain.into(),
                );
                intake.hinted(Found { raw: ip, ..found }, KindHint::Ip);
            }
            None => intake.reject(found, "expected domain|ip"),
        },
        Reading::FileHash(hash) => match split_pair(value) {
            Some((file, digest)) => {
                intake.hinted(
                    Found {
                        raw: digest,
                        ..found.clone()
                    },
                    hash.into(),
                );
                intake.hinted(Found { raw: file, ..found }, IndicatorKind::FileName.into());
            }
            None => intake.reject(found, format!("expected filename|{hash}")),
        },
        Reading::HostPort => match split_pair(value) {
            Some((host, port)) => {
                intake.warn(
                    &found.source,
                    format!("{value:?}: hunted as the host name {host}; port {port} dropped"),
                );
                intake.hinted(Found { raw: host, ..found }, IndicatorKind::Domain.into());
            }
            None => intake.reject(found, "expected hostname|port"),
        },
    }
}

/// Reads a value declared as one of MISP's composite types (`ip-dst|port`, `domain|ip`,
/// `filename|sha256` and their kin, `hostname|port`) as a MISP event's attribute is read, for
/// readers of other formats that meet them (a MISP CSV export); false for any other type.
pub(crate) fn read_composite(found: Found<'_>, kind: &str, intake: &mut Intake<'_>) -> bool {
    let reading = reading(kind.trim());
    if !matches!(
        reading,
        Reading::IpPort | Reading::DomainIp | Reading::FileHash(_) | Reading::HostPort
    ) {
        return false;
    }
    let value = found.raw.trim().to_string();
    read_as(reading, found, &value, intake);
    true
}

/// `ip|port` becomes `ip:port`, with brackets around an IPv6 address.
fn ip_port(found: Found<'_>, intake: &mut Intake<'_>) {
    // Cleaned and refanged as `hinted` would, so `203.0.113[.]6|443` reads as the others do.
    let cleaned = crate::intake::clean(found.raw);
    let Some((ip, port)) = split_pair(&cleaned) else {
        return intake.reject(found, "expected ip|port");
    };
    let joined = if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    };
    intake.validated(found, IndicatorKind::IpPort.into(), &joined);
}

struct EventReader<'n> {
    name: &'n str,
    /// The event's date, the first-seen date of attributes that give none of their own.
    date: Option<Arc<str>>,
}

impl EventReader<'_> {
    fn attribute(&self, path: &str, raw: &RawValue, intake: &mut Intake<'_>) {
        let attribute: Attribute = match json::entry(raw) {
            Ok(a) => a,
            Err(e) => {
                let found = Found {
                    source: Source::path(self.name, path),
                    raw: raw.get().trim(),
                    declared: None,
                    meta: Metadata::default(),
                };
                return intake.reject(found, format!("cannot read the attribute: {e}"));
            }
        };
        let value = attribute.value.text();
        let kind = attribute.kind.as_str();
        let found = Found {
            source: Source::path(self.name, format!("{path}.value")),
            raw: &value,
            declared: Some(kind),
            meta: self.metadata(&attribute),
        };
        let flag = |f: &Option<Scalar>| f.as_ref().and_then(Scalar::truth);

        if flag(&attribute.deleted) == Some(true) {
            return intake.skip(found, "the attribute is marked deleted");
        }
        let reading = reading(kind);
        match reading {
            Reading::Context => {
                let reason = format!("a MISP {kind} attribute is context, not an indicator");
                return intake.skip(found, reason);
            }
            _ if flag(&attribute.to_ids) == Some(false) => {
                return intake.skip(
                    found,
                    "to_ids is false: the event marks this attribute as not for detection",
                );
            }
            Reading::Unsupported => {
                let reason = format!("MISP {kind} attributes are not supported by ioc-emit");
                return intake.reject(found, reason);
            }
            Reading::Unknown => {
                let reason = format!("unknown MISP attribute type {kind:?}");
                return intake.reject(found, reason);
            }
            _ => {}
        }
        // Decay is weighed only for an attribute that would otherwise be hunted, so that one
        // already left out for its type or its to_ids gets no decay warning or decay reason.
        match attribute.decay_score.as_ref().map(decay_verdict) {
            Some(Err(problem)) => intake.warn(
                &found.source,
                format!("cannot read decay_score ({problem}); MISP decay not applied"),
            ),
            Some(Ok(Some(reason))) => return intake.skip(found, reason),
            Some(Ok(None)) | None => {}
        }
        read_as(reading, found, &value, intake);
    }

    fn metadata(&self, attribute: &Attribute) -> Metadata {
        Metadata {
            first_seen: attribute
                .first_seen
                .as_deref()
                .and_then(parse_date)
                .map(Arc::from)
                .or_else(|| self.date.clone()),
            tags: attribute
                .tags
                .iter()
                .flatten()
                .filter_map(|t| t.name.as_deref().map(Arc::from))
                .collect(),
            ..Metadata::default()
        }
    }
}

/// MISP decay: an attribute is decayed when every decaying model scored for it says so, as
/// MISP's own `excludeDecayed` search filter decides. Returns the skip reason for a decayed
/// attribute, `None` for one that is not (or has no scores), and an error for a `decay_score`
/// that does not have MISP's shape.
fn decay_verdict(decay_score: &serde_json::Value) -> Result<Option<String>, String> {
    let serde_json::Value::Array(models) = decay_score else {
        return Err("expected an array of decaying model results".into());
    };
    let mut shown = Vec::with_capacity(models.len());
    for (i, model) in models.iter().enumerate() {
        let decayed = match model.get("decayed") {
            Some(serde_json::Value::Bool(b)) => *b,
            _ => return Err(format!("decay_score[{i}] has no true or false decayed")),
        };
        if !decayed {
            return Ok(None);
        }
        let name = model
            .get("DecayingModel")
            .and_then(|m| m.get("name"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("unnamed");
        shown.push(
            match model.get("score").and_then(serde_json::Value::as_f64) {
                Some(score) => format!("{name:?} (score {score:.2})"),
                None => format!("{name:?}"),
            },
        );
    }
    Ok(match shown.as_slice() {
        [] => None,
        [one] => Some(format!("MISP decay: decayed by its decaying model {one}")),
        many => Some(format!(
            "MISP decay: decayed by all {} of its decaying models, {}",
            many.len(),
            many.join(", ")
        )),
    })
}

/// The family a galaxy tag names: `misp-galaxy:malpedia="KeyBoy"` gives `KeyBoy`.
fn galaxy_family(tag: &str) -> Option<&str> {
    let rest = ["misp-galaxy:malpedia=", "misp-galaxy:mitre-malware="]
        .iter()
        .find_map(|prefix| tag.strip_prefix(prefix))?;
    let name = rest.trim_matches('"');
    // MITRE clusters carry their id: `KeyBoy - S0387`.
    let name = name.split(" - ").next().unwrap_or(name).trim();
    (!name.is_empty()).then_some(name)
}

const fn exact(kind: IndicatorKind) -> KindHint {
    KindHint::Exact(kind)
}

/// Splits a composite value at its last `|`: file names may hold a `|`, hashes and ports never.
fn split_pair(value: &str) -> Option<(&str, &str)> {
    let (left, right) = value.rsplit_once('|')?;
    let (left, right) = (left.trim(), right.trim());
    (!left.is_empty() && !right.is_empty()).then_some((left, right))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReadOptions;
    use ioc_core::{DetectionBuilder, Record, RecordState};

    const EVENT: &str = r#"{"Event": {
        "info": "Example intrusion set",
        "date": "2026-04-01",
        "Tag": [
            {"name": "tlp:clear"},
            {"name": "misp-galaxy:mitre-malware=\"ExampleBot - S9999\""}
        ],
        "Attribute": [
            {"type": "ip-dst|port", "value": "203.0.113.10|8443", "to_ids": true},
            {"type": "domain|ip", "value": "c2.example.com|198.51.100.4", "to_ids": true},
            {"type": "filename|sha256",
             "value":
                "dropper.exe|9a55577d357922711ab0821bf5379289293c8517ae1d94d48c389f306af57a04",
             "to_ids": true},
            {"type": "md5", "value": "8f08609e4e0b3d26814b3073a42df415", "to_ids": false},
            {"type": "link", "value": "https://example.org/analysis", "to_ids": false},
            {"type": "regkey", "value": "HKCU\\Software\\Example", "to_ids": true},
            {"type": "ip-dst", "value": "192.0.2.0/24", "to_ids": "1"},
            {"type": "wombat-id", "value": "x", "to_ids": true}
        ],
        "Object": [{"name": "file", "Attribute": [
            {"type": "sha1", "value": "c97b12039e324721130d58d127c4e6f356e3f6e8", "to_ids": true,
             "Tag": [{"name": "payload"}]}
        ]}]
    }}"#;

    fn run(text: &str) -> (ioc_core::Detection, Vec<Record>) {
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        read("e.json", text, &mut Intake::new(&mut b, &options)).unwrap();
        b.finish()
    }

    fn state(r: &Record) -> String {
        match &r.state {
            RecordState::Indicator(_) => "indicator".into(),
            RecordState::Duplicate(_) => "duplicate".into(),
            RecordState::Rejected(why) => format!("rejected: {why}"),
            RecordState::Skipped(why) => format!("skipped: {why}"),
        }
    }

    /// An object that cannot be read is a rejected record at its path, as an attribute is.
    #[test]
    fn an_object_that_cannot_be_read_is_a_record() {
        let (_, records) = run(r#"{"Event": {"Object": [
                {"name": "x", "Attribute": {"type": "domain", "value": "lost.example"}},
                "not an object"
            ]}}"#);
        let got: Vec<String> = records
            .iter()
            .map(|r| format!("{} {}", r.source, state(r)))
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].starts_with("e.json at Event.Object[0] rejected: cannot read the object"));
        assert!(got[1].starts_with("e.json at Event.Object[1] rejected: cannot read the object"));
        assert!(records[0].original.contains("lost.example"));
    }

    #[test]
    fn reads_attributes_objects_and_composites() {
        let (d, records) = run(EVENT);
        assert_eq!(d.title, "Example intrusion set");
        assert_eq!(d.family.as_deref(), Some("ExampleBot"));
        assert_eq!(d.tags[0], "tlp:clear");
        // 9 attributes, two of which hold two indicators each.
        assert_eq!(records.len(), 11);
        let at = |i: usize| records[i].source.path.clone().unwrap();
        assert_eq!(at(1), "Event.Attribute[1].value");
        assert_eq!(at(2), at(1));
        assert_eq!(&*records[2].original, "198.51.100.4");
        assert_eq!(at(10), "Event.Object[0].Attribute[0].value");
        let states: Vec<String> = records.iter().map(state).collect();
        assert_eq!(states[0], "indicator");
        assert!(states[5].contains("to_ids is false"), "{}", states[5]);
        assert!(states[6].contains("context"), "{}", states[6]);
        assert!(
            states[7].contains("regkey attributes are not supported"),
            "{}",
            states[7]
        );
        assert_eq!(states[8], "indicator");
        assert!(
            states[9].contains("unknown MISP attribute type"),
            "{}",
            states[9]
        );
        let values: Vec<String> = d.indicators.iter().map(|i| i.value.to_string()).collect();
        assert_eq!(
            values,
            [
                "198.51.100.4",
                "203.0.113.10:8443",
                "192.0.2.0/24",
                "c2.example.com",
                "c97b12039e324721130d58d127c4e6f356e3f6e8",
                "9a55577d357922711ab0821bf5379289293c8517ae1d94d48c389f306af57a04",
                "dropper.exe",
            ]
        );
        let sha1 = &d.indicators[4];
        assert_eq!(crate::tag_texts(&sha1.meta), ["payload"]);
        assert_eq!(sha1.meta.first_seen.as_deref(), Some("2026-04-01"));
    }

    #[test]
    fn rest_response_and_event_arrays() {
        let inner = r#"{"Event": {"info": "x", "Attribute": [
            {"type": "domain", "value": "a.example.net", "to_ids": true}]}}"#;
        let (_, records) = run(&format!(r#"{{"response": [{inner}]}}"#));
        assert_eq!(
            records[0].source.path.as_deref(),
            Some("response[0].Event.Attribute[0].value")
        );
        let (_, records) = run(&format!("[{inner}, {inner}]"));
        assert_eq!(
            records[1].source.path.as_deref(),
            Some("[1].Event.Attribute[0].value")
        );
        assert!(matches!(records[1].state, RecordState::Duplicate(_)));
    }

    #[test]
    fn decayed_attributes_are_skipped_when_every_model_says_so() {
        let text = r#"{"Event": {"Attribute": [
            {"type": "domain", "value": "old.example.net", "to_ids": true, "decay_score": [
                {"score": 3.5, "base_score": 80, "decayed": true,
                 "DecayingModel": {"id": "1", "name": "NIDS Simple Decaying Model"}}]},
            {"type": "domain", "value": "mixed.example.net", "to_ids": true, "decay_score": [
                {"score": 3.5, "decayed": true, "DecayingModel": {"name": "A"}},
                {"score": 61, "decayed": false, "DecayingModel": {"name": "B"}}]},
            {"type": "ip-dst|port", "value": "198.51.100.7|443", "to_ids": true, "decay_score": [
                {"score": 0, "decayed": true, "DecayingModel": {"name": "A"}},
                {"score": 1.25, "decayed": true, "DecayingModel": {"name": "B"}}]},
            {"type": "domain", "value": "fresh.example.net", "to_ids": true, "decay_score": []},
            {"type": "domain", "value": "odd.example.net", "to_ids": true,
             "decay_score": [{"score": 2}]}
        ]}}"#;
        let (d, records) = run(text);
        let states: Vec<String> = records.iter().map(state).collect();
        assert_eq!(
            states,
            [
                "skipped: MISP decay: decayed by its decaying model \"NIDS Simple Decaying \
                 Model\" (score 3.50)",
                "indicator",
                "skipped: MISP decay: decayed by all 2 of its decaying models, \"A\" (score \
                 0.00), \"B\" (score 1.25)",
                "indicator",
                "indicator",
            ]
        );
        assert_eq!(
            d.warnings,
            [
                "e.json at Event.Attribute[4].value: cannot read decay_score (decay_score[0] has \
              no true or false decayed); MISP decay not applied"
            ]
        );
    }

    #[test]
    fn decay_is_weighed_only_for_attributes_that_would_be_hunted() {
        let decayed = r#"[{"score": 0, "decayed": true, "DecayingModel": {"name": "A"}}]"#;
        let odd = r#"[{"score": 2}]"#;
        let text = format!(
            r#"{{"Event": {{"Attribute": [
            {{"type": "x-made-up", "value": "a", "to_ids": true, "decay_score": {decayed}}},
            {{"type": "domain", "value": "b.example.net", "to_ids": false, "decay_score": {odd}}},
            {{"type": "comment", "value": "c", "to_ids": true, "decay_score": {odd}}}
        ]}}}}"#
        );
        let (d, records) = run(&text);
        let states: Vec<String> = records.iter().map(state).collect();
        assert_eq!(
            states,
            [
                "rejected: unknown MISP attribute type \"x-made-up\"",
                "skipped: to_ids is false: the event marks this attribute as not for detection",
                "skipped: a MISP comment attribute is context, not an indicator",
            ]
        );
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    }

    #[test]
    fn ipv6_port_gets_brackets() {
        let text = r#"{"Event": {"Attribute": [
            {"type": "ip-src|port", "value": "2001:db8::7|53", "to_ids": true}]}}"#;
        let (d, _) = run(text);
        assert_eq!(d.indicators[0].value.to_string(), "[2001:db8::7]:53");
    }
}
