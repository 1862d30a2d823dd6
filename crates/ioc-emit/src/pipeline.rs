//! The pipeline: inputs → readers → detection → backend → summary.
//!
//! This is where the unsupported kinds are set aside and where the accounting invariant is
//! checked, so that every backend gets both for free.

use ioc_core::{
    Backend, CoverageError, Detection, DetectionBuilder, EmitError, EmitOptions, ExclusionMode,
    Record, Summary,
};
use ioc_read::{DetectionFile, Format, ReadError, ReadOptions};

/// What one run produced.
pub struct Outcome {
    pub summary: Summary,
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// An input could not be opened or read as text; the message names it and the place.
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Emit(#[from] EmitError),
    #[error(transparent)]
    Coverage(#[from] CoverageError),
}

/// Reads every input (name and text) and emits with one backend.
pub fn emit(
    inputs: &[(String, String)],
    format: Option<Format>,
    backend: &dyn Backend,
    options: &EmitOptions,
) -> Result<Outcome, PipelineError> {
    emit_with(inputs, format, &ReadOptions::default(), backend, options)
}

/// [`emit`], with the readers' options (confidence, age and private-address policy).
pub fn emit_with(
    inputs: &[(String, String)],
    format: Option<Format>,
    read_options: &ReadOptions,
    backend: &dyn Backend,
    options: &EmitOptions,
) -> Result<Outcome, PipelineError> {
    emit_full(inputs, format, read_options, None, backend, options)
}

/// [`emit_with`], with a detection file merged into what the readers found. Each value the file
/// replaces is logged at info level (`-v`).
pub fn emit_full(
    inputs: &[(String, String)],
    format: Option<Format>,
    read_options: &ReadOptions,
    detection_file: Option<&DetectionFile>,
    backend: &dyn Backend,
    options: &EmitOptions,
) -> Result<Outcome, PipelineError> {
    let read = |builder: &mut DetectionBuilder| {
        for (name, text) in inputs {
            ioc_read::read_with(name, text, format, read_options, builder)?;
        }
        ioc_read::after_reading(read_options, builder);
        Ok(())
    };
    run(read, detection_file, backend, options)
}

/// Runs the pipeline on whatever `read` puts into the builder: the reading is the caller's, so
/// the CLI streams its inputs from files where the text API above hands them over whole, and
/// both share everything after it.
pub fn run(
    read: impl FnOnce(&mut DetectionBuilder) -> Result<(), PipelineError>,
    detection_file: Option<&DetectionFile>,
    backend: &dyn Backend,
    options: &EmitOptions,
) -> Result<Outcome, PipelineError> {
    let mut builder = DetectionBuilder::new();
    read(&mut builder)?;
    let (mut detection, records) = builder.finish();
    if let Some(file) = detection_file {
        for note in file.apply(&mut detection) {
            log::info!("{note}");
        }
    }
    emit_owned(detection, records, backend, options)
}

/// Several inputs make one detection, and an applied exclusion filters its whole query: the
/// false-positive scenarios of one write-up then also filter the indicators of the others. That
/// is said, with the files, so that the user can run the write-up on its own instead.
fn warn_shared_exclusions(detection: &mut Detection, records: &[Record]) {
    if detection.structured_exclusions().next().is_none() {
        return;
    }
    // Every input that gave a record, whether or not any of its rows became an indicator.
    let mut inputs: Vec<&str> = Vec::new();
    for record in records {
        let file = &*record.source.file;
        if inputs.last() != Some(&file) && !inputs.contains(&file) {
            inputs.push(file);
        }
    }
    if inputs.len() < 2 {
        return;
    }
    // Only exclusions that can be applied; prose ones never filter a query.
    let mut from: Vec<&str> = detection
        .structured_exclusions()
        .map(|e| &*e.source.file)
        .filter(|f| inputs.contains(f))
        .collect();
    from.dedup();
    if from.is_empty() {
        return;
    }
    let others: Vec<&str> = inputs
        .iter()
        .copied()
        .filter(|f| !from.contains(f))
        .collect();
    let whose = if others.is_empty() {
        "each other's indicators".to_string()
    } else if from.len() > 1 {
        format!("each other's indicators and those of {}", others.join(", "))
    } else {
        format!("the indicators of {}", others.join(", "))
    };
    let message = format!(
        "--exclusions apply with several inputs: the exclusions from {} are applied to every \
         query, so they also filter hits on {whose}; run a write-up on its own to keep its \
         exclusions to its indicators",
        from.join(", ")
    );
    detection.warnings.push(message);
}

/// Reads every input into one detection and the record of every input row.
pub fn read_all(
    inputs: &[(String, String)],
    format: Option<Format>,
    read_options: &ReadOptions,
) -> Result<(Detection, Vec<Record>), ReadError> {
    let mut builder = DetectionBuilder::new();
    for (name, text) in inputs {
        ioc_read::read_with(name, text, format, read_options, &mut builder)?;
    }
    ioc_read::after_reading(read_options, &mut builder);
    Ok(builder.finish())
}

/// Emits a finished detection (from [`DetectionBuilder::finish`]) with one backend, and builds
/// the account of the run. Tests and the conformance kit use it for detections no reader makes.
pub fn emit_detection(
    detection: &Detection,
    records: &[Record],
    backend: &dyn Backend,
    options: &EmitOptions,
) -> Result<Outcome, PipelineError> {
    emit_owned(detection.clone(), records.to_vec(), backend, options)
}

/// [`emit_detection`] on a detection and records the run owns: the summary takes their strings
/// instead of copying them, which at a million records halves the run's memory.
fn emit_owned(
    mut detection: Detection,
    records: Vec<Record>,
    backend: &dyn Backend,
    options: &EmitOptions,
) -> Result<Outcome, PipelineError> {
    if options.exclusions == ExclusionMode::Apply {
        warn_shared_exclusions(&mut detection, &records);
    }
    let supported = backend.kinds();
    let hunted: Vec<usize> = (0..detection.indicators.len())
        .filter(|&i| supported.contains(&detection.indicators[i].kind()))
        .collect();
    // The backend sees only the kinds it declared; the rest are reported as unsupported.
    let emission = if hunted.len() == detection.indicators.len() {
        backend.emit(&detection, options)?
    } else {
        // Everything but the indicators is cloned; of those, only the visible ones.
        let indicators = std::mem::take(&mut detection.indicators);
        let visible = Detection {
            indicators: hunted.iter().map(|&i| indicators[i].clone()).collect(),
            ..detection.clone()
        };
        detection.indicators = indicators;
        let mut emission = backend.emit(&visible, options)?;
        for query in &mut emission.queries {
            for i in &mut query.indicators {
                *i = hunted[*i];
            }
        }
        for (i, _) in &mut emission.skipped {
            *i = hunted[*i];
        }
        emission
    };
    let summary = Summary::build(
        backend,
        options
            .profile
            .as_deref()
            .or(backend.profiles().first().copied()),
        detection,
        records,
        emission,
        &hunted,
    )?;
    Ok(Outcome { summary })
}
