//! Helpers shared by the Sigma integration tests: where the inputs are, and the pipeline from
//! input text to emitted rules.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use ioc_backend_sigma::Sigma;
use ioc_core::{Backend, Detection, DetectionBuilder, Emission, EmitOptions};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// `shared/` beside the checkout, when it is there.
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "NOTE: {} is absent; the checks on the shared reports are skipped",
            dir.display()
        );
        None
    }
}

/// Every write-up in `shared/reports`, sorted, as (file name, text).
pub fn shared_reports() -> Vec<(String, String)> {
    let Some(shared) = shared() else {
        return Vec::new();
    };
    files_in(&shared.join("reports"), |name| name.ends_with(".md"))
}

/// Every fixture input (`fixtures/<case>/input*`), as (`case/file`, text).
pub fn fixture_inputs() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let dir = root().join("fixtures");
    let Ok(entries) = fs::read_dir(&dir) else {
        eprintln!("NOTE: {} is absent; no fixtures checked", dir.display());
        return out;
    };
    let mut cases: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    for case in cases {
        let case_name = case.file_name().unwrap().to_string_lossy().to_string();
        for (file, text) in files_in(&case, |name| name.starts_with("input")) {
            out.push((format!("{case_name}/{file}"), text));
        }
    }
    out
}

fn files_in(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && keep(&p.file_name().unwrap().to_string_lossy()))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            // Binary fixtures (if any) are not inputs this test can read.
            fs::read_to_string(&p).ok().map(|text| (name, text))
        })
        .collect()
}

/// Reads one input into a detection, keeping only the kinds the backend hunts, as the
/// pipeline does before it calls a backend.
pub fn detection(name: &str, text: &str) -> Result<Detection, String> {
    let mut builder = DetectionBuilder::new();
    ioc_read::read(name, text, None, &mut builder)
        .map(|_| ())
        .map_err(|e| e.to_string())?;
    let (mut detection, _records) = builder.finish();
    detection
        .indicators
        .retain(|i| Sigma.kinds().contains(&i.kind()));
    Ok(detection)
}

/// Reads one input and emits its rules.
pub fn emit(name: &str, text: &str, options: &EmitOptions) -> Result<Emission, String> {
    let detection = detection(name, text)?;
    Sigma.emit(&detection, options).map_err(|e| e.to_string())
}

/// A small write-up in the format of the shared reports, with the given IOC rows
/// (`type | value | threat type | first seen | confidence`) and trailing lines.
pub fn writeup(family: &str, rows: &[&str], trailer: &str) -> String {
    let mut text = format!(
        "<!-- source: https://example.org/intel/{} -->\nA test report.\n\
         Malware Family: {family} Total IOCs: {} IOC Types: many\n\
         | Type | Value | Threat Type | First Seen | Confidence |\n|---|---|---|---|---|\n",
        family.to_lowercase(),
        rows.len()
    );
    for row in rows {
        text.push_str(&format!("| {row} |\n"));
    }
    text.push_str(trailer);
    text
}
