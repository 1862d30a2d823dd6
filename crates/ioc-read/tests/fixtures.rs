//! The fixture inputs of each format are detected as that format and read without error.
//!
//! The expected outputs next to each input belong to the backends' tests; this test only
//! guards that an input keeps being read as the format its case is named after.

use std::path::Path;

use ioc_core::DetectionBuilder;
use ioc_read::{detect, read, Format};

const CASES: &[(&str, Format)] = &[
    ("threatfox-json", Format::ThreatfoxJson),
    ("threatfox-csv", Format::ThreatfoxCsv),
    ("misp-event", Format::Misp),
    ("stix-bundle", Format::Stix),
    ("vendor-csv", Format::Csv),
    ("free-text", Format::Text),
];

#[test]
fn each_fixture_input_is_read_as_its_format() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    for (case, format) in CASES {
        let dir = root.join(case);
        let input = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a directory entry").path())
            .find(|p| p.file_stem().is_some_and(|s| s == "input"))
            .unwrap_or_else(|| panic!("{case}: no input file"));
        let text = std::fs::read_to_string(&input).expect("UTF-8 input");
        assert_eq!(detect(&text), Some(*format), "{case}");
        let mut builder = DetectionBuilder::new();
        let name = input.file_name().unwrap().to_string_lossy();
        assert_eq!(
            read(&name, &text, None, &mut builder),
            Ok(*format),
            "{case}"
        );
        let (detection, records) = builder.finish();
        assert!(!detection.indicators.is_empty(), "{case}: no indicators");
        assert!(
            records.len() > detection.indicators.len(),
            "{case}: nothing left out?"
        );
    }
}
