//! A detection: what one run hunts for, assembled from every input by a [`DetectionBuilder`].
//!
//! The builder is where accounting starts. Each record a reader meets becomes exactly one
//! [`Record`]: accepted as an indicator, merged into an earlier duplicate, rejected with a reason,
//! or skipped by a stated policy. Nothing a reader sees can vanish without a record.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use hashbrown::HashTable;
use rayon::slice::ParallelSliceMut;
use serde::Serialize;

use crate::attack::{AttackTag, Level};
use crate::exclusion::{Exclusion, ExclusionKind};
use crate::indicator::{Indicator, IndicatorValue, Interner, Metadata, Source};

/// What is hunted for, and what to leave out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Detection {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    /// How urgent a match is; `None` lets each backend decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// ATT&CK tactics and techniques, in the order given; empty lets each backend decide.
    #[serde(skip)]
    pub attack: Vec<AttackTag>,
    /// The input names, in the order given.
    pub sources: Vec<String>,
    /// Sorted by kind, then value; no two share a value.
    #[serde(skip)]
    pub indicators: Vec<Indicator>,
    pub exclusions: Vec<Exclusion>,
    /// Set by [`DetectionBuilder::finish`]; see [`Detection::label`].
    #[serde(skip)]
    pub label: String,
    /// Things a reader noticed that are not about one record, such as a table whose row count
    /// disagrees with the count the write-up states.
    pub warnings: Vec<String>,
}

impl Detection {
    /// The name used for the detection in query names, rule ids and file names: the family,
    /// made unique by the first input's name when the family is generic ("Unknown malware"),
    /// else the title. Two reports about different unnamed malware must not share names.
    pub fn label(&self) -> &str {
        if !self.label.is_empty() {
            return &self.label;
        }
        self.family.as_deref().unwrap_or(&self.title)
    }

    pub fn structured_exclusions(&self) -> impl Iterator<Item = &Exclusion> {
        self.exclusions.iter().filter(|e| e.expr().is_some())
    }

    pub fn prose_exclusions(&self) -> impl Iterator<Item = &Exclusion> {
        self.exclusions.iter().filter(|e| e.expr().is_none())
    }
}

/// The fate of one input record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordState {
    /// Became the indicator at this index of [`Detection::indicators`].
    Indicator(usize),
    /// Same value as the indicator at this index, first seen elsewhere.
    Duplicate(usize),
    Rejected(String),
    Skipped(String),
}

/// One record of the input, as the reader met it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub source: Source,
    /// The value as written.
    pub original: Arc<str>,
    /// The type the input declared, if it declared one; shared by every record that declared
    /// the same.
    pub declared_type: Option<Arc<str>>,
    pub state: RecordState,
}

/// Collects what readers find into one [`Detection`].
#[derive(Debug, Default)]
pub struct DetectionBuilder {
    detection: Detection,
    /// The indicators' indexes, found by the hash of their value and told apart by comparing
    /// the values themselves, so a million values are not kept twice.
    by_value: HashTable<u32>,
    records: Vec<Record>,
    /// The declared types met so far: a feed uses a handful, for a million rows.
    declared: Vec<Arc<str>>,
    /// Whether any value validated so far carried a confidence, or a first-seen date: a filter
    /// on a field no record has leaves nothing out, and the user should hear so.
    saw_confidence: bool,
    saw_first_seen: bool,
    /// Shared copies of the metadata texts the readers hand in.
    interner: Interner,
}

impl DetectionBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The run's shared copies of repeated metadata texts, for readers to build
    /// [`Metadata`] from.
    pub fn interner(&mut self) -> &mut Interner {
        &mut self.interner
    }

    /// Makes room for about `rows` more records, and as many indicators, so that a big input
    /// does not grow the lists (and copy them) step by step. A guess too high costs address
    /// space, and the index's control bytes, until the rows arrive. The guess is capped, and a
    /// room the system refuses is not an error: the lists then grow as the rows come.
    pub fn reserve(&mut self, rows: usize) {
        let rows = rows.min(MAX_RESERVED_ROWS);
        if self.records.try_reserve(rows).is_err()
            || self.detection.indicators.try_reserve(rows).is_err()
        {
            return;
        }
        let indicators = &self.detection.indicators;
        let _ = self
            .by_value
            .try_reserve(rows, |&i| value_hash(&indicators[i as usize].value));
    }

    /// Notes an input, for the header comments of every query.
    pub fn add_source(&mut self, name: &str) {
        if !self.detection.sources.iter().any(|s| s == name) {
            self.detection.sources.push(name.to_string());
        }
    }

    /// The first title given wins; later inputs only fill what is still empty.
    pub fn set_title(&mut self, title: &str) {
        if self.detection.title.is_empty() && !title.trim().is_empty() {
            self.detection.title = title.trim().to_string();
        }
    }

    /// Several inputs about different families name them all, in order of appearance.
    pub fn set_family(&mut self, family: &str) {
        let family = family.trim();
        if family.is_empty() {
            return;
        }
        match &mut self.detection.family {
            None => self.detection.family = Some(family.to_string()),
            Some(known) => {
                if !known.split(" / ").any(|f| f == family) {
                    known.push_str(" / ");
                    known.push_str(family);
                }
            }
        }
    }

    pub fn set_description(&mut self, description: &str) {
        if self.detection.description.is_none() && !description.trim().is_empty() {
            self.detection.description = Some(description.trim().to_string());
        }
    }

    pub fn add_reference(&mut self, reference: &str) {
        push_unique(&mut self.detection.references, reference.trim());
    }

    pub fn add_tag(&mut self, tag: &str) {
        push_unique(&mut self.detection.tags, tag.trim());
    }

    /// Adds an indicator, or merges it into an earlier one with the same value.
    ///
    /// Merging keeps the earliest first-seen date, the highest confidence and every tag, so
    /// the result does not depend on which duplicate came first.
    pub fn accept(&mut self, indicator: Indicator, declared_type: Option<&str>) {
        let source = indicator.source.clone();
        let original = indicator.original.clone();
        let indicators = &mut self.detection.indicators;
        let hash = value_hash(&indicator.value);
        let found = self
            .by_value
            .find(hash, |&i| indicators[i as usize].value == indicator.value)
            .copied();
        let state = match found {
            Some(index) => {
                let index = index as usize;
                merge_meta(&mut indicators[index], &indicator);
                RecordState::Duplicate(index)
            }
            None => {
                let index = indicators.len();
                let slot = u32::try_from(index).expect("fewer than 2^32 indicators");
                self.by_value
                    .insert_unique(hash, slot, |&i| value_hash(&indicators[i as usize].value));
                indicators.push(indicator);
                RecordState::Indicator(index)
            }
        };
        let declared_type = self.intern(declared_type);
        self.records.push(Record {
            source,
            original,
            declared_type,
            state,
        });
    }

    /// The shared copy of a declared type.
    fn intern(&mut self, declared: Option<&str>) -> Option<Arc<str>> {
        let declared = declared?;
        if let Some(known) = self.declared.iter().find(|d| &***d == declared) {
            return Some(known.clone());
        }
        let new: Arc<str> = Arc::from(declared);
        if self.declared.len() < 64 {
            self.declared.push(new.clone());
        }
        Some(new)
    }

    pub fn reject(
        &mut self,
        source: Source,
        original: &str,
        declared_type: Option<&str>,
        reason: impl Into<String>,
    ) {
        let declared_type = self.intern(declared_type);
        self.records.push(Record {
            source,
            original: Arc::from(original),
            declared_type,
            state: RecordState::Rejected(reason.into()),
        });
    }

    pub fn skip(
        &mut self,
        source: Source,
        original: &str,
        declared_type: Option<&str>,
        reason: impl Into<String>,
    ) {
        let declared_type = self.intern(declared_type);
        self.records.push(Record {
            source,
            original: Arc::from(original),
            declared_type,
            state: RecordState::Skipped(reason.into()),
        });
    }

    pub fn add_exclusion(
        &mut self,
        text: &str,
        scenario: Option<&str>,
        source: Source,
        kind: ExclusionKind,
    ) {
        let id = format!("x{}", self.detection.exclusions.len() + 1);
        self.detection.exclusions.push(Exclusion {
            id,
            text: text.trim().to_string(),
            scenario: scenario.map(|s| s.trim().to_string()),
            source,
            kind,
        });
    }

    /// Notes which of the fields the filters read a validated value carries.
    pub fn note_fields(&mut self, meta: &Metadata) {
        self.saw_confidence |= meta.confidence.is_some();
        self.saw_first_seen |= meta.first_seen.is_some();
    }

    /// Whether any value noted by [`Self::note_fields`] carried a confidence.
    pub fn saw_confidence(&self) -> bool {
        self.saw_confidence
    }

    /// Whether any value noted by [`Self::note_fields`] carried a first-seen date.
    pub fn saw_first_seen(&self) -> bool {
        self.saw_first_seen
    }

    /// A warning about the run as a whole, not about one place in the input.
    pub fn warn_run(&mut self, message: impl Into<String>) {
        self.detection.warnings.push(message.into());
    }

    pub fn warn(&mut self, source: &Source, message: impl AsRef<str>) {
        self.detection
            .warnings
            .push(format!("{source}: {}", message.as_ref()));
    }

    pub fn indicator_count(&self) -> usize {
        self.detection.indicators.len()
    }

    /// How many records so far became an indicator or a duplicate of one.
    pub fn accepted_count(&self) -> usize {
        self.records
            .iter()
            .filter(|r| {
                matches!(
                    r.state,
                    RecordState::Indicator(_) | RecordState::Duplicate(_)
                )
            })
            .count()
    }

    /// Sorts the indicators by kind and value and returns the detection with its records.
    pub fn finish(mut self) -> (Detection, Vec<Record>) {
        self.by_value = HashTable::new();
        let indicators = &mut self.detection.indicators;
        // No two indicators share a value, so an unstable sort gives the one order.
        // On every core: at a million indicators this is a tenth of the run.
        let mut order: Vec<usize> = (0..indicators.len()).collect();
        order.par_sort_unstable_by(|&a, &b| indicators[a].value.cmp(&indicators[b].value));
        let mut new_index = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        // Move each indicator to its place by following the permutation's cycles, so a big
        // detection is never held twice.
        let mut target = new_index.clone();
        for i in 0..indicators.len() {
            while target[i] != i {
                let j = target[i];
                indicators.swap(i, j);
                target.swap(i, j);
            }
        }
        for record in &mut self.records {
            match &mut record.state {
                RecordState::Indicator(i) | RecordState::Duplicate(i) => *i = new_index[*i],
                _ => {}
            }
        }
        let stem = self.detection.sources.first().map(|s| {
            let name = s.rsplit(['/', '\\']).next().unwrap_or(s);
            name.rsplit_once('.')
                .map_or(name, |(stem, _)| stem)
                .to_string()
        });
        if self.detection.title.is_empty() {
            self.detection.title = match (&self.detection.family, &stem) {
                (Some(family), _) => format!("{family} indicators"),
                (None, Some(stem)) => format!("Indicators from {stem}"),
                (None, None) => "ioc-emit indicators".to_string(),
            };
        }
        self.detection.label = match (&self.detection.family, stem) {
            (Some(family), _) if !is_generic(family) => family.clone(),
            (Some(family), Some(stem)) => format!("{family} {stem}"),
            (None, Some(stem)) => stem,
            _ => self.detection.title.clone(),
        };
        (self.detection, self.records)
    }
}

/// The most rows [`DetectionBuilder::reserve`] makes room for at once: 4 million, about
/// 1.4 GB of address space (a full ThreatFox export is about a million); past it the lists
/// grow as the rows come.
const MAX_RESERVED_ROWS: usize = 1 << 22;

/// Families that name no family: feeds say "Unknown malware" or "unknown" for thousands of
/// unrelated samples.
fn is_generic(family: &str) -> bool {
    let lower = family.trim().to_ascii_lowercase();
    lower.starts_with("unknown") || matches!(lower.as_str(), "" | "n/a" | "none" | "-" | "null")
}

/// The hash of a value, for [`DetectionBuilder`]'s index.
fn value_hash(value: &IndicatorValue) -> u64 {
    let mut hasher = Fnv::default();
    value.hash(&mut hasher);
    hasher.finish()
}

/// FNV-1a, 64-bit, as a `Hasher`: much faster than the default SipHash on short values. It
/// does not resist chosen collisions: a crafted feed could make values share hashes and slow
/// the run down, but never change its result, since equal hashes are checked value by value.
#[derive(Debug)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !item.is_empty() && !list.iter().any(|s| s == item) {
        list.push(item.to_string());
    }
}

fn merge_meta(kept: &mut Indicator, other: &Indicator) {
    let (a, b) = (&mut kept.meta, &other.meta);
    a.first_seen = match (a.first_seen.take(), &b.first_seen) {
        (Some(x), Some(y)) => Some(if *y < x { y.clone() } else { x }),
        (x, y) => x.or_else(|| y.clone()),
    };
    a.confidence = a.confidence.max(b.confidence);
    if b.tags.iter().any(|t| !t.is_empty() && !a.tags.contains(t)) {
        let mut tags: Vec<Arc<str>> = a.tags.to_vec();
        for tag in b.tags.iter() {
            if !tag.is_empty() && !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
        tags.sort();
        a.tags = tags.into();
    } else if !a.tags.is_sorted() {
        let mut tags = a.tags.to_vec();
        tags.sort();
        a.tags = tags.into();
    }
    // Where duplicates disagree, the smaller text wins, so arrival order never decides.
    for (mine, theirs) in [
        (&mut a.threat_type, &b.threat_type),
        (&mut a.malware, &b.malware),
        (&mut a.reference, &b.reference),
    ] {
        if let Some(t) = theirs {
            if mine.as_ref().is_none_or(|m| t < m) {
                *mine = Some(t.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::{IndicatorKind, IndicatorValue};

    fn indicator(text: &str, line: u32, first_seen: &str) -> Indicator {
        Indicator {
            value: IndicatorValue::parse(IndicatorKind::IpPort.into(), text).unwrap(),
            original: text.into(),
            source: Source::line("r.md", line),
            meta: Metadata {
                first_seen: Some(first_seen.into()),
                ..Metadata::default()
            },
        }
    }

    #[test]
    fn duplicates_merge_and_indicators_sort() {
        let mut b = DetectionBuilder::new();
        b.accept(indicator("10.0.0.2:80", 1, "2026-01-02"), None);
        b.accept(indicator("10.0.0.1:80", 2, "2026-01-05"), None);
        b.accept(indicator("10.0.0.2:80", 3, "2026-01-01"), None);
        b.reject(Source::line("r.md", 4), "nonsense", Some("ip:port"), "bad");
        let (d, records) = b.finish();
        let values: Vec<String> = d.indicators.iter().map(|i| i.value.to_string()).collect();
        assert_eq!(values, ["10.0.0.1:80", "10.0.0.2:80"]);
        assert_eq!(
            d.indicators[1].meta.first_seen.as_deref(),
            Some("2026-01-01")
        );
        let states: Vec<&RecordState> = records.iter().map(|r| &r.state).collect();
        assert_eq!(
            states,
            [
                &RecordState::Indicator(1),
                &RecordState::Indicator(0),
                &RecordState::Duplicate(1),
                &RecordState::Rejected("bad".into())
            ]
        );
    }

    #[test]
    fn a_wild_reservation_is_capped_and_changes_nothing() {
        let mut b = DetectionBuilder::new();
        b.accept(indicator("10.0.0.9:80", 1, "2026-01-01"), None);
        // After a row, so the index rehashes what it holds; asked for more than any memory.
        b.reserve(usize::MAX);
        assert!(b.records.capacity() < 2 * MAX_RESERVED_ROWS);
        b.accept(indicator("10.0.0.8:80", 2, "2026-01-01"), None);
        b.accept(indicator("10.0.0.9:80", 3, "2026-01-01"), None);
        let (d, records) = b.finish();
        let values: Vec<String> = d.indicators.iter().map(|i| i.value.to_string()).collect();
        assert_eq!(values, ["10.0.0.8:80", "10.0.0.9:80"]);
        assert_eq!(records[2].state, RecordState::Duplicate(1));
    }
}
