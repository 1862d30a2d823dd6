//! Reads every real input in the shared folder and checks the accounting.
//!
//! For each file the test counts the source records on its own (JSON array entries, CSV data
//! rows, MISP attributes, STIX comparisons, write-up table rows), without the readers, and
//! asserts that the readers produced exactly that many records: nothing lost, nothing invented.
//! Then it pins what each file is known to contain. The folder lives outside the repository;
//! when it is absent the test says so and passes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ioc_core::{Detection, DetectionBuilder, Record, RecordState};
use ioc_read::{detect, read, Format};
use serde_json::Value;

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "shared_data: {} is absent; skipping the checks on real inputs",
            dir.display()
        );
        None
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

struct Outcome {
    format: Format,
    detection: Detection,
    records: Vec<Record>,
}

fn read_file(path: &Path) -> Outcome {
    let text = std::fs::read_to_string(path).expect("a UTF-8 file");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut builder = DetectionBuilder::new();
    let format = read(&name, &text, None, &mut builder)
        .unwrap_or_else(|e| panic!("{name} was not read: {e}"));
    let (detection, records) = builder.finish();
    Outcome {
        format,
        detection,
        records,
    }
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn array_len(value: &Value) -> usize {
    value.as_array().map_or(0, Vec::len)
}

/// `[emitted, duplicate, rejected, skipped]`.
fn tally(records: &[Record]) -> [usize; 4] {
    let mut counts = [0; 4];
    for record in records {
        let slot = match record.state {
            RecordState::Indicator(_) => 0,
            RecordState::Duplicate(_) => 1,
            RecordState::Rejected(_) => 2,
            RecordState::Skipped(_) => 3,
        };
        counts[slot] += 1;
    }
    counts
}

fn reason(record: &Record) -> &str {
    match &record.state {
        RecordState::Rejected(r) | RecordState::Skipped(r) => r,
        _ => "",
    }
}

fn value_of(outcome: &Outcome, original: &str) -> Option<String> {
    outcome.records.iter().find_map(|r| match r.state {
        RecordState::Indicator(i) | RecordState::Duplicate(i) if &*r.original == original => {
            Some(outcome.detection.indicators[i].value.to_string())
        }
        _ => None,
    })
}

/// The records the file holds, counted from the file itself.
fn expected_records(file: &str, path: &Path) -> usize {
    match file {
        "threatfox_api_get_iocs_sample.json" => array_len(&json(path)["data"]),
        "threatfox_derived_partial_defang.json" => array_len(&json(path)["iocs"]),
        "citizenlab_KeyBoy_misp_event.json" => misp_records(&json(path)),
        "oasis_stix21_poisonivy_bundle.json" => stix_records(&json(path)),
        f if f.ends_with(".csv") => {
            let text = std::fs::read_to_string(path).unwrap();
            text.lines().filter(|l| !l.trim().is_empty()).count() - 1
        }
        f if f.ends_with(".md") => writeup_rows(&std::fs::read_to_string(path).unwrap()),
        other => panic!("no independent count for {other}"),
    }
}

/// One per attribute, object attributes included, plus one for the second half of composite
/// attributes that hold two indicators.
fn misp_records(doc: &Value) -> usize {
    let events: Vec<&Value> = match doc.get("response") {
        Some(response) => response
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["Event"])
            .collect(),
        None => vec![&doc["Event"]],
    };
    let mut attributes = Vec::new();
    for event in events {
        attributes.extend(event["Attribute"].as_array().into_iter().flatten());
        for object in event["Object"].as_array().into_iter().flatten() {
            attributes.extend(object["Attribute"].as_array().into_iter().flatten());
        }
    }
    let doubles = attributes
        .iter()
        .filter(|a| {
            let t = a["type"].as_str().unwrap_or_default();
            let to_ids = a["to_ids"].as_bool().unwrap_or(true);
            to_ids && (t == "domain|ip" || t.starts_with("filename|sha") || t == "filename|md5")
        })
        .count();
    attributes.len() + doubles
}

/// One per comparison of each indicator's pattern (every pattern in the file is a disjunction
/// of equality tests).
fn stix_records(doc: &Value) -> usize {
    doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "indicator")
        .map(|o| o["pattern"].as_str().unwrap().matches(" = ").count())
        .sum()
}

/// Rows of the IOC table: pipe rows after a `| Type | Value` header, or the lines after a
/// run-together `TypeValue...` header up to the next blank line.
fn writeup_rows(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    if let Some(at) = lines
        .iter()
        .position(|l| l.starts_with("| Type |") && l.contains("Value"))
    {
        return lines[at + 1..]
            .iter()
            .take_while(|l| l.starts_with('|'))
            .filter(|l| !l.starts_with("|---"))
            .count();
    }
    let at = lines
        .iter()
        .position(|l| l.starts_with("TypeValue"))
        .expect("an IOC table");
    lines[at + 1..]
        .iter()
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .count()
}

fn expected_format(file: &str) -> Option<Format> {
    Some(match file {
        "MANIFEST.json" => return None,
        f if f.starts_with("threatfox_") => Format::ThreatfoxJson,
        f if f.contains("misp") => Format::Misp,
        f if f.contains("stix") => Format::Stix,
        f if f.ends_with(".csv") => Format::Csv,
        f if f.ends_with(".md") => Format::Writeup,
        other => panic!("no expected format for {other}"),
    })
}

#[test]
fn every_shared_file_is_detected_and_fully_accounted_for() {
    let Some(shared) = shared() else { return };
    let mut seen = 0;
    for dir in ["data", "reports"] {
        for path in files(&shared.join(dir)) {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let want = expected_format(&file);
            assert_eq!(detect(&text), want, "{file}: detected format");
            if want.is_none() {
                // The manifest is JSON about the data, not threat intel: refused, not guessed.
                let mut builder = DetectionBuilder::new();
                assert!(read(&file, &text, None, &mut builder).is_err());
                continue;
            }
            let outcome = read_file(&path);
            let expected = expected_records(&file, &path);
            let [emitted, duplicate, rejected, skipped] = tally(&outcome.records);
            eprintln!(
                "{file}: {} as {}: {emitted} emitted, {duplicate} duplicate, {rejected} rejected, \
                 {skipped} skipped",
                outcome.records.len(),
                outcome.format
            );
            assert_eq!(
                outcome.records.len(),
                expected,
                "{file}: records against the independent count"
            );
            for record in &outcome.records {
                let located = record.source.line.is_some() || record.source.path.is_some();
                assert!(located, "{file}: a record without a location: {record:?}");
                if matches!(
                    record.state,
                    RecordState::Rejected(_) | RecordState::Skipped(_)
                ) {
                    assert!(!reason(record).is_empty(), "{file}: no reason: {record:?}");
                }
            }
            seen += 1;
        }
    }
    assert!(seen >= 5, "only {seen} shared files were read");
}

fn data(file: &str) -> Option<Outcome> {
    let path = shared()?.join("data").join(file);
    Some(read_file(&path))
}

#[test]
fn derived_feed_rejects_shortened_hashes_and_refangs_partial_defanging() {
    let Some(outcome) = data("threatfox_derived_partial_defang.json") else {
        return;
    };
    assert_eq!(
        value_of(&outcome, "41.234.45[.]136:8808").as_deref(),
        Some("41.234.45.136:8808")
    );
    let shortened: Vec<&Record> = outcome
        .records
        .iter()
        .filter(|r| reason(r).contains("shortened display form"))
        .collect();
    assert_eq!(shortened.len(), 3);
    assert_eq!(&*shortened[0].original, "32f85cbf0fcd...d4c2");
    assert_eq!(shortened[0].source.path.as_deref(), Some("iocs[13].ioc"));
    assert_eq!(
        value_of(&outcome, "hxxp://103[.]98[.]38[.]217:56737/Mozi[.]a").as_deref(),
        Some("http://103.98.38.217:56737/Mozi.a")
    );
}

#[test]
fn api_sample_reads_every_entry_with_its_metadata() {
    let Some(outcome) = data("threatfox_api_get_iocs_sample.json") else {
        return;
    };
    assert_eq!(tally(&outcome.records), [15, 0, 0, 0]);
    let port = outcome
        .detection
        .indicators
        .iter()
        .find(|i| i.value.to_string() == "193.161.193.99:36102")
        .expect("the first entry");
    assert_eq!(port.source.path.as_deref(), Some("data[0].ioc_value"));
    assert_eq!(port.meta.first_seen.as_deref(), Some("2026-02-02"));
    assert_eq!(port.meta.confidence, Some(100));
    assert_eq!(port.meta.malware.as_deref(), Some("Vjw0rm"));
    assert_eq!(
        value_of(&outcome, "ArSiJa-51460.portmap.host").as_deref(),
        Some("arsija-51460.portmap.host")
    );
    // Many families: none is picked for the title.
    assert_eq!(outcome.detection.family, None);
}

#[test]
fn vendor_csv_reads_ip_port_urls_as_ip_port() {
    let Some(outcome) = data("volexity_UTA0388_iocs.csv") else {
        return;
    };
    assert_eq!(tally(&outcome.records), [58, 0, 0, 0]);
    for ip_port in ["80.85.154.48:443", "80.85.157.117:443", "82.118.16.173:443"] {
        assert_eq!(value_of(&outcome, ip_port).as_deref(), Some(ip_port));
        let warned = outcome
            .detection
            .warnings
            .iter()
            .any(|w| w.contains(ip_port) && w.contains("read as an ip:port"));
        assert!(warned, "{ip_port}: no warning");
    }
    assert!(!outcome
        .detection
        .indicators
        .iter()
        .any(|i| i.value.to_string().starts_with("http://80.")));
    assert_eq!(
        value_of(&outcome, "wss://outlook.windows-app.store/ws").as_deref(),
        Some("wss://outlook.windows-app.store/ws")
    );
    assert_eq!(
        value_of(
            &outcome,
            "https://1drv.ms/u/c/F703BC98FAB44D61/ER_XG5FDkURHtsmna8vOQrIBRODKiQBKYJVKnI-kGKwX0A"
        )
        .as_deref(),
        Some("https://1drv.ms/u/c/F703BC98FAB44D61/ER_XG5FDkURHtsmna8vOQrIBRODKiQBKYJVKnI-kGKwX0A")
    );
    let first = &outcome.records[0];
    assert_eq!(first.source.line, Some(2));
    assert_eq!(first.declared_type.as_deref(), Some("url"));
}

#[test]
fn misp_event_skips_what_is_not_for_detection() {
    let Some(outcome) = data("citizenlab_KeyBoy_misp_event.json") else {
        return;
    };
    let d = &outcome.detection;
    assert!(d.title.contains("KeyBoy"));
    assert!(d.tags.iter().any(|t| t == "tlp:white"));
    let count = |needle: &str| {
        outcome
            .records
            .iter()
            .filter(|r| reason(r).contains(needle))
            .count()
    };
    assert_eq!(count("to_ids is false"), 22);
    assert_eq!(count("link attribute is context"), 13);
    assert_eq!(count("regkey attributes are not supported"), 1);
    assert_eq!(count("yara attributes are not supported"), 8);
    let legit = outcome
        .records
        .iter()
        .find(|r| &*r.original == "8f08609e4e0b3d26814b3073a42df415")
        .unwrap();
    assert!(matches!(legit.state, RecordState::Skipped(_)));
    assert_eq!(
        value_of(&outcome, "www.about.jkub.com").as_deref(),
        Some("www.about.jkub.com")
    );
    assert_eq!(tally(&outcome.records), [31, 0, 9, 39]);
}

#[test]
fn stix_bundle_reads_every_comparison() {
    let Some(outcome) = data("oasis_stix21_poisonivy_bundle.json") else {
        return;
    };
    let d = &outcome.detection;
    assert_eq!(
        d.title,
        "Poison Ivy: Assessing Damage and Extracting Intelligence"
    );
    let doc = json(
        &shared()
            .unwrap()
            .join("data/oasis_stix21_poisonivy_bundle.json"),
    );
    let indicator_paths: BTreeSet<String> = doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, o)| o["type"] == "indicator")
        .map(|(i, _)| format!("objects[{i}].pattern"))
        .collect();
    let record_paths: BTreeSet<String> = outcome
        .records
        .iter()
        .filter_map(|r| r.source.path.clone())
        .collect();
    assert_eq!(record_paths, indicator_paths);
    assert_eq!(indicator_paths.len(), 25);

    let spaced = outcome
        .records
        .iter()
        .find(|r| &*r.original == "domain autuo.xicp.net")
        .unwrap();
    assert!(reason(spaced).contains("not a host name"));
    let file_names = outcome
        .records
        .iter()
        .filter(|r| reason(r).contains("compares file:name"))
        .count();
    assert_eq!(file_names, 2);
    // The same addresses recur across indicators; they are one indicator each.
    assert_eq!(tally(&outcome.records), [42, 22, 3, 0]);
}

#[test]
fn shared_inputs_merge_into_one_detection() {
    let Some(shared) = shared() else { return };
    let mut builder = DetectionBuilder::new();
    let mut total = 0;
    for file in [
        "data/threatfox_api_get_iocs_sample.json",
        "data/volexity_UTA0388_iocs.csv",
        "reports/dcrat-threatfox-2026-05-17.md",
    ] {
        let path = shared.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        read(file, &text, None, &mut builder).unwrap();
        total += expected_records(path.file_name().unwrap().to_str().unwrap(), &path);
    }
    // An analyst's note that repeats two of the vendor's values, defanged.
    let note = "Still live today: 104.194.152[.]137 and twmoc[.]info.";
    assert_eq!(read("note.txt", note, None, &mut builder), Ok(Format::Text));
    total += 2;

    let (detection, records) = builder.finish();
    assert_eq!(records.len(), total);
    assert_eq!(detection.sources.len(), 4);
    let distinct: BTreeSet<String> = detection
        .indicators
        .iter()
        .map(|i| i.value.to_string())
        .collect();
    assert_eq!(distinct.len(), detection.indicators.len());
    let repeated: Vec<String> = records
        .iter()
        .filter_map(|r| match r.state {
            RecordState::Duplicate(i) => Some(detection.indicators[i].source.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        repeated,
        [
            "data/volexity_UTA0388_iocs.csv:10",
            "data/volexity_UTA0388_iocs.csv:21"
        ]
    );
}
