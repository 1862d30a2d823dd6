//! The SPL backend: Splunk hunting searches, as `tstats` over the Common Information Model data
//! models (the default profile, `cim`) or as a plain `search` over raw events (`raw`), and under
//! `--emit rule` a `savedsearches.conf` that schedules them as alerts (`savedsearch.rs`).
//!
//! One search per dataset: network traffic (`Network_Traffic.All_Traffic`), DNS
//! (`Network_Resolution.DNS`), web (`Web.Web`), processes (`Endpoint.Processes`) and file system
//! (`Endpoint.Filesystem`). Each opens with comments naming the detection, its sources and what
//! it covers, searches the lookback (`earliest=-14d`), matches the indicators the dataset can
//! see, carries the exclusions (disabled unless `--exclusions apply`), and shows what an analyst
//! needs. E-mail addresses are not hunted.
//!
//! The matching rules are those of every backend: an ip:port as that exact pair, a domain with
//! its subdomains but never a look-alike, a URL exactly (its path with case), a hash against the
//! dataset's hash field. Search terms ignore case and cannot hold a literal `*`; where that
//! makes a term match more than it should, a `| where` repeats every condition exactly. The
//! quoting rules, with the titles of the Splunk documentation they follow, are in `literal.rs`.
//!
//! # Settings
//!
//! `EmitOptions::settings`, by profile:
//!
//! - `summariesonly` (cim; default `false`): `true` searches only the accelerated summaries,
//!   which is faster but blind to events not yet summarised.
//! - `index` (raw; default `*`): the indexes to search, comma-separated; `*` is a wildcard.
//! - `index.<dataset>` (raw; default `index`): the same for one dataset: `network-traffic`,
//!   `dns`, `web`, `processes` or `filesystem`.
//! - `sourcetype` (raw; default none, so any source type): source types, comma-separated.
//! - `sourcetype.<dataset>` (raw; default `sourcetype`): the same for one dataset.
//! - `field.<role>` (raw; default the role itself): the event field holding a CIM field, such
//!   as `field.dest_ip=DestinationIp`.
//! - `field.<hash role>.<algorithm>` (raw; default `field.<hash role>`): a field for one
//!   algorithm, such as `field.file_hash.sha256=SHA256`, so that a hash is compared with the
//!   field for its length.
//!
//! - `lookup` (both; default `<detection>-iocs.csv`): in lookup mode, the name the searches
//!   give the lookup table: the uploaded file's name, or a `transforms.conf` stanza's.
//!
//! Roles are CIM field names without the dataset prefix: `dest_ip`, `dest_port`, `src_ip`,
//! `src_port` (network traffic), `query` (DNS), `url`, `url_domain` (web), `process_hash`,
//! `process_name` (processes), `file_hash`, `file_name` (file system), and the fields exclusions
//! test: `process`, `process_path`, `parent_process`, `parent_process_name`,
//! `parent_process_path`, `file_path`, `user`, `src`, `dest`. Their defaults are the CIM names
//! themselves, which CIM-compliant add-ons extract at search time. An unknown key, or a key of
//! the other profile, is an error.
//!
//! # Size
//!
//! Inline (the default mode), a search longer than `--max-query-chars` (10,000 by default, see
//! [`DEFAULT_MAX_QUERY_CHARS`]) is split into parts by a hash of each value, as the KQL backend
//! does: each indicator is in exactly one part per dataset, and adding one changes only its own
//! part. `--mode lookup` writes the indicators into a CSV lookup table instead, read by one
//! short search per dataset (see `lookup.rs`).

mod eval;
mod exclusions;
mod literal;
mod lookup;
mod matching;
mod profile;
mod query;
mod savedsearch;
mod schema;

use std::convert::Infallible;

use ioc_core::length_floor::LengthFloor;
use ioc_core::partition::{self, Limit};
use ioc_core::{
    register_backend, Backend, Detection, Emission, EmitError, EmitOptions, IndicatorKind, Mode,
    Output, Query,
};

pub use profile::Profile;
pub use savedsearch::conf_value;

use crate::profile::{Naming, Settings};
use crate::schema::{DATASETS, KINDS};

/// The longest search written inline, in characters, unless `--max-query-chars` says otherwise.
///
/// Splunk documents no hard limit on the length of a search, but a long one is slow to parse,
/// and one with thousands of terms cannot be reviewed before it is scheduled. 10,000 characters
/// (200 to 300 indicators) keeps a search readable on a screen or two, and is the same limit the
/// KQL backend keeps for Sentinel, so a feed splits into comparable parts on both SIEMs. Past a
/// few thousand indicators, `--mode lookup` is the better form.
pub const DEFAULT_MAX_QUERY_CHARS: usize = 10_000;

/// Room left for the part label that a split adds to the header and the name.
const LABEL_SLACK: usize = 80;

/// The SPL backend.
pub struct Spl;

register_backend!(Spl);

impl Backend for Spl {
    fn name(&self) -> &'static str {
        "spl"
    }

    fn description(&self) -> &'static str {
        "Splunk SPL hunting searches: tstats over the CIM data models, or raw-event searches"
    }

    fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    fn kinds(&self) -> &'static [IndicatorKind] {
        KINDS
    }

    fn profiles(&self) -> &'static [&'static str] {
        Profile::NAMES
    }

    fn file_extension(&self) -> &'static str {
        "spl"
    }

    fn rule_format(&self) -> Option<&'static str> {
        Some("Splunk savedsearches.conf with one scheduled alert per search")
    }

    fn emit(&self, detection: &Detection, options: &EmitOptions) -> Result<Emission, EmitError> {
        let profile = match options.profile.as_deref() {
            None => Profile::Cim,
            Some(name) => Profile::from_name(name).ok_or_else(|| EmitError::UnknownProfile {
                backend: "spl",
                profile: name.to_string(),
                choices: Profile::NAMES.join(", "),
            })?,
        };
        let settings =
            Settings::parse(profile, &options.settings).map_err(|message| EmitError::Invalid {
                backend: "spl",
                message,
            })?;

        let mut emission = Emission::default();
        let all: Vec<usize> = (0..detection.indicators.len()).collect();
        // In lookup mode the table carries every kind it can; the rest are searched inline.
        let (looked_up, inline): (Vec<usize>, Vec<usize>) = match options.mode {
            Mode::Inline => (Vec::new(), all),
            Mode::Lookup => all
                .into_iter()
                .partition(|&i| lookup::KINDS.contains(&detection.indicators[i].kind())),
        };
        let table = lookup::table_name(detection, settings.lookup.as_deref());
        if options.mode == Mode::Lookup {
            emission.artifacts.push(lookup::table(detection, &table)?);
            emission.notes.push(format!(
                "lookup mode: upload {table} as a lookup table file (or name your own with \
                 --set lookup=NAME); the searches read it with the lookup command"
            ));
            if !inline.is_empty() {
                emission.notes.push(
                    "lookup mode: CIDR ranges are searched inline, since a lookup matches ranges \
                     only with a CIDR match type set in transforms.conf"
                        .to_string(),
                );
            }
        }
        let mut searches = Vec::new();
        for dataset in DATASETS {
            let naming = Naming::new(profile, dataset, &settings);
            if !looked_up.is_empty() {
                let search = lookup::search(detection, options, &naming, &table, &looked_up);
                searches.extend(search.into_iter().map(|q| (q, dataset.title)));
            }
            let queries =
                dataset_queries(detection, options, &naming, &inline, &mut emission.notes);
            searches.extend(queries.into_iter().map(|q| (q, dataset.title)));
        }
        if options.output == Output::Rules && !searches.is_empty() {
            let file = savedsearch::file(detection, options, &searches).map_err(|message| {
                EmitError::Invalid {
                    backend: "spl",
                    message,
                }
            })?;
            emission.rules.push(file);
        }
        emission.queries = searches.into_iter().map(|(query, _)| query).collect();
        let mut covered = vec![false; detection.indicators.len()];
        for query in &emission.queries {
            for &i in &query.indicators {
                covered[i] = true;
            }
        }
        for (i, indicator) in detection.indicators.iter().enumerate() {
            if !covered[i] {
                emission.skipped.push((
                    i,
                    format!("no Splunk dataset hunts {} indicators", indicator.kind()),
                ));
            }
        }
        if profile == Profile::Raw && !options.settings.keys().any(|k| k.starts_with("field.")) {
            emission.notes.push(
                "profile raw: the searches use CIM field names (dest_ip, query, url, ...); set \
                 field.<role> for sources that name them otherwise"
                    .to_string(),
            );
        }
        Ok(emission)
    }
}

/// The inline searches of one dataset for the indicators at `items`: one, or several parts when
/// one would be longer than the limit.
fn dataset_queries(
    detection: &Detection,
    options: &EmitOptions,
    naming: &Naming,
    items: &[usize],
    notes: &mut Vec<String>,
) -> Vec<Query> {
    let hunted = |i: usize| {
        let kind = detection.indicators[i].kind();
        naming
            .dataset
            .hunts
            .iter()
            .any(|h| h.kinds().contains(&kind))
    };
    let candidates: Vec<usize> = items.iter().copied().filter(|&i| hunted(i)).collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let limit = options.max_query_chars.unwrap_or(DEFAULT_MAX_QUERY_CHARS);
    let floor = LengthFloor::new(&candidates, |i| &detection.indicators[i].value);
    let fits = |subset: &[usize]| {
        floor.at_most(subset, limit)
            && query::build(detection, options, naming, subset, "")
                .is_none_or(|q| q.text.chars().count() + LABEL_SLACK <= limit)
    };
    let Ok(queries) = partition::render_parts(
        &candidates,
        |&i| detection.indicators[i].value.to_string(),
        fits,
        |items, part| Ok::<_, Infallible>(query::build(detection, options, naming, items, part)),
        |query| query,
        Limit {
            chars: Some(limit),
            noun: "search",
        },
        notes,
    );
    queries
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// The floor must never refuse a part the renderer would accept: for every part tried,
    /// it is at most the length of the search rendered for that part.
    #[test]
    fn the_length_floor_never_exceeds_a_rendered_search() {
        let mut checked = 0;
        for detection in ioc_conformance::sample_detections() {
            for name in Profile::NAMES {
                let profile = Profile::from_name(name).unwrap();
                let settings = Settings::parse(profile, &BTreeMap::new()).unwrap();
                let options = EmitOptions::default();
                for dataset in DATASETS {
                    let naming = Naming::new(profile, dataset, &settings);
                    let candidates: Vec<usize> = (0..detection.indicators.len())
                        .filter(|&i| {
                            let kind = detection.indicators[i].kind();
                            dataset.hunts.iter().any(|h| h.kinds().contains(&kind))
                        })
                        .collect();
                    let floor = LengthFloor::new(&candidates, |i| &detection.indicators[i].value);
                    for part in ioc_conformance::split_subsets(&detection, &candidates) {
                        let Some(query) = query::build(&detection, &options, &naming, &part, "")
                        else {
                            continue;
                        };
                        let text = &query.text;
                        assert!(
                            floor.at_most(&part, text.chars().count()),
                            "the floor of {} indicators passes the length of their search:\n{text}",
                            part.len()
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1000, "only {checked} parts checked");
    }
}
