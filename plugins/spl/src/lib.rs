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
//! Roles are CIM field names without the dataset prefix: `dest_ip`, `dest_port`, `src_ip`,
//! `src_port` (network traffic), `query` (DNS), `url`, `url_domain` (web), `process_hash`,
//! `process_name` (processes), `file_hash`, `file_name` (file system), and the fields exclusions
//! test: `process`, `process_path`, `parent_process`, `parent_process_name`,
//! `parent_process_path`, `file_path`, `user`, `src`, `dest`. Their defaults are the CIM names
//! themselves, which CIM-compliant add-ons extract at search time. An unknown key, or a key of
//! the other profile, is an error.

mod eval;
mod exclusions;
mod literal;
mod matching;
mod profile;
mod query;
mod savedsearch;
mod schema;

use ioc_core::{
    register_backend, Backend, Detection, Emission, EmitError, EmitOptions, IndicatorKind, Output,
};

pub use profile::Profile;
pub use savedsearch::conf_value;

use crate::profile::Settings;
use crate::schema::{DATASETS, KINDS};

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
        let mut covered = vec![false; detection.indicators.len()];
        let mut searches = Vec::new();
        for dataset in DATASETS {
            if let Some(query) = query::build(detection, options, profile, &settings, dataset) {
                for &i in &query.indicators {
                    covered[i] = true;
                }
                searches.push((query, dataset.title));
            }
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
