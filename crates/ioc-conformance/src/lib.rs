//! The conformance kit: one call puts a backend through the invariants every ioc-emit backend
//! keeps, on the repository's fixtures and on detections built to break query text.
//!
//! ```text
//! struct MyLiterals; // decodes the string literals of your query language
//! impl ioc_conformance::LiteralDecoder for MyLiterals { ... }
//!
//! #[test]
//! fn my_backend_conforms() {
//!     ioc_conformance::check(&my_backend::MyBackend, &MyLiterals);
//! }
//! ```
//!
//! Every input runs under every profile the backend declares, with exclusions commented and
//! applied, through the same pipeline as the CLI ([`ioc_emit::emit`]). The checks:
//!
//! - **No panic**: a panic in the backend is a failure, caught and reported with its input.
//! - **Determinism**: a second run gives a byte-identical summary, queries included.
//! - **Coverage**: [`ioc_core::Summary::build`] succeeds, so every indicator is in a query or
//!   reported skipped; every skipped, unsupported or rejected record has a reason.
//! - **Values survive escaping**: the backend's [`LiteralDecoder`] reads each query, and every
//!   indicator a query covers is found in its literals (an ip:port by its address), as is every
//!   value of every exclusion the query applies (except regular expressions, which a backend may
//!   have to rewrite into its dialect, and port numbers, which are not strings).
//! - **Comment text stays comment**: titles, family names, sources and exclusion texts holding
//!   quotes, line breaks and Unicode separators leave the decoded literals unchanged.
//! - **Exclusions never guess**: each query accounts for every exclusion in order; none is
//!   applied without `--exclusions apply`, none left commented with it, prose is never code.
//! - **Names**: query names are unique, non-empty, and safe as file names.

mod cases;
mod invariants;

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use ioc_core::{Backend, Detection, DetectionBuilder, EmitOptions, ExclusionMode, Summary};
use ioc_emit::PipelineError;

use crate::cases::{Case, Input};

/// Reads the string literals back out of a backend's query text.
///
/// Write it for the subset of the query language the backend emits, from the language's own
/// rules, not from the backend's escaping code: the kit compares what the backend meant to
/// write with what the language reads.
pub trait LiteralDecoder {
    /// The string literals of the query's matching logic, decoded, in order of appearance.
    ///
    /// Comments and metadata (a rule title, a description) are not literals. A literal used as
    /// a pattern (a `LIKE` or Sigma wildcard) comes back as the text it matches literally: its
    /// escapes undone, each run between two wildcards as one string. An `Err` says the text is
    /// not well formed (an unclosed literal, an unknown escape), with where.
    fn literals(&self, query_text: &str) -> Result<Vec<String>, String>;
}

/// Runs the kit with its defaults and panics with every failure; call it from one `#[test]`.
pub fn check(backend: &dyn Backend, decoder: &dyn LiteralDecoder) -> Report {
    Kit::new(backend, decoder).check()
}

/// The kit with options: another fixture folder, backend settings, more inputs.
pub struct Kit<'a> {
    backend: &'a dyn Backend,
    decoder: &'a dyn LiteralDecoder,
    fixtures: PathBuf,
    settings: BTreeMap<String, String>,
    inputs: Vec<(String, String)>,
}

/// What a passing run checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Inputs and generated detections, each run under every profile and exclusion mode.
    pub cases: usize,
    /// Emissions checked (each also run a second time for determinism).
    pub runs: usize,
    pub queries: usize,
    /// Indicator and exclusion values found in decoded literals.
    pub values: usize,
}

/// Everything that failed, one line (or a query after it) per failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failures(pub Vec<String>);

impl fmt::Display for Failures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 25;
        writeln!(f, "{} conformance failures:", self.0.len())?;
        for failure in self.0.iter().take(SHOWN) {
            writeln!(f, "- {failure}")?;
        }
        if self.0.len() > SHOWN {
            writeln!(f, "... and {} more", self.0.len() - SHOWN)?;
        }
        Ok(())
    }
}

impl<'a> Kit<'a> {
    pub fn new(backend: &'a dyn Backend, decoder: &'a dyn LiteralDecoder) -> Self {
        Kit {
            backend,
            decoder,
            fixtures: default_fixtures(),
            settings: BTreeMap::new(),
            inputs: Vec::new(),
        }
    }

    /// Reads the cases from `dir` (`<case>/input*` files) instead of the repository's fixtures.
    pub fn fixtures(mut self, dir: impl Into<PathBuf>) -> Self {
        self.fixtures = dir.into();
        self
    }

    /// A backend setting for every run, as `--set key=value` gives it.
    pub fn setting(mut self, key: &str, value: &str) -> Self {
        self.settings.insert(key.to_string(), value.to_string());
        self
    }

    /// One more input (a name and its text) to run as a case of its own.
    pub fn input(mut self, name: &str, text: &str) -> Self {
        self.inputs.push((name.to_string(), text.to_string()));
        self
    }

    /// Runs every case and panics with the failures, if any.
    pub fn check(&self) -> Report {
        match self.run() {
            Ok(report) => report,
            Err(failures) => panic!("backend {}: {failures}", self.backend.name()),
        }
    }

    /// Runs every case and returns what was checked, or every failure.
    pub fn run(&self) -> Result<Report, Failures> {
        let mut failures = Vec::new();
        let mut cases = match cases::fixture_cases(&self.fixtures) {
            Ok(cases) if cases.is_empty() => {
                let dir = self.fixtures.display();
                return Err(Failures(vec![format!(
                    "no fixture case (<case>/input*) in {dir}"
                )]));
            }
            Ok(cases) => cases,
            Err(message) => return Err(Failures(vec![message])),
        };
        cases.extend(self.inputs.iter().map(|(name, text)| Case {
            label: name.clone(),
            input: Input::Text(vec![(name.clone(), text.clone())]),
            twin: None,
            max_query_chars: None,
        }));
        cases.extend(cases::adversarial_cases());

        let mut report = Report {
            cases: cases.len(),
            ..Report::default()
        };
        let profiles: Vec<Option<String>> = if self.backend.profiles().is_empty() {
            vec![None]
        } else {
            self.backend
                .profiles()
                .iter()
                .map(|p| Some(p.to_string()))
                .collect()
        };
        for case in &cases {
            for profile in &profiles {
                for mode in [ExclusionMode::Comment, ExclusionMode::Apply] {
                    let options = EmitOptions {
                        profile: profile.clone(),
                        exclusions: mode,
                        max_query_chars: case.max_query_chars,
                        settings: self.settings.clone(),
                        ..EmitOptions::default()
                    };
                    let label = format!(
                        "{} [{}{mode:?}]",
                        case.label,
                        profile
                            .as_deref()
                            .map_or(String::new(), |p| format!("{p}, "))
                    );
                    if let Some(summary) = self.run_case(case, &options, &label, &mut failures) {
                        report.runs += 1;
                        report.queries += summary.queries.len();
                        report.values += invariants::check_summary(
                            &summary,
                            mode,
                            self.decoder,
                            &label,
                            &mut failures,
                        );
                        if let Some(twin) = &case.twin {
                            self.compare_twin(&summary, twin, &options, &label, &mut failures);
                        }
                    }
                }
            }
        }
        if failures.is_empty() {
            Ok(report)
        } else {
            Err(Failures(failures))
        }
    }

    /// Emits a case twice; returns the summary when both runs succeed and agree. An input the
    /// reader refuses returns `None` without a failure: reading is not the backend's job.
    fn run_case(
        &self,
        case: &Case,
        options: &EmitOptions,
        label: &str,
        failures: &mut Vec<String>,
    ) -> Option<Summary> {
        let first = match self.emit_caught(&case.input, options) {
            Ok(Ok(summary)) => summary,
            Ok(Err(PipelineError::Read(_))) if matches!(case.input, Input::Text(_)) => return None,
            Ok(Err(e)) => {
                failures.push(format!("{label}: {e}"));
                return None;
            }
            Err(panic) => {
                failures.push(format!("{label}: the backend panicked: {panic}"));
                return None;
            }
        };
        match self.emit_caught(&case.input, options) {
            Ok(Ok(second)) => {
                let text = |s: &Summary| serde_json::to_string(s).expect("a summary serialises");
                if text(&first) != text(&second) {
                    failures.push(format!("{label}: two runs gave different output"));
                }
            }
            Ok(Err(e)) => failures.push(format!("{label}: the second run failed: {e}")),
            Err(panic) => failures.push(format!("{label}: the second run panicked: {panic}")),
        }
        Some(first)
    }

    fn emit_caught(
        &self,
        input: &Input,
        options: &EmitOptions,
    ) -> Result<Result<Summary, PipelineError>, String> {
        let backend = self.backend;
        catch_unwind(AssertUnwindSafe(|| {
            let outcome = match input {
                Input::Text(files) => ioc_emit::emit(files, None, backend, options),
                Input::Built(built) => {
                    let (detection, records) = built.as_ref();
                    ioc_emit::emit_detection(detection, records, backend, options)
                }
            };
            outcome.map(|o| o.summary)
        }))
        .map_err(|payload| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".to_string())
        })
    }

    /// The twin holds the same values with plain comment texts: its literals must be the same.
    fn compare_twin(
        &self,
        summary: &Summary,
        twin: &Input,
        options: &EmitOptions,
        label: &str,
        failures: &mut Vec<String>,
    ) {
        let Ok(Ok(plain)) = self.emit_caught(twin, options) else {
            failures.push(format!("{label}: the plain-text twin did not emit"));
            return;
        };
        if plain.queries.len() != summary.queries.len() {
            failures.push(format!(
                "{label}: comment text changed the number of queries ({} against {})",
                summary.queries.len(),
                plain.queries.len()
            ));
            return;
        }
        for (tricky, plain) in summary.queries.iter().zip(&plain.queries) {
            let (Ok(a), Ok(b)) = (
                self.decoder.literals(&tricky.text),
                self.decoder.literals(&plain.text),
            ) else {
                // The undecodable query is already reported by the invariants.
                continue;
            };
            if a != b {
                failures.push(format!(
                    "{label}: {}: comment text reached the query's literals\n{}",
                    tricky.name, tricky.text
                ));
            }
        }
    }
}

/// Detections to test a backend's internals on, such as a bound its splitting relies on: every
/// fixture case that reads, the kit's adversarial detections, and generated values of every
/// kind with many ports sharing each address.
pub fn sample_detections() -> Vec<Detection> {
    let mut cases = cases::fixture_cases(&default_fixtures()).unwrap_or_else(|e| panic!("{e}"));
    cases.extend(cases::adversarial_cases());
    let mut detections = Vec::new();
    for case in cases {
        match case.input {
            Input::Built(built) => detections.push(built.0),
            Input::Text(files) => {
                let mut builder = DetectionBuilder::new();
                let read = files.iter().try_for_each(|(name, text)| {
                    ioc_read::read(name, text, None, &mut builder).map(drop)
                });
                if read.is_ok() {
                    detections.push(builder.finish().0);
                }
            }
        }
    }
    detections.push(cases::every_kind());
    detections
}

/// The parts [`ioc_core::partition::split`] would try for `items` of `detection`, down to
/// single items, then `items` grouped by kind and by address (so that ports sharing an address
/// are tried on their own): the subsets a test of a bound on a part's rendered length, such as
/// [`ioc_core::length_floor`], should render.
pub fn split_subsets(detection: &Detection, items: &[usize]) -> Vec<Vec<usize>> {
    let mut by_group: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in items {
        let value = &detection.indicators[i].value;
        by_group
            .entry(value.kind().to_string())
            .or_default()
            .push(i);
        if let ioc_core::IndicatorValue::IpPort { ip, .. } = value {
            by_group.entry(ip.to_string()).or_default().push(i);
        }
    }
    // The split tries the halves of a part on two threads: the subsets come in any order, and
    // are sorted so that a test sees them in one.
    let tried = std::sync::Mutex::new(Vec::new());
    ioc_core::partition::split(
        items,
        |&i| detection.indicators[i].value.to_string(),
        |part| {
            tried
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(part.to_vec());
            false
        },
    );
    let mut all = tried
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    all.sort_unstable();
    all.extend(by_group.into_values());
    all
}

/// The repository's `fixtures/`, found from this crate's own manifest directory.
fn default_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}
