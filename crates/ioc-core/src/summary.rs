//! The run summary: every input record with its final state, and every query with what it covers.
//!
//! Building it is also the check of the accounting invariant: an indicator handed to a backend
//! that is neither in a query nor reported skipped is a bug, and [`Summary::build`] refuses it.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::backend::{Artifact, Backend, Emission, ExclusionUse};
use crate::detection::{Detection, Record, RecordState};
use crate::exclusion::Exclusion;
use crate::indicator::{IndicatorKind, Source};

/// The final state of one input record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Emitted,
    Duplicate,
    Rejected,
    Skipped,
    Unsupported,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordReport {
    pub source: Source,
    pub original: Arc<str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_type: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<IndicatorKind>,
    /// The canonical value, shared with the queries that list it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Arc<str>>,
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<Box<Source>>,
    /// The queries that cover the record's indicator; records covered by the same queries
    /// share one list.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub queries: Arc<[Arc<str>]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryReport {
    pub name: String,
    pub backend: String,
    pub target: String,
    pub text: String,
    /// Canonical values, in output order.
    pub indicators: Vec<Arc<str>>,
    pub exclusions: Vec<ExclusionUse>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub backend: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    pub sources: Vec<String>,
    pub counts: BTreeMap<State, usize>,
    pub records: Vec<RecordReport>,
    pub queries: Vec<QueryReport>,
    pub exclusions: Vec<Exclusion>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<Artifact>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Artifact>,
}

/// What the records need of one indicator once the backend is done with it.
struct Known {
    kind: IndicatorKind,
    /// The canonical value, written once and shared by its records and queries.
    value: Arc<str>,
    /// Where it was first seen, for the records that duplicate it.
    first: Source,
}

/// An indicator was handed to a backend and came back neither emitted nor skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("backend {backend} neither emitted nor reported {value} ({kind}); this is a bug")]
pub struct CoverageError {
    pub backend: String,
    pub kind: IndicatorKind,
    pub value: String,
}

impl Summary {
    /// Joins the reader's records with what the backend did. Both are taken, not copied: at a
    /// million records a copy of each string would double the run's memory.
    ///
    /// `detection` is the full detection; indicators of kinds the backend does not support
    /// are reported as unsupported. Its indicators are freed as soon as what the records need
    /// of them is taken, before the records' reports are made.
    pub fn build(
        backend: &dyn Backend,
        profile: Option<&str>,
        detection: Detection,
        records: Vec<Record>,
        emission: Emission,
        hunted: &[usize],
    ) -> Result<Summary, CoverageError> {
        let n = detection.indicators.len();
        let names: Vec<Arc<str>> = emission
            .queries
            .iter()
            .map(|q| Arc::from(q.name.as_str()))
            .collect();
        // Each indicator's queries, in query order, as one flat list read through `starts`
        // (`ids[starts[i]..starts[i + 1]]`): one allocation, not one per indicator.
        let mut starts = vec![0usize; n + 1];
        for query in &emission.queries {
            for &i in &query.indicators {
                starts[i + 1] += 1;
            }
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut ids = vec![0u32; starts[n]];
        let mut next = starts.clone();
        for (q, query) in emission.queries.iter().enumerate() {
            for &i in &query.indicators {
                ids[next[i]] = q as u32;
                next[i] += 1;
            }
        }
        drop(next);
        let queries_of = |i: usize| &ids[starts[i]..starts[i + 1]];
        let mut skipped: Vec<Option<&str>> = vec![None; n];
        for (i, reason) in &emission.skipped {
            skipped[*i] = Some(reason);
        }
        let mut hunted_mask = vec![false; n];
        for &i in hunted {
            hunted_mask[i] = true;
        }
        for i in 0..n {
            if hunted_mask[i] && queries_of(i).is_empty() && skipped[i].is_none() {
                let indicator = &detection.indicators[i];
                return Err(CoverageError {
                    backend: backend.name().to_string(),
                    kind: indicator.kind(),
                    value: indicator.value.to_string(),
                });
            }
        }
        // What the records need of each indicator: its kind, its source (for duplicates) and
        // its canonical value, written once and shared by its records and queries.
        let Detection {
            indicators,
            title,
            family,
            sources,
            exclusions,
            warnings,
            ..
        } = detection;
        // Each indicator is dropped as soon as this is taken, on whichever thread took it.
        let known: Vec<Known> = indicators
            .into_par_iter()
            .map_init(String::new, |text, indicator| {
                text.clear();
                write!(text, "{}", indicator.value).expect("writing to a String cannot fail");
                Known {
                    kind: indicator.kind(),
                    value: Arc::from(text.as_str()),
                    first: indicator.source,
                }
            })
            .collect();

        let none: Arc<[Arc<str>]> = Arc::from(Vec::new());
        let unsupported = |kind: IndicatorKind| {
            format!("backend {} does not hunt {kind} indicators", backend.name())
        };
        // Records are independent of each other: they are reported on every core, in order.
        // Each rayon job (a run of records) shares one list among its records of the same
        // queries; the lists are equal across jobs, so the output does not depend on the split.
        let reports: Vec<RecordReport> = records
            .into_par_iter()
            .map_init(HashMap::<&[u32], Arc<[Arc<str>]>>::new, |lists, record| {
                let mut report = RecordReport {
                    source: record.source,
                    original: record.original,
                    declared_type: record.declared_type,
                    kind: None,
                    value: None,
                    state: State::Emitted,
                    reason: None,
                    duplicate_of: None,
                    queries: Arc::clone(&none),
                };
                match record.state {
                    RecordState::Indicator(i) | RecordState::Duplicate(i) => {
                        let known = &known[i];
                        report.kind = Some(known.kind);
                        report.value = Some(known.value.clone());
                        if let RecordState::Duplicate(_) = record.state {
                            report.state = State::Duplicate;
                            report.duplicate_of = Some(Box::new(known.first.clone()));
                        } else if !hunted_mask[i] {
                            report.state = State::Unsupported;
                            report.reason = Some(unsupported(known.kind));
                        } else if !queries_of(i).is_empty() {
                            let list = lists.entry(queries_of(i));
                            report.queries = Arc::clone(list.or_insert_with_key(|qs| {
                                qs.iter().map(|&q| names[q as usize].clone()).collect()
                            }));
                        } else {
                            report.state = State::Skipped;
                            report.reason = skipped[i].map(str::to_string);
                        }
                    }
                    RecordState::Rejected(reason) => {
                        report.state = State::Rejected;
                        report.reason = Some(reason);
                    }
                    RecordState::Skipped(reason) => {
                        report.state = State::Skipped;
                        report.reason = Some(reason);
                    }
                }
                report
            })
            .collect();
        let mut counts: BTreeMap<State, usize> = [
            State::Emitted,
            State::Duplicate,
            State::Rejected,
            State::Skipped,
            State::Unsupported,
        ]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
        for report in &reports {
            *counts.entry(report.state).or_default() += 1;
        }

        let Emission {
            queries,
            notes,
            artifacts,
            rules,
            ..
        } = emission;
        let queries = queries
            .into_iter()
            .map(|q| QueryReport {
                name: q.name,
                backend: backend.name().to_string(),
                target: q.target,
                text: q.text,
                indicators: q
                    .indicators
                    .iter()
                    .map(|&i| known[i].value.clone())
                    .collect(),
                exclusions: q.exclusions,
            })
            .collect();
        Ok(Summary {
            backend: backend.name().to_string(),
            profile: profile.map(str::to_string),
            title,
            family,
            sources,
            counts,
            records: reports,
            queries,
            exclusions,
            warnings,
            notes,
            artifacts,
            rules,
        })
    }
}
