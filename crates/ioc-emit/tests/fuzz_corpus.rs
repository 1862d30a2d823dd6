//! The fuzz targets' saved inputs as regression tests, without cargo-fuzz or nightly flags.
//!
//! `fuzz/corpus/<target>/` holds the minimised corpus of each target and
//! `fuzz/artifacts/<target>/` every input that once crashed it. Each goes through the function
//! its target calls (`ioc_emit::fuzz_support`), so a crash fixed once stays fixed.

mod common;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use ioc_emit::fuzz_support;

/// The files directly under `dir`, sorted; none if it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn targets(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn every_saved_fuzz_input_still_passes() {
    let fuzz = common::root().join("fuzz");
    let targets = targets(&fuzz.join("corpus"));
    assert!(
        targets.contains(&"pipeline".to_string()),
        "no corpus for the pipeline target in {}",
        fuzz.display()
    );
    let mut failures = Vec::new();
    let mut count = 0;
    for target in &targets {
        // The pipeline target, or a reader's: the others are named after their format.
        let format = (target != "pipeline").then(|| {
            fuzz_support::format_of_target(target)
                .unwrap_or_else(|| panic!("fuzz target {target:?} names no reader format"))
        });
        let run = |bytes: &[u8]| match format {
            None => fuzz_support::pipeline(bytes),
            Some(format) => fuzz_support::read(format, bytes),
        };
        let inputs = [
            files(&fuzz.join("corpus").join(target)),
            files(&fuzz.join("artifacts").join(target)),
        ]
        .concat();
        assert!(
            !inputs.is_empty(),
            "fuzz target {target} has no saved input"
        );
        for path in inputs {
            let bytes = fs::read(&path).unwrap();
            count += 1;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| run(&bytes))) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{}: {message}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} saved fuzz inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{count} saved fuzz inputs replayed");
}
