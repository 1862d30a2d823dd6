//! What the fuzz targets in `fuzz/` run, kept here so that the regression test replaying their
//! saved corpus (`tests/fuzz_corpus.rs`) runs exactly the same code without cargo-fuzz.
//!
//! Each function takes raw bytes and panics only where the program has a bug: an input the
//! tool cannot read must come back as an error, never a panic, and an input it can read must go
//! through every backend with every record accounted for.

use ioc_core::{registered_backends, EmitOptions, ExclusionMode, Mode};
use ioc_read::{Format, ReadOptions};

use crate::{input, out_dir, output, pipeline};

/// The name every fuzzed input is read under.
const NAME: &str = "fuzz.in";

/// One reader with its format forced, as `--from` does. The bytes need not be UTF-8: invalid
/// sequences become U+FFFD, so that the fuzzer's mutations still reach the reader.
pub fn read(format: Format, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let mut builder = ioc_core::DetectionBuilder::new();
    let _ = ioc_read::read(NAME, &text, Some(format), &mut builder);
    let (detection, records) = builder.finish();
    assert!(
        records.len() >= detection.indicators.len(),
        "every indicator comes from a record"
    );
}

/// The whole program after argument parsing: bytes as the CLI loads them, format detection,
/// the readers, then every registered backend under each of its profiles and the other modes.
/// The output must serialise and every file `--out-dir` would write must have a plain name.
pub fn pipeline(bytes: &[u8]) {
    let Ok(text) = input::into_text(NAME, bytes.to_vec()) else {
        return;
    };
    let inputs = [(NAME.to_string(), text)];
    let Ok((detection, records)) = pipeline::read_all(&inputs, None, &ReadOptions::default())
    else {
        return;
    };
    for backend in registered_backends() {
        for (n, options) in option_sets(backend.profiles()).into_iter().enumerate() {
            let outcome = pipeline::emit_detection(&detection, &records, backend, &options)
                .unwrap_or_else(|e| panic!("{} {options:?}: {e}", backend.name()));
            let summary = &outcome.summary;
            let _ = output::queries_text(summary);
            // The JSON is the costliest output and is the same code for every option set.
            if n == 0 {
                let _ = output::json(summary);
            }
            out_dir::check_names(summary, backend, ioc_core::Output::Queries)
                .unwrap_or_else(|e| panic!("{} {options:?}: {e:#}", backend.name()));
        }
    }
}

/// Every profile with the defaults (the first is the default profile), then lookup mode with
/// the exclusions applied.
fn option_sets(profiles: &[&str]) -> Vec<EmitOptions> {
    let mut sets: Vec<EmitOptions> = profiles
        .iter()
        .map(|p| EmitOptions {
            profile: Some(p.to_string()),
            ..EmitOptions::default()
        })
        .collect();
    if sets.is_empty() {
        sets.push(EmitOptions::default());
    }
    sets.push(EmitOptions {
        mode: Mode::Lookup,
        exclusions: ExclusionMode::Apply,
        ..EmitOptions::default()
    });
    sets
}

/// The formats, by the name each reader's fuzz target carries.
pub fn format_of_target(target: &str) -> Option<Format> {
    Format::from_name(&target.replace('_', "-"))
}
